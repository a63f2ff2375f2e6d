#pragma once
// WriteBatch: defers socket writes to the end of the loop iteration.
//
// One epoll_wait usually reports several ready sockets: requests from many clients, responses
// from many backends. Writing each one the moment it is ready wakes the peer for every message;
// gathering them and writing after all ready events were handled (Envoy activates a write event
// and HAProxy flushes from its mux tasklets for the same reason) hands each peer its messages in
// a burst, so a backend or client woken by the first finds the next ones already queued. On a
// loaded host that means fewer sleeps and wake-ups per request on both sides.
//
// A member (a Transport, for its writeDeferred() bytes) calls enqueue() when it has bytes to send;
// the batch calls its flushBatched() once, from a check handle (after the poll phase). enqueue() outside the poll
// phase (a timer callback) also starts an idle handle, which makes the next poll return at once,
// so deferred bytes never wait for unrelated I/O. Members must cancel() before they are freed.
//
// Loop thread only. Owns a uv_check_t and a uv_idle_t, both unreferenced (they never keep the
// loop alive); close() closes them, and the owner must keep the object alive until the loop has
// run their close callbacks (an IoLoop's owner runs its loop to completion before destroying it).

#include <uv.h>

namespace tether::proxy::transport {

class WriteBatch {
public:
  class Member {
  public:
    // Write everything gathered since enqueue(). May close the member or enqueue others.
    virtual void flushBatched() = 0;
    // Waiting in a batch for flushBatched().
    bool batchQueued() const { return queued_; }

  protected:
    Member() = default;
    ~Member() = default;
    Member(const Member&) = delete;
    Member& operator=(const Member&) = delete;

  private:
    friend class WriteBatch;
    Member* prev_ = nullptr;
    Member* next_ = nullptr;
    bool queued_ = false;
  };

  explicit WriteBatch(uv_loop_t* loop);
  WriteBatch(const WriteBatch&) = delete;
  WriteBatch& operator=(const WriteBatch&) = delete;

  // Idempotent while queued.
  void enqueue(Member& m);
  // Removes `m` if queued (it flushed by itself, or it is closing).
  void cancel(Member& m);
  // Flushes every queued member now, including ones enqueued while flushing.
  void flush();
  void close();

  bool empty() const { return head_ == nullptr; }

private:
  static void onCheck(uv_check_t* h);
  static void onIdle(uv_idle_t* h);

  uv_check_t check_;
  uv_idle_t idle_;
  Member* head_ = nullptr;
  Member* tail_ = nullptr;
  bool idle_active_ = false;
  bool closed_ = false;
};

} // namespace tether::proxy::transport
