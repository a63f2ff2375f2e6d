#include "tests/support/upstream_session.h"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <charconv>

namespace tether::test {
namespace {

using namespace std::chrono_literals;

constexpr size_t kReadChunk = 64 * 1024;
constexpr size_t kWriteSlice = 64 * 1024;
// How long one response write may take in total; a test reading slowly on purpose stays far
// below it, and a peer that never reads cannot pin a thread past it.
constexpr Millis kWriteTimeout = 20s;
// A body write that waits longer than this for POLLOUT counts as "backpressure reached us".
constexpr Millis kStallThreshold = 100ms;
// Poll slice for waits without a deadline of their own (keep-alive idle, hang); stop() wakes
// them at once through the pipe anyway.
constexpr Millis kIdleSlice = 200ms;

std::string reasonPhrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

bool parseContentLength(const std::string& value, uint64_t& out) {
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
  return ec == std::errc() && ptr == value.data() + value.size() && !value.empty();
}

} // namespace

UpstreamSession::UpstreamSession(FakeUpstream& owner, UniqueFd fd, uint64_t connection_id)
    : owner_(owner),
      fd_(std::move(fd)),
      wake_fd_(owner.wake_read_.get()),
      connection_id_(connection_id) {}

void UpstreamSession::run() {
  for (uint32_t index = 0;; ++index) {
    auto req = readRequest(index);
    if (!req) {
      return;
    }
    owner_.record(*req);
    Behavior b = owner_.behaviorFor(*req);
    if (!respond(*req, b)) {
      return;
    }
  }
}

std::optional<RecordedRequest> UpstreamSession::readRequest(uint32_t index) {
  // 1. The head.
  MessageHead head;
  std::string error;
  ParseStatus st;
  while ((st = parseHead(buf_, head, error)) == ParseStatus::NeedMore) {
    if (peer_closed_) {
      if (!buf_.empty()) {
        markMalformed();
      }
      return std::nullopt;
    }
    if (readMore(kIdleSlice) == ReadResult::Stopped) {
      return std::nullopt;
    }
  }
  RecordedRequest req;
  if (st == ParseStatus::Complete) {
    std::string_view line = head.start_line;
    size_t sp1 = line.find(' ');
    size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos) {
      st = ParseStatus::Error;
    } else {
      req.method = std::string(line.substr(0, sp1));
      req.target = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
      req.version = std::string(line.substr(sp2 + 1));
      if (req.version != "HTTP/1.1" && req.version != "HTTP/1.0") {
        st = ParseStatus::Error;
      }
    }
  }
  if (st == ParseStatus::Error) {
    markMalformed();
    return std::nullopt;
  }
  req.headers = head.headers;
  req.connection_id = connection_id_;
  req.index_on_connection = index;

  // 2. The body: chunked when Transfer-Encoding ends in chunked, else Content-Length, else none.
  // Anything ambiguous (both, differing lengths, another coding) is what a proxy must never
  // forward, so it counts as malformed here.
  std::vector<std::string> codings;
  for (const auto& v : req.headers.getAll("Transfer-Encoding")) {
    for (auto& c : splitList(v)) {
      codings.push_back(toLower(c));
    }
  }
  req.chunked = !codings.empty() && codings.back() == "chunked";
  uint64_t content_length = 0;
  if (req.headers.has("Content-Length")) {
    auto values = req.headers.getAll("Content-Length");
    bool ok = parseContentLength(values.front(), content_length) && codings.empty();
    for (const auto& v : values) {
      ok = ok && v == values.front();
    }
    if (!ok) {
      markMalformed();
      return std::nullopt;
    }
  } else if (!codings.empty() && !req.chunked) {
    markMalformed();
    return std::nullopt;
  }
  bool has_body = req.chunked || content_length > 0;
  if (has_body && req.headers.hasToken("Expect", "100-continue")) {
    // What a real origin does: invite the body. tether should have answered the client itself
    // and dropped Expect; if it did not, the recorded headers show it.
    if (!sendRaw("HTTP/1.1 100 Continue\r\n\r\n")) {
      return std::nullopt;
    }
  }
  size_t body_end = head.length;
  if (req.chunked) {
    ChunkedDecoder decoder;
    size_t pos = head.length;
    for (;;) {
      pos += decoder.feed(std::string_view(buf_).substr(pos));
      if (decoder.status() == ParseStatus::Complete) {
        break;
      }
      if (decoder.status() == ParseStatus::Error || peer_closed_) {
        markMalformed();
        return std::nullopt;
      }
      if (readMore(kIdleSlice) == ReadResult::Stopped) {
        return std::nullopt;
      }
    }
    body_end = pos;
    req.body = decoder.takeBody();
    req.trailers = decoder.trailers();
  } else {
    while (buf_.size() - head.length < content_length) {
      if (peer_closed_) {
        markMalformed();
        return std::nullopt;
      }
      if (readMore(kIdleSlice) == ReadResult::Stopped) {
        return std::nullopt;
      }
    }
    body_end = head.length + static_cast<size_t>(content_length);
    req.body = buf_.substr(head.length, static_cast<size_t>(content_length));
  }
  req.raw = buf_.substr(0, body_end);
  buf_.erase(0, body_end);
  return req;
}

