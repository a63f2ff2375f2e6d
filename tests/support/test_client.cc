#include "tests/support/test_client.h"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace tether::test {
namespace {

constexpr size_t kReadChunk = 64 * 1024;

bool parseStatusLine(std::string_view line, HttpResponse& out) {
  // HTTP-version SP 3DIGIT SP [reason]
  if (line.size() < 12 || line.substr(0, 5) != "HTTP/" || line[8] != ' ') {
    return false;
  }
  out.version = std::string(line.substr(0, 8));
  int status = 0;
  auto [ptr, ec] = std::from_chars(line.data() + 9, line.data() + 12, status);
  if (ec != std::errc() || ptr != line.data() + 12 || status < 100 || status > 999) {
    return false;
  }
  if (line.size() > 12 && line[12] != ' ') {
    return false;
  }
  out.status = status;
  out.reason = line.size() > 13 ? std::string(line.substr(13)) : std::string();
  return true;
}

} // namespace

TestClient::TestClient(uint16_t port, ClientOptions options) {
  fd_ = connectLoopback(port, options.connect_timeout, options.rcvbuf);
  if (!fd_.valid()) {
    connect_errno_ = errno;
    error_ = std::string("connect failed: ") + std::strerror(connect_errno_);
  }
}

TestClient::Fill TestClient::fill(Clock::time_point deadline) {
  if (!fd_.valid() || peer_closed_) {
    return Fill::Closed;
  }
  for (;;) {
    auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now());
    if (left.count() < 0) {
      left = Millis(0);
    }
    int revents = pollOne(fd_.get(), POLLIN, left);
    if (revents == 0) {
      return Fill::Timeout;
    }
    char tmp[kReadChunk];
    ssize_t n = ::recv(fd_.get(), tmp, sizeof(tmp), MSG_DONTWAIT);
    if (n > 0) {
      buf_.append(tmp, static_cast<size_t>(n));
      return Fill::Data;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (Clock::now() >= deadline) {
        return Fill::Timeout;
      }
      continue;
    }
    peer_closed_ = true;
    return Fill::Closed;
  }
}

bool TestClient::send(std::string_view bytes, Millis timeout) {
  if (!fd_.valid()) {
    error_ = "send on an unconnected client";
    return false;
  }
  if (!sendAll(fd_.get(), bytes, Clock::now() + timeout)) {
    error_ = std::string("send failed: ") + std::strerror(errno);
    return false;
  }
  return true;
}

bool TestClient::sendTrickled(std::string_view bytes, Millis gap) {
  trickled_ = 0;
  for (char c : bytes) {
    if (!send(std::string_view(&c, 1), gap + Millis(1000))) {
      return false;
    }
    ++trickled_;
    // Waiting for readability doubles as the inter-byte delay: anything from the peer (a 408, a
    // FIN) ends the trickle at once.
    int revents = pollOne(fd_.get(), POLLIN, gap);
    if (revents != 0) {
      error_ = "peer answered or closed while trickling";
      return false;
    }
  }
  return true;
}

