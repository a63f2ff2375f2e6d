#include "tests/support/memory_proxy.h"

#include <catch2/catch.hpp>

#include <uv.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <thread>

#include "config/snapshot.h"
#include "health/clock.h"

namespace tether::test {

using proxy::transport::MemoryPeer;
using proxy::transport::MemoryPeerSharedPtr;
using proxy::transport::MemoryTransport;

namespace {

std::vector<std::string> splitStartLine(const std::string& line) {
  std::vector<std::string> parts;
  size_t at = 0;
  for (int i = 0; i < 2; ++i) {
    const auto sp = line.find(' ', at);
    if (sp == std::string::npos) break;
    parts.push_back(line.substr(at, sp - at));
    at = sp + 1;
  }
  parts.push_back(line.substr(at));
  return parts;
}

} // namespace

std::optional<ParsedMessage> parseMessage(std::string_view bytes, bool bodiless,
                                          std::string* error) {
  MessageHead head;
  std::string why;
  const auto st = parseHead(bytes, head, why);
  if (st != ParseStatus::Complete) {
    if (st == ParseStatus::Error && error) *error = why;
    return std::nullopt;
  }
  ParsedMessage m;
  m.start_line = head.start_line;
  m.headers = head.headers;
  const auto parts = splitStartLine(head.start_line);
  const bool response = head.start_line.rfind("HTTP/", 0) == 0;
  if (response && parts.size() >= 2) {
    std::from_chars(parts[1].data(), parts[1].data() + parts[1].size(), m.status);
  } else if (parts.size() == 3) {
    m.method = parts[0];
    m.target = parts[1];
  }
  const std::string_view rest = bytes.substr(head.length);
  const bool no_body = response && (bodiless || m.status < 200 || m.status == 204 || m.status == 304);
  if (no_body) {
    m.length = head.length;
    return m;
  }
  if (head.headers.hasToken("transfer-encoding", "chunked")) {
    ChunkedDecoder decoder;
    const size_t used = decoder.feed(rest);
    if (decoder.status() != ParseStatus::Complete) {
      if (decoder.status() == ParseStatus::Error && error) *error = decoder.error();
      return std::nullopt;
    }
    m.body = decoder.takeBody();
    m.length = head.length + used;
    return m;
  }
  uint64_t length = 0;
  if (auto cl = head.headers.get("content-length")) {
    std::from_chars(cl->data(), cl->data() + cl->size(), length);
  } else if (response) {
    return std::nullopt;  // delimited by the close: not complete until then
  }
  if (rest.size() < length) return std::nullopt;
  m.body.assign(rest.substr(0, length));
  m.length = head.length + length;
  return m;
}

std::vector<ParsedMessage> parseMessages(std::string_view bytes) {
  std::vector<ParsedMessage> out;
  while (auto m = parseMessage(bytes)) {
    bytes.remove_prefix(m->length);
    out.push_back(std::move(*m));
  }
  return out;
}

// ---- MemoryBackend ----------------------------------------------------------------------------

MemoryBackend::MemoryBackend(std::string name) : name_(std::move(name)) {
  responder_ = [this](const ParsedMessage&) { return response(200, "ok"); };
}

std::string MemoryBackend::response(int status, std::string_view body,
                                    std::string_view extra_fields) const {
  std::string r = "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Length: " +
                  std::to_string(body.size()) + "\r\nX-Backend: " + name_ + "\r\n";
  r.append(extra_fields).append("\r\n").append(body);
  return r;
}

MemoryPeerSharedPtr MemoryBackend::accept() {
  if (refusing_) return nullptr;
  auto peer = std::make_shared<MemoryPeer>();
  buffers_.push_back(std::make_unique<std::string>());
  std::string* buffer = buffers_.back().get();
  peer->on_receive = [this, buffer](MemoryPeer& p) { onReceive(p, *buffer); };
  peers_.push_back(peer);
  return peer;
}

void MemoryBackend::onReceive(MemoryPeer& peer, std::string& buffer) {
  buffer += peer.take();
  while (auto request = parseMessage(buffer)) {
    buffer.erase(0, request->length);
    requests_.push_back(*request);
    const std::string answer = responder_(requests_.back());
    if (!answer.empty()) peer.send(answer);
  }
}

// ---- MemoryProxy ------------------------------------------------------------------------------

MemoryProxy::MemoryProxy(config::Config config) {
  config.workers = 1;
  config.logging.access_log = "off";
  // Teardown waits this long for exchanges a test left unfinished.
  config.timeouts.graceful_shutdown = std::chrono::milliseconds(100);
  for (const auto& b : config.backends) {
    auto backend = std::make_unique<MemoryBackend>(b.name);
    MemoryBackend* raw = backend.get();
    connector_.listen(b.address.toString(), [raw] { return raw->accept(); });
    backends_.emplace(b.name, std::move(backend));
  }
  auto snapshot = config::buildSnapshot(std::move(config), 1);
  routing_state_ = proxy::makeRoutingState(snapshot->config);
  generation_ = proxy::makeGeneration(snapshot, nullptr, routing_state_.get(),
                                      {health::monotonicMs(), health::wallMs()}, 1);
  std::string error;
  access_log_ = proxy::AccessLog::create(generation_->snapshot->config.logging, &error);
  REQUIRE(access_log_ != nullptr);
  worker_ = std::make_unique<proxy::Worker>(0, generation_, std::vector<int>{}, *access_log_,
                                            metrics_, &connector_);
}

MemoryProxy::~MemoryProxy() { stop(); }

void MemoryProxy::stop() {
  if (stopped_) return;
  stopped_ = true;
  worker_->requestStop();
  worker_->run();  // until every connection closed and the loop is closed
  CHECK(worker_->closedCleanly());
}

MemoryPeerSharedPtr MemoryProxy::connect(std::vector<size_t> chunks, std::string peer_address) {
  auto peer = std::make_shared<MemoryPeer>();
  peer->setChunks(std::move(chunks));
  worker_->adopt(MemoryTransport::accepted(worker_->io(), peer, std::move(peer_address)));
  return peer;
}

MemoryBackend& MemoryProxy::backend(const std::string& name) {
  auto it = backends_.find(name);
  REQUIRE(it != backends_.end());
  return *it->second;
}

void MemoryProxy::run(int iterations) {
  for (int i = 0; i < iterations; ++i) uv_run(worker_->loop(), UV_RUN_NOWAIT);
}

bool MemoryProxy::runUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    uv_run(worker_->loop(), UV_RUN_NOWAIT);
    if (done()) break;
    // Nothing due now: wait a little for the next timer rather than spin; nothing due at all
    // (no timer either) means nothing will ever change.
    const int next_ms = uv_backend_timeout(worker_->loop());
    if (next_ms < 0) break;
    if (next_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(std::min(next_ms, 5)));
  }
  return done();
}

std::optional<ParsedMessage> MemoryProxy::exchange(MemoryPeer& client, std::string_view request) {
  const size_t before = client.received().size();
  client.send(request);
  const bool head = request.rfind("HEAD ", 0) == 0;
  std::optional<ParsedMessage> got;
  runUntil([&] {
    std::string_view bytes(client.received());
    bytes.remove_prefix(before);
    // Interim 1xx answers come before the final one.
    while (auto m = parseMessage(bytes, head)) {
      bytes.remove_prefix(m->length);
      if (m->status >= 200 || m->status == 101) {
        got = std::move(m);
        return true;
      }
    }
    return client.closed();
  });
  return got;
}

} // namespace tether::test
