#include "proxy/transport/uv_write.h"

#include <memory>

namespace tether::proxy::transport {

namespace {

struct QueuedWrite {
  uv_write_t req;
  std::string data;
  WriteDone on_done;
};

void onWritten(uv_write_t* req, int status) {
  std::unique_ptr<QueuedWrite> w(static_cast<QueuedWrite*>(req->data));
  if (w->on_done) w->on_done(req->handle, status);
}

} // namespace

int writeTo(uv_stream_t* stream, std::initializer_list<std::string_view> parts, WriteDone on_done) {
  constexpr size_t kMaxParts = 8;
  uv_buf_t bufs[kMaxParts];
  size_t n = 0, total = 0;
  for (auto p : parts) {
    if (p.empty()) continue;
    bufs[n++] = uv_buf_init(const_cast<char*>(p.data()), static_cast<unsigned>(p.size()));
    total += p.size();
  }
  if (total == 0) return 0;

  size_t written = 0;
  // uv_try_write is only safe for ordering when nothing is queued before it.
  if (queuedBytes(stream) == 0) {
    const int rc = uv_try_write(stream, bufs, static_cast<unsigned>(n));
    if (rc >= 0) {
      written = static_cast<size_t>(rc);
      if (written == total) return 0;
    } else if (rc != UV_EAGAIN) {
      return rc;
    }
  }

  auto w = std::make_unique<QueuedWrite>();
  w->on_done = on_done;
  w->data.reserve(total - written);
  size_t skip = written;
  for (size_t i = 0; i < n; ++i) {
    const size_t len = bufs[i].len;
    if (skip >= len) {
      skip -= len;
      continue;
    }
    w->data.append(bufs[i].base + skip, len - skip);
    skip = 0;
  }
  uv_buf_t buf = uv_buf_init(w->data.data(), static_cast<unsigned>(w->data.size()));
  w->req.data = w.get();
  const int rc = uv_write(&w->req, stream, &buf, 1, onWritten);
  if (rc < 0) return rc;  // callback will not run; unique_ptr frees the request
  w.release();
  return 0;
}

} // namespace tether::proxy::transport
