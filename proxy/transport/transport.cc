#include "proxy/transport/transport.h"

namespace tether::proxy::transport {

namespace {
// A gathered buffer larger than this is freed after a flush: a large response or upload must not
// stay allocated on an idle keep-alive connection.
constexpr size_t kKeptCapacity = 4096;
} // namespace

std::string_view endName(TransportEnd end) {
  switch (end) {
  case TransportEnd::Eof: return "eof";
  case TransportEnd::ConnectFailed: return "connect_failed";
  case TransportEnd::Reset: return "reset";
  case TransportEnd::WriteFailed: return "write_failed";
  }
  return "unknown";
}

// The closing timer (flush timeout, then linger), made only when a connection starts closing.
// Freed in its close callback, which also counts as one of the transport's closed handles.
struct Transport::CloseTimer {
  uv_timer_t timer;
  Transport* owner;

  static void onFire(uv_timer_t* t) { static_cast<CloseTimer*>(t->data)->owner->close(); }
  static void onClosed(uv_handle_t* h) {
    auto* self = static_cast<CloseTimer*>(h->data);
    Transport* owner = self->owner;
    delete self;
    owner->handleClosed();
  }
};

Transport::~Transport() = default;

void Transport::startReading() {
  want_reading_ = true;
  if (phase_ == Phase::Open) readOn();
}

void Transport::stopReading() {
  want_reading_ = false;
  if (phase_ == Phase::Open) readOff();
}

void Transport::write(std::string_view a, std::string_view b, std::string_view c) {
  if (!open()) return;
  if (phase_ == Phase::Connecting || !out_.empty()) {  // behind bytes already waiting: keep order
    out_.append(a).append(b).append(c);
    if (out_.size() >= kHighWater && phase_ == Phase::Open) sendGathered(false);
    return;
  }
  if (!sendNow({a, b, c})) end(TransportEnd::WriteFailed);
}

void Transport::writeDeferred(std::string_view a, std::string_view b, std::string_view c) {
  if (!open()) return;
  out_.append(a).append(b).append(c);
  if (phase_ != Phase::Open) return;  // connecting: sent once connected
  if (out_.size() >= kHighWater) {
    sendGathered(false);
    return;
  }
  io_.batch().enqueue(*this);
}

void Transport::flush() { sendGathered(false); }

void Transport::sendGathered(bool notify) {
  io_.batch().cancel(*this);  // sent now, not again at the end of the iteration
  if (out_.empty() || (phase_ != Phase::Open && phase_ != Phase::Flushing)) return;
  // sendNow() copies whatever the peer did not take, so out_ can be reused at once.
  const bool ok = sendNow({out_});
  out_.clear();
  if (out_.capacity() > kKeptCapacity) std::string().swap(out_);
  if (!ok) {
    end(TransportEnd::WriteFailed);
    return;
  }
  // When the peer took everything, no writeDone() will come to say the queue shrank.
  if (notify) checkDrained();
}

bool Transport::backlogged() {
  if (queuedBytes() > kHighWater) {
    backlogged_ = true;
    return true;
  }
  return false;
}

void Transport::checkDrained() {
  if (!backlogged_ || queuedBytes() >= kLowWater) return;
  backlogged_ = false;
  if (handler_ && phase_ == Phase::Open) handler_->onTransportDrained();
}

void Transport::closeAfterFlush(std::chrono::milliseconds flush_timeout,
                                std::chrono::milliseconds linger) {
  if (phase_ == Phase::Connecting) {
    close();
    return;
  }
  if (phase_ != Phase::Open) return;
  linger_for_ = linger;
  want_reading_ = false;
  readOff();
  phase_ = Phase::Flushing;
  sendGathered(false);
  if (phase_ != Phase::Flushing) return;
  if (queuedBytes() == 0) {
    startLinger();
  } else {
    closeIn(flush_timeout);
  }
}

void Transport::startLinger() {
  phase_ = Phase::Lingering;
  if (!shutdownWrite()) {
    close();
    return;
  }
  closeIn(linger_for_);
  readOn();  // discarded until the peer closes
}

void Transport::closeIn(std::chrono::milliseconds after) {
  if (!close_timer_) {
    close_timer_ = new CloseTimer{};
    close_timer_->owner = this;
    uv_timer_init(io_.loop(), &close_timer_->timer);
    close_timer_->timer.data = close_timer_;
  }
  uv_timer_start(&close_timer_->timer, CloseTimer::onFire, static_cast<uint64_t>(after.count()), 0);
}

void Transport::close() {
  if (phase_ == Phase::Closed) return;
  phase_ = Phase::Closed;
  io_.batch().cancel(*this);
  out_.clear();
  int handles = closeHandles();
  if (close_timer_) {
    uv_timer_stop(&close_timer_->timer);
    uv_close(reinterpret_cast<uv_handle_t*>(&close_timer_->timer), CloseTimer::onClosed);
    close_timer_ = nullptr;  // freed by its close callback
    ++handles;
  }
  pending_closes_ += handles;
}

void Transport::handleClosed() {
  if (--pending_closes_ > 0) return;
  Handler* handler = handler_;
  handler_ = nullptr;
  if (handler) handler->onTransportClosed();
  delete this;
}

void Transport::end(TransportEnd how) {
  // Only a handler still carrying traffic hears of it; a closing transport just finishes: after
  // a lingering close, the peer's EOF means it read our response.
  if (open() && handler_) handler_->onTransportEnd(how);
  close();  // a no-op when the handler closed already
}

void Transport::deliverData(const char* data, size_t len) {
  // Flushing and lingering discard what arrives: the handler is done with this peer.
  if (phase_ == Phase::Open && handler_) handler_->onTransportData(data, len);
}

void Transport::deliverEnd(TransportEnd how) {
  if (phase_ != Phase::Closed) end(how);
}

void Transport::writeDone(int status) {
  if (status == UV_ECANCELED || phase_ == Phase::Closed) return;
  if (status < 0) {
    end(TransportEnd::WriteFailed);
    return;
  }
  if (phase_ == Phase::Flushing) {
    if (queuedBytes() == 0) startLinger();
    return;
  }
  checkDrained();
}

void Transport::connected(bool ok) {
  if (phase_ != Phase::Connecting) return;
  if (!ok) {
    end(TransportEnd::ConnectFailed);
    return;
  }
  phase_ = Phase::Open;
  sendGathered(true);  // what was written while connecting; may report a drained queue
  if (phase_ != Phase::Open) return;
  if (want_reading_) readOn();
  if (handler_) handler_->onTransportReady();
}

} // namespace tether::proxy::transport
