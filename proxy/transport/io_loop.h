#pragma once
// IoLoop: what every transport on one event loop shares: the loop, one read buffer and one
// WriteBatch.
//
// Reads are handled to completion inside the read callback (parsed, forwarded, or copied where
// they must outlive it), so one 64 KiB buffer per loop serves every connection and an idle
// connection holds no read buffer (h2o does the same).
//
// Loop thread only. Owned by whoever owns the loop (a Worker, the control loop, a test).
// close() closes the WriteBatch's handles; the object must stay alive until the loop has run
// their close callbacks.

#include <uv.h>

#include <memory>

#include "proxy/transport/write_batch.h"

namespace tether::proxy::transport {

class IoLoop {
public:
  static constexpr unsigned kReadBufferSize = 64 * 1024;

  explicit IoLoop(uv_loop_t* loop)
      : loop_(loop), read_buf_(new char[kReadBufferSize]), batch_(loop) {}
  IoLoop(const IoLoop&) = delete;
  IoLoop& operator=(const IoLoop&) = delete;

  uv_loop_t* loop() const { return loop_; }
  uv_buf_t readBuffer() { return uv_buf_init(read_buf_.get(), kReadBufferSize); }
  WriteBatch& batch() { return batch_; }
  // Flushes what is gathered and closes the batch's handles.
  void close() { batch_.close(); }

private:
  uv_loop_t* loop_;
  std::unique_ptr<char[]> read_buf_;
  WriteBatch batch_;
};

} // namespace tether::proxy::transport