bool UpstreamSession::respond(const RecordedRequest& req, const Behavior& b) {
  using Action = Behavior::Action;
  if (b.delay.count() > 0 && pollOne(wake_fd_, POLLIN, b.delay) != 0) {
    return false;  // stopped while delaying
  }
  if (b.sndbuf > 0) {
    ::setsockopt(fd_.get(), SOL_SOCKET, SO_SNDBUF, &b.sndbuf, sizeof(b.sndbuf));
  }
  switch (b.action) {
    case Action::Hang:
      hold();
      return false;
    case Action::Close:
      closeGracefully();
      return false;
    case Action::Reset:
      closeWithReset(fd_);
      return false;
    case Action::Garbage:
      sendRaw(b.garbage);
      hold();
      return false;
    case Action::Upgrade:
      return tunnel(req);
    case Action::Respond:
    case Action::CloseMidResponse:
    case Action::StallMidResponse:
      break;
  }

  bool http10 = req.version == "HTTP/1.0";
  bool client_wants_close = http10 ? !req.headers.hasToken("Connection", "keep-alive")
                                   : req.headers.hasToken("Connection", "close");
  // A generated body of a normal response is streamed slice by slice (never held whole), so a
  // test can send tens of MiB; every other case builds the body up front.
  bool stream_generated = b.generated_body_bytes > 0 && b.action == Action::Respond;
  std::string body = stream_generated            ? std::string()
                     : b.generated_body_bytes > 0 ? patternBody(b.generated_body_bytes)
                                                  : b.body;
  size_t body_size = stream_generated ? b.generated_body_bytes : body.size();
  bool no_body_status = (b.status >= 100 && b.status < 200) || b.status == 204 || b.status == 304;
  bool chunked = b.framing == Behavior::Framing::Chunked;
  bool close_delimited = b.framing == Behavior::Framing::CloseDelimited && !no_body_status;
  bool close_after = b.close_after || client_wants_close || close_delimited;

  std::string head = "HTTP/1.1 " + std::to_string(b.status) + " " +
                     (b.reason.empty() ? reasonPhrase(b.status) : b.reason) + "\r\n";
  head += "X-Upstream: " + owner_.name() + "\r\n";
  head += "X-Target: " + req.target + "\r\n";
  for (const auto& [n, v] : b.headers.entries()) {
    head += n + ": " + v + "\r\n";
  }
  if (b.status != 204 && !(b.status >= 100 && b.status < 200)) {
    if (b.framing == Behavior::Framing::ContentLength) {
      head += "Content-Length: " + std::to_string(body_size) + "\r\n";
    } else if (chunked && b.status != 304) {
      head += "Transfer-Encoding: chunked\r\n";
    }
  }
  if (close_after) {
    head += "Connection: close\r\n";
  } else if (http10) {
    head += "Connection: keep-alive\r\n";
  }
  head += "\r\n";

  bool send_body = !no_body_status && (req.method != "HEAD" || b.body_for_head);
  std::string wire_body;
  if (send_body && !stream_generated) {
    wire_body = chunked ? encodeChunked(body, b.chunk_size) : std::move(body);
  }
  if (b.action != Action::Respond) {
    wire_body.resize(std::min(wire_body.size(), b.partial_body_bytes));
  }
  if (!sendRaw(head) || !sendBody(wire_body)) {
    return false;
  }
  if (stream_generated && send_body) {
    for (size_t offset = 0; offset < body_size; offset += kWriteSlice) {
      std::string slice = patternSlice(offset, std::min(kWriteSlice, body_size - offset));
      if (chunked) {
        slice = encodeChunked(slice, slice.size());
        slice.resize(slice.size() - 5);  // drop the last-chunk; it is sent once at the end
      }
      if (!sendBody(slice)) {
        return false;
      }
    }
    if (chunked && !sendBody("0\r\n\r\n")) {
      return false;
    }
  }
  if (b.action == Action::CloseMidResponse) {
    closeGracefully();
    return false;
  }
  if (b.action == Action::StallMidResponse) {
    hold();
    return false;
  }
  if (!b.trailing_bytes.empty() && !sendRaw(b.trailing_bytes)) {
    return false;
  }
  if (close_after) {
    closeGracefully();
    return false;
  }
  return true;
}