std::optional<HttpResponse> TestClient::readResponse(Millis timeout, bool head_request) {
  auto deadline = Clock::now() + timeout;
  error_.clear();
  MessageHead head;
  std::string error;
  ParseStatus st;
  while ((st = parseHead(buf_, head, error)) == ParseStatus::NeedMore) {
    Fill f = fill(deadline);
    if (f == Fill::Timeout) {
      error_ = "timeout waiting for a response head (" + std::to_string(buf_.size()) +
               " bytes buffered)";
      return std::nullopt;
    }
    if (f == Fill::Closed) {
      error_ = "connection closed before a complete response head (" +
               std::to_string(buf_.size()) + " bytes buffered)";
      return std::nullopt;
    }
  }
  HttpResponse resp;
  if (st == ParseStatus::Error || !parseStatusLine(head.start_line, resp)) {
    error_ = "malformed response head: " + (error.empty() ? head.start_line : error);
    return std::nullopt;
  }
  resp.headers = std::move(head.headers);
  buf_.erase(0, head.length);

  bool no_body = head_request || (resp.status >= 100 && resp.status < 200) ||
                 resp.status == 204 || resp.status == 304;
  if (no_body) {
    resp.complete = true;
    return resp;
  }
  auto te = resp.headers.getAll("Transfer-Encoding");
  if (!te.empty()) {
    auto codings = splitList(te.back());
    if (codings.empty() || toLower(codings.back()) != "chunked") {
      error_ = "response Transfer-Encoding without final chunked: " + te.back();
      return resp;
    }
    resp.chunked = true;
    ChunkedDecoder decoder;
    for (;;) {
      size_t used = decoder.feed(buf_);
      buf_.erase(0, used);
      if (decoder.status() == ParseStatus::Complete) {
        break;
      }
      if (decoder.status() == ParseStatus::Error) {
        error_ = "bad chunked response body: " + decoder.error();
        resp.body = decoder.takeBody();
        return resp;
      }
      if (fill(deadline) != Fill::Data) {
        error_ = peer_closed_ ? "closed inside a chunked body" : "timeout inside a chunked body";
        resp.body = decoder.takeBody();
        return resp;
      }
    }
    resp.body = decoder.takeBody();
    resp.trailers = decoder.trailers();
    resp.complete = true;
    return resp;
  }
  auto cls = resp.headers.getAll("Content-Length");
  if (!cls.empty()) {
    uint64_t length = 0;
    auto [ptr, ec] = std::from_chars(cls[0].data(), cls[0].data() + cls[0].size(), length);
    for (const auto& v : cls) {
      if (v != cls[0] || ec != std::errc() || ptr != cls[0].data() + cls[0].size()) {
        error_ = "invalid or conflicting response Content-Length";
        return resp;
      }
    }
    resp.body.reserve(static_cast<size_t>(length));
    for (;;) {
      size_t take = std::min<uint64_t>(length - resp.body.size(), buf_.size());
      resp.body.append(buf_, 0, take);
      buf_.erase(0, take);
      if (resp.body.size() == length) {
        resp.complete = true;
        return resp;
      }
      if (fill(deadline) != Fill::Data) {
        error_ = (peer_closed_ ? "closed after " : "timeout after ") +
                 std::to_string(resp.body.size()) + " of " + std::to_string(length) +
                 " body bytes";
        return resp;
      }
    }
  }
  // No length: the body runs until the connection closes.
  resp.close_delimited = true;
  for (;;) {
    resp.body += buf_;
    buf_.clear();
    Fill f = fill(deadline);
    if (f == Fill::Closed) {
      resp.body += buf_;
      buf_.clear();
      resp.complete = true;
      return resp;
    }
    if (f == Fill::Timeout) {
      error_ = "timeout inside a close-delimited body";
      return resp;
    }
  }
}

std::optional<HttpResponse> TestClient::readFinalResponse(Millis timeout, bool head_request) {
  auto deadline = Clock::now() + timeout;
  std::vector<HttpResponse> interim;
  for (;;) {
    auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now());
    auto resp = readResponse(std::max(left, Millis(0)), head_request);
    if (!resp) {
      return resp;
    }
    if (resp->status >= 200 || resp->status == 101) {
      resp->interim = std::move(interim);
      return resp;
    }
    interim.push_back(std::move(*resp));
  }
}

std::optional<HttpResponse> TestClient::roundTrip(std::string_view request, Millis timeout) {
  if (!send(request, timeout)) {
    return std::nullopt;
  }
  return readFinalResponse(timeout, request.substr(0, 5) == "HEAD ");
}

std::optional<std::string> TestClient::readExactly(size_t n, Millis timeout) {
  auto deadline = Clock::now() + timeout;
  while (buf_.size() < n) {
    if (fill(deadline) != Fill::Data) {
      error_ = "got " + std::to_string(buf_.size()) + " of " + std::to_string(n) + " bytes";
      return std::nullopt;
    }
  }
  std::string out = buf_.substr(0, n);
  buf_.erase(0, n);
  return out;
}

std::string TestClient::readAll(Millis timeout) {
  auto deadline = Clock::now() + timeout;
  for (;;) {
    Fill f = fill(deadline);
    if (f == Fill::Closed) {
      break;
    }
    if (f == Fill::Timeout) {
      error_ = "timeout: peer did not close";
      break;
    }
  }
  std::string out;
  out.swap(buf_);
  return out;
}

bool TestClient::isClosedByPeer(Millis timeout) {
  auto deadline = Clock::now() + timeout;
  for (;;) {
    Fill f = fill(deadline);
    if (f == Fill::Closed) {
      return true;
    }
    if (f == Fill::Timeout) {
      error_ = "peer did not close within " + std::to_string(timeout.count()) + " ms";
      return false;
    }
  }
}

bool TestClient::staysQuiet(Millis window) {
  size_t before = buf_.size();
  Fill f = fill(Clock::now() + window);
  return f == Fill::Timeout && buf_.size() == before;
}

void TestClient::shutdownWrite() {
  if (fd_.valid()) {
    ::shutdown(fd_.get(), SHUT_WR);
  }
}

} // namespace tether::test
