#include "proxy/transport/timed_connection.h"

namespace tether::proxy::transport {

TimedConnection::TimedConnection(uv_loop_t* loop, Transport* transport) : transport_(transport) {
  uv_timer_init(loop, &timer_);
  timer_.data = this;
  if (transport_) transport_->setHandler(this);
}

void TimedConnection::setTransport(Transport* transport) {
  transport_ = transport;
  if (transport_) transport_->setHandler(this);
}

void TimedConnection::startTimer(uint64_t ms) { uv_timer_start(&timer_, onTimer, ms, 0); }

void TimedConnection::onTimer(uv_timer_t* t) { static_cast<TimedConnection*>(t->data)->onTimeout(); }

void TimedConnection::closeHandles() {
  if (closing_) return;
  closing_ = true;
  uv_timer_stop(&timer_);
  pending_closes_ = transport_ ? 2 : 1;
  if (transport_) transport_->close();
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), onTimerClosed);
}

void TimedConnection::onTransportClosed() {
  transport_ = nullptr;
  if (!closing_) {
    close();  // the transport ended by itself: the connection follows (only the timer is left)
    return;
  }
  handleClosed();
}

void TimedConnection::onTimerClosed(uv_handle_t* h) {
  static_cast<TimedConnection*>(h->data)->handleClosed();
}

void TimedConnection::handleClosed() {
  if (--pending_closes_ > 0) return;
  onFreed();
  delete this;
}

} // namespace tether::proxy::transport
