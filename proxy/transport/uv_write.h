#pragma once
// Writing to a libuv stream without ever blocking and without the caller keeping buffers alive.
//
// writeTo() first tries a synchronous uv_try_write (the common case on loopback and LANs: no copy,
// no allocation). Whatever the kernel did not take is copied into a WriteReq that owns its bytes
// and is freed in the write callback, so callers never keep buffers alive. The callback is invoked
// with the stream's owner in handle->data; on UV_ECANCELED (handle closing) owners must not start
// new work.

#include <uv.h>

#include <string>
#include <string_view>

namespace tether::proxy::transport {

// Writes `parts` in order. `on_done(stream, status)` runs for the queued remainder, if any.
// Returns 0 or a negative libuv error (then nothing is queued and no callback will run).
using WriteDone = void (*)(uv_stream_t* stream, int status);
int writeTo(uv_stream_t* stream, std::initializer_list<std::string_view> parts, WriteDone on_done);

// Bytes queued in libuv and not yet handed to the kernel.
inline size_t queuedBytes(const uv_stream_t* stream) {
  return uv_stream_get_write_queue_size(stream);
}

} // namespace tether::proxy::transport
