#pragma once
// Blocking-socket helpers for the test support code: plain POSIX sockets on 127.0.0.1, every wait
// bounded by a timeout. Test-only; never used by tether itself (which runs on libuv).
//
// Thread affinity: none (free functions and a move-only fd owner). Errors are return values
// (false / -1 / nullopt) with errno left as the failing call set it.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tether::test {

using Millis = std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// Owns one file descriptor; closes it on destruction. Move-only.
class UniqueFd {
public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release();
  void reset(int fd = -1);

private:
  int fd_ = -1;
};

// A listening TCP socket on 127.0.0.1:`port` (0 = any free port), non-blocking, SO_REUSEADDR.
// Returns an invalid fd on failure.
UniqueFd listenLoopback(uint16_t port, int backlog = 512);

// The port a bound socket ended up on (0 on error).
uint16_t localPort(int fd);

// Connects to 127.0.0.1:`port` within `timeout`. `rcvbuf` > 0 sets SO_RCVBUF before connecting
// (which also turns off the kernel's receive-buffer autotuning). The returned fd is blocking-free
// in practice: every helper below polls before reading or writing. Invalid fd on failure; errno
// holds the reason (ECONNREFUSED, ETIMEDOUT, ...).
UniqueFd connectLoopback(uint16_t port, Millis timeout, int rcvbuf = 0);

// A port on 127.0.0.1 that is free right now: bound to port 0, read back, closed. Another process
// could take it before the caller binds it; on a test machine that window is harmless.
uint16_t freePort();

// A port on 127.0.0.1 where nothing listens, so a connect is refused (RST). Same caveat as
// freePort(): it was bound once and closed without listen().
uint16_t refusedPort();

// Polls one fd (plus an optional wake fd, -1 for none) for `events`. Returns the fd's revents, 0 on
// timeout, or -1 when the wake fd became readable (stop requested).
int pollOne(int fd, short events, Millis timeout, int wake_fd = -1);

// Writes all of `data` before `deadline`. MSG_NOSIGNAL, so a closed peer is an error, not SIGPIPE.
// Returns false on error, timeout or wake.
bool sendAll(int fd, std::string_view data, Clock::time_point deadline, int wake_fd = -1);

// Sets SO_LINGER {on, 0} and closes: the peer sees a TCP RST instead of a FIN.
void closeWithReset(UniqueFd& fd);

} // namespace tether::test
