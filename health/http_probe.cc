#include "health/http_probe.h"

namespace tether::health {

namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// Returns the status code of an `HTTP/1.x NNN[ reason]` line, or 0.
int parseLine(std::string_view line) {
  constexpr std::string_view kPrefix = "HTTP/1.";
  if (line.size() < 12 || line.substr(0, kPrefix.size()) != kPrefix) return 0;
  if (!isDigit(line[7]) || line[8] != ' ') return 0;
  if (!isDigit(line[9]) || !isDigit(line[10]) || !isDigit(line[11])) return 0;
  if (line.size() > 12 && line[12] != ' ') return 0;
  const int status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
  return status >= 100 && status <= 599 ? status : 0;
}

// The line starting at `pos`, ended by CRLF or a bare LF (not part of `text`). `next` is npos
// while the line is incomplete; at EOF an unterminated remainder counts as a line.
struct Line {
  std::string_view text;
  size_t next = std::string_view::npos;  // index after the terminator; npos = incomplete
};

Line nextLine(std::string_view data, size_t pos, bool eof) {
  const size_t nl = data.find('\n', pos);
  if (nl == std::string_view::npos) {
    if (eof && pos < data.size()) return {data.substr(pos), data.size()};
    return {};
  }
  std::string_view text = data.substr(pos, nl - pos);
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  return {text, nl + 1};
}

// A short printable excerpt of a bad line for the operator's log.
std::string excerpt(std::string_view line) {
  constexpr size_t kMax = 40;
  std::string out;
  for (char c : line.substr(0, kMax)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (line.size() > kMax) out += "...";
  return out;
}

} // namespace

StatusScan scanStatusLine(std::string_view received, bool eof) {
  size_t pos = 0;
  for (;;) {
    const Line status_line = nextLine(received, pos, eof);
    if (status_line.next == std::string_view::npos) {
      if (eof) return {StatusScan::Outcome::Invalid, 0, received.substr(pos)};
      return {};
    }
    const int status = parseLine(status_line.text);
    if (status == 0) return {StatusScan::Outcome::Invalid, 0, status_line.text};
    if (status >= 200) return {StatusScan::Outcome::Status, status, {}};
    // 1xx: skip its header block up to the empty line; the final response follows it.
    pos = status_line.next;
    for (;;) {
      const Line header = nextLine(received, pos, eof);
      if (header.next == std::string_view::npos) {
        if (eof) return {StatusScan::Outcome::Invalid, 0, status_line.text};
        return {};
      }
      pos = header.next;
      if (header.text.empty()) break;
    }
  }
}

HttpProbe::HttpProbe(uv_loop_t* loop, std::string_view path, std::string_view host_header,
                     uint16_t expect_min, uint16_t expect_max)
    : Probe(loop), expect_min_(expect_min), expect_max_(expect_max) {
  request_.reserve(96 + path.size() + host_header.size());
  request_.append("GET ").append(path).append(" HTTP/1.1\r\nHost: ").append(host_header);
  request_.append("\r\nUser-Agent: tether-health\r\nConnection: close\r\n\r\n");
}

void HttpProbe::onConnected() {
  write_req_.data = this;
  uv_buf_t buf = uv_buf_init(request_.data(), static_cast<unsigned>(request_.size()));
  int rc = uv_write(&write_req_, reinterpret_cast<uv_stream_t*>(tcp()), &buf, 1, onWrite);
  if (rc < 0) {  // the write callback will not run
    finish(ProbeResult::Code::IoFailed, std::string("write: ") + uv_strerror(rc));
    return;
  }
  rc = uv_read_start(reinterpret_cast<uv_stream_t*>(tcp()), onAlloc, onRead);
  if (rc < 0) finish(ProbeResult::Code::IoFailed, std::string("read: ") + uv_strerror(rc));
}

void HttpProbe::onWrite(uv_write_t* req, int status) noexcept {
  auto* self = static_cast<HttpProbe*>(static_cast<Probe*>(req->data));
  // UV_ECANCELED: the probe closed first. Any other error after a result is moot as well.
  if (status == UV_ECANCELED || self->finished()) return;
  if (status < 0) {
    self->finish(ProbeResult::Code::IoFailed, std::string("write: ") + uv_strerror(status));
  }
}

void HttpProbe::onAlloc(uv_handle_t* handle, size_t, uv_buf_t* buf) noexcept {
  auto* self = static_cast<HttpProbe*>(static_cast<Probe*>(handle->data));
  // judge() finishes the probe when the buffer fills, so there is always room here; a zero-size
  // buffer would come back as UV_ENOBUFS and be reported as a read error.
  buf->base = self->in_.data() + self->in_len_;
  buf->len = self->in_.size() - self->in_len_;
}

void HttpProbe::onRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t*) noexcept {
  auto* self = static_cast<HttpProbe*>(static_cast<Probe*>(stream->data));
  if (self->finished()) return;
  if (nread == UV_EOF) {
    self->judge(true);
    return;
  }
  if (nread < 0) {
    self->finish(ProbeResult::Code::IoFailed,
                 std::string("read: ") + uv_strerror(static_cast<int>(nread)));
    return;
  }
  self->in_len_ += static_cast<size_t>(nread);
  self->judge(false);
}

void HttpProbe::judge(bool eof) {
  const std::string_view received(in_.data(), in_len_);
  if (eof && received.empty()) {
    finish(ProbeResult::Code::IoFailed, "closed before status line");
    return;
  }
  const StatusScan scan = scanStatusLine(received, eof);
  switch (scan.outcome) {
  case StatusScan::Outcome::NeedMore:
    if (in_len_ == in_.size()) {
      finish(ProbeResult::Code::BadResponse,
             "no status line in the first " + std::to_string(kMaxRead) + " bytes");
    }
    return;
  case StatusScan::Outcome::Invalid:
    finish(ProbeResult::Code::BadResponse, "bad status line \"" + excerpt(scan.bad_line) + "\"");
    return;
  case StatusScan::Outcome::Status:
    if (scan.status >= expect_min_ && scan.status <= expect_max_) {
      finish(ProbeResult::Code::Ok, "ok (status " + std::to_string(scan.status) + ")");
    } else {
      finish(ProbeResult::Code::BadStatus, "status " + std::to_string(scan.status));
    }
    return;
  }
}

} // namespace tether::health
