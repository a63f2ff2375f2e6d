#pragma once
// TimedConnection: what every connection tether owns has in common, whichever protocol it
// speaks: one Transport, one timer (which timeout it runs is the connection's business), and a
// lifetime that ends once both are closed.
//
// A connection derives from it, handles the transport's data events and onTimeout(), and puts
// its own teardown in close(), which ends by calling closeHandles(). The transport may also end
// by itself (the end of a lingering close, or an end the connection did not close on): then
// close() is called for it. Once the transport and the timer are both closed, onFreed() runs and
// the object deletes itself; nothing else frees it.
//
// Loop thread only.

#include <uv.h>

#include <cstdint>

#include "proxy/transport/transport.h"

namespace tether::proxy::transport {

class TimedConnection : public Transport::Handler {
public:
  // Tears the connection down; ends with closeHandles(). Idempotent.
  virtual void close() = 0;

protected:
  // `transport` may be null (a connect that could not start) and be given later by
  // setTransport().
  TimedConnection(uv_loop_t* loop, Transport* transport);
  virtual ~TimedConnection() = default;

  Transport* transport() const { return transport_; }
  void setTransport(Transport* transport);

  void startTimer(uint64_t ms);
  void stopTimer() { uv_timer_stop(&timer_); }
  virtual void onTimeout() = 0;

  // Closes the transport (if still open) and the timer. Idempotent.
  void closeHandles();
  bool closing() const { return closing_; }
  // Both handles are closed; `this` is deleted right after.
  virtual void onFreed() {}

  // Transport::Handler
  void onTransportClosed() final;

private:
  void handleClosed();
  static void onTimer(uv_timer_t* t);
  static void onTimerClosed(uv_handle_t* h);

  Transport* transport_;
  uv_timer_t timer_;
  int pending_closes_ = 0;
  bool closing_ = false;
};

} // namespace tether::proxy::transport
