#include "proxy/transport/write_batch.h"

namespace tether::proxy::transport {

WriteBatch::WriteBatch(uv_loop_t* loop) {
  uv_check_init(loop, &check_);
  uv_idle_init(loop, &idle_);
  check_.data = this;
  idle_.data = this;
  uv_check_start(&check_, onCheck);
  // Neither keeps the loop alive: bytes queued on a connection mean that connection's handles
  // are alive anyway.
  uv_unref(reinterpret_cast<uv_handle_t*>(&check_));
  uv_unref(reinterpret_cast<uv_handle_t*>(&idle_));
}

void WriteBatch::enqueue(Member& m) {
  if (m.queued_ || closed_) return;
  m.queued_ = true;
  m.prev_ = tail_;
  m.next_ = nullptr;
  if (tail_) {
    tail_->next_ = &m;
  } else {
    head_ = &m;
  }
  tail_ = &m;
  if (!idle_active_) {
    // An active idle handle makes the coming poll non-blocking; during the poll phase it is
    // harmless (the check that follows flushes and stops it).
    uv_idle_start(&idle_, onIdle);
    idle_active_ = true;
  }
}

void WriteBatch::cancel(Member& m) {
  if (!m.queued_) return;
  if (m.prev_) {
    m.prev_->next_ = m.next_;
  } else {
    head_ = m.next_;
  }
  if (m.next_) {
    m.next_->prev_ = m.prev_;
  } else {
    tail_ = m.prev_;
  }
  m.prev_ = m.next_ = nullptr;
  m.queued_ = false;
}

void WriteBatch::flush() {
  // Pop one at a time: a flush may close or enqueue other members.
  while (Member* m = head_) {
    cancel(*m);
    m->flushBatched();
  }
  if (idle_active_) {
    uv_idle_stop(&idle_);
    idle_active_ = false;
  }
}

void WriteBatch::close() {
  if (closed_) return;
  flush();
  closed_ = true;
  uv_close(reinterpret_cast<uv_handle_t*>(&check_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&idle_), nullptr);
}

void WriteBatch::onCheck(uv_check_t* h) { static_cast<WriteBatch*>(h->data)->flush(); }

// Runs only when the check did not get there first (enqueued outside the poll phase): flushes now.
void WriteBatch::onIdle(uv_idle_t* h) { static_cast<WriteBatch*>(h->data)->flush(); }

} // namespace tether::proxy::transport