bool UpstreamSession::tunnel(const RecordedRequest& req) {
  std::string head = "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: " +
                     req.headers.get("Upgrade").value_or("websocket") +
                     "\r\nX-Upstream: " + owner_.name() + "\r\n\r\n";
  if (!sendRaw(head)) {
    return false;
  }
  // Echo until the peer closes; bytes after the request head are already tunnel data.
  for (;;) {
    if (!buf_.empty()) {
      if (!sendRaw(buf_)) {
        return false;
      }
      buf_.clear();
    }
    if (peer_closed_) {
      closeGracefully();
      return false;
    }
    if (readMore(kIdleSlice) == ReadResult::Stopped) {
      return false;
    }
  }
}

UpstreamSession::ReadResult UpstreamSession::readMore(Millis timeout) {
  int revents = pollOne(fd_.get(), POLLIN, timeout, wake_fd_);
  if (revents < 0) {
    return ReadResult::Stopped;
  }
  if (revents == 0) {
    return ReadResult::Timeout;
  }
  char tmp[kReadChunk];
  ssize_t n = ::recv(fd_.get(), tmp, sizeof(tmp), MSG_DONTWAIT);
  if (n > 0) {
    buf_.append(tmp, static_cast<size_t>(n));
    return ReadResult::Data;
  }
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
    return ReadResult::Timeout;
  }
  markPeerClosed();
  return ReadResult::PeerClosed;
}

void UpstreamSession::hold() {
  while (!peer_closed_) {
    if (readMore(kIdleSlice) == ReadResult::Stopped) {
      return;
    }
    buf_.clear();
  }
}

bool UpstreamSession::sendRaw(std::string_view data) {
  return sendAll(fd_.get(), data, Clock::now() + kWriteTimeout, wake_fd_) || writeFailed();
}

bool UpstreamSession::sendBody(std::string_view data) {
  auto deadline = Clock::now() + kWriteTimeout;
  while (!data.empty()) {
    size_t slice = std::min(data.size(), kWriteSlice);
    ssize_t n = ::send(fd_.get(), data.data(), slice, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      owner_.body_bytes_sent_ += static_cast<uint64_t>(n);
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      int revents = pollOne(fd_.get(), POLLOUT, kStallThreshold, wake_fd_);
      if (revents < 0 || Clock::now() > deadline) {
        return false;
      }
      if (revents == 0) {
        owner_.noteWriteStall();
      } else if (revents & (POLLERR | POLLHUP | POLLNVAL)) {
        return writeFailed();
      }
      continue;
    }
    return writeFailed();
  }
  return true;
}

bool UpstreamSession::writeFailed() {
  // A failed write (EPIPE, ECONNRESET, POLLHUP) means the peer is gone: count it like an EOF seen
  // by a read, so waitForPeerClosed() also sees peers that close while we are writing.
  if (!owner_.stopping_.load()) {
    markPeerClosed();
  }
  return false;
}

void UpstreamSession::closeGracefully() {
  // FIN first, then drain what the peer still sends, so close() does not turn into an RST that
  // could destroy response bytes the peer has not read yet.
  ::shutdown(fd_.get(), SHUT_WR);
  auto deadline = Clock::now() + 1s;
  while (!peer_closed_ && Clock::now() < deadline) {
    if (readMore(100ms) == ReadResult::Stopped) {
      break;
    }
    buf_.clear();
  }
  fd_.reset();
}

void UpstreamSession::markPeerClosed() {
  if (!peer_closed_) {
    peer_closed_ = true;
    owner_.notePeerClosed();
  }
}

void UpstreamSession::markMalformed() { owner_.noteMalformed(); }

} // namespace tether::test
