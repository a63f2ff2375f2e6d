#include "tests/support/fake_upstream.h"

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/support/upstream_session.h"

namespace tether::test {
namespace {

using namespace std::chrono_literals;

// Poll slice of the accept loop; stop() wakes it at once through the pipe anyway.
constexpr Millis kAcceptSlice = 200ms;

} // namespace

Behavior Behavior::respond(int status, std::string body) {
  Behavior b;
  b.status = status;
  b.body = std::move(body);
  return b;
}

Behavior Behavior::of(Action action) {
  Behavior b;
  b.action = action;
  return b;
}

FakeUpstream::FakeUpstream(std::string name, uint16_t port) : name_(std::move(name)) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) == 0) {
    wake_read_.reset(pipe_fds[0]);
    wake_write_.reset(pipe_fds[1]);
  }
  listen_fd_ = listenLoopback(port);
  if (!listen_fd_.valid() || !wake_read_.valid()) {
    listen_fd_.reset();
    return;
  }
  port_ = localPort(listen_fd_.get());
  accept_thread_ = std::thread([this] { acceptLoop(); });
}

FakeUpstream::~FakeUpstream() { stop(); }

void FakeUpstream::stop() {
  if (stopping_.exchange(true)) {
    return;
  }
  if (wake_write_.valid()) {
    char byte = 1;
    [[maybe_unused]] ssize_t n = ::write(wake_write_.get(), &byte, 1);
  }
  if (accept_thread_.joinable()) {
    accept_thread_.join();
  }
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    threads.swap(connection_threads_);
  }
  for (auto& t : threads) {
    t.join();
  }
  listen_fd_.reset();
  notifyAll();
}

void FakeUpstream::setBehavior(Behavior behavior) {
  std::lock_guard<std::mutex> lock(mu_);
  default_behavior_ = std::move(behavior);
}

void FakeUpstream::pushBehavior(Behavior behavior) {
  std::lock_guard<std::mutex> lock(mu_);
  queued_.push_back(std::move(behavior));
}

void FakeUpstream::setResponder(Responder responder) {
  std::lock_guard<std::mutex> lock(mu_);
  responder_ = std::move(responder);
}

std::vector<RecordedRequest> FakeUpstream::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

size_t FakeUpstream::requestCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_.size();
}

bool FakeUpstream::waitForRequests(size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return requests_.size() >= n; });
}

uint64_t FakeUpstream::connectionCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return connections_;
}

bool FakeUpstream::waitForConnections(uint64_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return connections_ >= n; });
}

uint64_t FakeUpstream::peerClosedCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return peer_closed_;
}

bool FakeUpstream::waitForPeerClosed(uint64_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return peer_closed_ >= n; });
}

uint64_t FakeUpstream::malformedCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return malformed_;
}

uint64_t FakeUpstream::bodyBytesSent() const { return body_bytes_sent_.load(); }

bool FakeUpstream::waitForWriteStall(std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return write_stalled_; });
}

void FakeUpstream::notifyAll() {
  std::lock_guard<std::mutex> lock(mu_);
  cv_.notify_all();
}

void FakeUpstream::acceptLoop() {
  while (!stopping_.load()) {
    int revents = pollOne(listen_fd_.get(), POLLIN, kAcceptSlice, wake_read_.get());
    if (revents < 0) {
      return;
    }
    if (revents == 0) {
      continue;
    }
    for (;;) {
      int fd = ::accept4(listen_fd_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        break;
      }
      // Head and body go out in separate writes; with Nagle on, the body would wait for
      // tether's delayed ACK (about 20-40 ms a response on loopback).
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      std::lock_guard<std::mutex> lock(mu_);
      uint64_t id = ++connections_;
      connection_threads_.emplace_back(
          [this, fd, id] { UpstreamSession(*this, UniqueFd(fd), id).run(); });
      cv_.notify_all();
    }
  }
}

Behavior FakeUpstream::behaviorFor(const RecordedRequest& request) {
  Responder responder;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!queued_.empty()) {
      Behavior b = std::move(queued_.front());
      queued_.pop_front();
      return b;
    }
    if (!responder_) {
      return default_behavior_;
    }
    responder = responder_;
  }
  return responder(request);
}

void FakeUpstream::record(RecordedRequest request) {
  std::lock_guard<std::mutex> lock(mu_);
  requests_.push_back(std::move(request));
  cv_.notify_all();
}

void FakeUpstream::notePeerClosed() {
  std::lock_guard<std::mutex> lock(mu_);
  ++peer_closed_;
  cv_.notify_all();
}

void FakeUpstream::noteMalformed() {
  std::lock_guard<std::mutex> lock(mu_);
  ++malformed_;
  cv_.notify_all();
}

void FakeUpstream::noteWriteStall() {
  std::lock_guard<std::mutex> lock(mu_);
  write_stalled_ = true;
  cv_.notify_all();
}

} // namespace tether::test
