// WriteBatch: writes gathered during one loop iteration go out once, after the poll phase; a
// member queued from a timer does not wait for unrelated I/O; the batch never keeps a loop alive.

#include <catch2/catch.hpp>

#include <uv.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "proxy/transport/write_batch.h"

namespace tether::proxy::transport {
namespace {

// Records each flush into a shared log.
class Recorder : public WriteBatch::Member {
public:
  Recorder(std::string name, std::vector<std::string>& log) : name_(std::move(name)), log_(log) {}
  void flushBatched() override {
    log_.push_back(name_);
    if (on_flush) on_flush();
  }
  std::function<void()> on_flush;

private:
  std::string name_;
  std::vector<std::string>& log_;
};

// A loop with a WriteBatch, closed and checked for leaks at scope exit.
struct Loop {
  uv_loop_t loop;
  std::optional<WriteBatch> batch;
  Loop() {
    uv_loop_init(&loop);
    batch.emplace(&loop);
  }
  ~Loop() {
    batch->close();
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(uv_loop_close(&loop) == 0);
  }
};

} // namespace

TEST_CASE("WriteBatch flushes a member once per iteration, after the callbacks that queued it") {
  Loop l;
  std::vector<std::string> log;
  Recorder a("a", log), b("b", log);
  uv_timer_t timer;
  uv_timer_init(&l.loop, &timer);
  struct Ctx {
    WriteBatch* batch;
    Recorder* a;
    Recorder* b;
    std::vector<std::string>* log;
  } ctx{&*l.batch, &a, &b, &log};
  timer.data = &ctx;
  uv_timer_start(&timer, [](uv_timer_t* t) {
    auto* c = static_cast<Ctx*>(t->data);
    c->batch->enqueue(*c->a);
    c->batch->enqueue(*c->b);
    c->batch->enqueue(*c->a);  // already queued: still one flush
    c->log->push_back("callback done");
  }, 1, 0);
  uv_run(&l.loop, UV_RUN_DEFAULT);
  CHECK(log == std::vector<std::string>{"callback done", "a", "b"});
  CHECK(l.batch->empty());
  uv_close(reinterpret_cast<uv_handle_t*>(&timer), nullptr);
}

TEST_CASE("WriteBatch: a member queued from a timer is flushed before the loop waits again") {
  Loop l;
  std::vector<std::string> log;
  Recorder a("a", log);
  // A second timer far in the future keeps the loop alive: the poll would block until it fires
  // unless the batch makes it return at once.
  uv_timer_t now, later;
  uv_timer_init(&l.loop, &now);
  uv_timer_init(&l.loop, &later);
  struct Ctx {
    WriteBatch* batch;
    Recorder* a;
    uint64_t queued_at = 0;
  } ctx{&*l.batch, &a};
  now.data = &ctx;
  uint64_t flushed_at = 0;
  a.on_flush = [&] {
    flushed_at = uv_now(&l.loop);
    uv_timer_stop(&later);  // done: let the loop end
  };
  uv_timer_start(&now, [](uv_timer_t* t) {
    auto* c = static_cast<Ctx*>(t->data);
    c->queued_at = uv_now(t->loop);
    c->batch->enqueue(*c->a);
  }, 1, 0);
  uv_timer_start(&later, [](uv_timer_t*) {}, 5000, 0);
  const uint64_t start = uv_now(&l.loop);
  uv_run(&l.loop, UV_RUN_DEFAULT);
  REQUIRE(log == std::vector<std::string>{"a"});
  CHECK(flushed_at - ctx.queued_at < 1000);
  CHECK(uv_now(&l.loop) - start < 1000);
  uv_close(reinterpret_cast<uv_handle_t*>(&now), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&later), nullptr);
}

TEST_CASE("WriteBatch: cancel, members queued while flushing, and no hold on the loop") {
  Loop l;
  std::vector<std::string> log;
  Recorder a("a", log), b("b", log), c("c", log);

  // A cancelled member is not flushed; cancelling an unqueued one is a no-op.
  l.batch->enqueue(a);
  l.batch->enqueue(b);
  l.batch->cancel(a);
  l.batch->cancel(c);
  // A member queued by another's flush goes out in the same flush.
  b.on_flush = [&] { l.batch->enqueue(c); };
  l.batch->flush();
  CHECK(log == std::vector<std::string>{"b", "c"});
  CHECK(l.batch->empty());

  // Nothing else on the loop: the batch's own handles must not keep uv_run going.
  log.clear();
  b.on_flush = nullptr;
  l.batch->enqueue(b);
  l.batch->flush();
  CHECK(uv_run(&l.loop, UV_RUN_DEFAULT) == 0);
  CHECK(log == std::vector<std::string>{"b"});
}

TEST_CASE("WriteBatch::close flushes what is left, then ignores new members") {
  std::vector<std::string> log;
  Recorder a("a", log), b("b", log);
  uv_loop_t loop;
  uv_loop_init(&loop);
  {
    WriteBatch batch(&loop);
    batch.enqueue(a);
    batch.close();
    batch.enqueue(b);
    CHECK(batch.empty());
    uv_run(&loop, UV_RUN_DEFAULT);  // runs the close callbacks while `batch` is alive
  }
  CHECK(log == std::vector<std::string>{"a"});
  CHECK(uv_loop_close(&loop) == 0);
}

} // namespace tether::proxy::transport
