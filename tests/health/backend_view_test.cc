#include <catch2/catch.hpp>

#include "health/backend_view.h"
#include "routing/round_robin.h"
#include "health/backend_record.h"

using namespace tether;

namespace {
struct NoKey : routing::RequestView {
  std::string_view method() const override { return "GET"; }
  std::string_view target() const override { return "/"; }
  std::optional<std::string_view> headerAt(std::string_view, size_t) const override {
    return std::nullopt;
  }
  std::string_view peerAddress() const override { return "127.0.0.1"; }
};
} // namespace

TEST_CASE("BackendView: backends start ready and only ready backends are usable", "[health]") {
  // Given three backends, expect all ready; each non-ready state makes one unusable.
  health::BackendView states(3);
  for (routing::BackendId id = 0; id < 3; ++id) REQUIRE(states.usable(id));
  states.set(0, health::BackendState::Down);
  states.set(1, health::BackendState::Draining);
  states.set(2, health::BackendState::Maintenance);
  for (routing::BackendId id = 0; id < 3; ++id) CHECK_FALSE(states.usable(id));
  // Bound sessions may stay on a draining backend, never on a down one or one in maintenance.
  CHECK_FALSE(states.bindable().usable(0));
  CHECK(states.bindable().usable(1));
  CHECK_FALSE(states.bindable().usable(2));
  CHECK(health::stateName(states.get(0)) == "down");
  CHECK(health::stateName(states.get(1)) == "draining");
  CHECK(health::stateName(states.get(2)) == "maintenance");
  CHECK_FALSE(states.usable(7));  // out of range is never usable
}

TEST_CASE("router skips a backend marked down without any rebuild", "[health][routing]") {
  // Given round robin over a, b, c with b down, expect only a and c (b's turns go to its
  // successor, as in HAProxy's roundrobin).
  routing::BackendList backends = {{"a", "127.0.0.1", 1, 1}, {"b", "127.0.0.1", 2, 1},
                                   {"c", "127.0.0.1", 3, 1}};
  auto rr = std::make_shared<routing::RoundRobin>(backends);
  routing::Router router(backends, rr);
  health::BackendView states(3);
  states.set(1, health::BackendState::Down);
  NoKey req;
  int seen[3] = {0, 0, 0};
  for (int i = 0; i < 30; ++i) {
    auto d = router.route(req, states);
    REQUIRE(d.found());
    ++seen[d.backend];
  }
  CHECK(seen[1] == 0);
  CHECK(seen[0] == 10);
  CHECK(seen[2] == 20);
  states.set(0, health::BackendState::Down);
  states.set(2, health::BackendState::Down);
  CHECK_FALSE(router.route(req, states).found());
}

// ---- BackendRecord: how admin state, probes, ejection and drain combine ----------------------

namespace {
config::Config configWith(config::DrainConfig::Policy policy, config::Duration slow_start) {
  config::Config c;
  c.drain.policy = policy;
  c.health.slow_start = slow_start;
  return c;
}
health::BackendRecordSharedPtr record(config::AdminState admin = config::AdminState::Ready) {
  return std::make_shared<health::BackendRecord>("a", 2, admin, 1000, 1'000'000, false);
}
} // namespace

TEST_CASE("maintenance beats health, health beats drain", "[health]") {
  // Given one backend, expect the effective state to follow: maintenance > down > draining >
  // ready, and each entry into a state to be counted once.
  auto rt = record();
  CHECK(rt->state() == health::BackendState::Ready);
  rt->setAdmin(config::AdminState::Drain, 2000, 2);
  CHECK(rt->state() == health::BackendState::Draining);
  rt->setActive(false, "status 503", 2100, 3);
  CHECK(rt->state() == health::BackendState::Down);  // bound sessions cannot stay on a dead one
  rt->setAdmin(config::AdminState::Maintenance, 2200, 4);
  CHECK(rt->state() == health::BackendState::Maintenance);
  rt->setAdmin(config::AdminState::Ready, 2300, 5);
  CHECK(rt->state() == health::BackendState::Down);
  rt->setActive(true, "ok", 2400, 6);
  CHECK(rt->state() == health::BackendState::Ready);
  const auto d = rt->describe();
  CHECK(d.transitions[static_cast<int>(health::BackendState::Draining)] == 1);
  CHECK(d.transitions[static_cast<int>(health::BackendState::Down)] == 2);
  CHECK(d.transitions[static_cast<int>(health::BackendState::Maintenance)] == 1);
  CHECK(d.transitions[static_cast<int>(health::BackendState::Ready)] == 1);
  CHECK(d.last_change_unix_ms == 6);
  CHECK_FALSE(rt->setAdmin(config::AdminState::Ready, 2500, 7));  // no change, reported as such
}

TEST_CASE("a backend back from an outage starts slow; one leaving drain does not", "[health]") {
  // Given slow_start 1s, expect the share to ramp 0 -> 1 after down -> ready, and to stay 1
  // after draining -> ready.
  auto rt = record();
  health::BackendView states({rt}, configWith(config::DrainConfig::Policy::Keep, config::Duration(1000)));
  CHECK(states.share(0, 5000) == 1.0);
  rt->setActive(false, "refused", 5000, 1);
  rt->setActive(true, "ok", 6000, 2);
  CHECK(states.share(0, 6000) == 0.0);
  CHECK(states.share(0, 6250) == Approx(0.25));
  CHECK(states.share(0, 6750) == Approx(0.75));
  CHECK(states.share(0, 7000) == 1.0);
  rt->setAdmin(config::AdminState::Drain, 8000, 3);
  rt->setAdmin(config::AdminState::Ready, 8100, 4);
  CHECK(states.share(0, 8100) == 1.0);
  // Without slow_start configured, a fresh recovery takes its full share at once.
  health::BackendView off({rt}, configWith(config::DrainConfig::Policy::Keep, config::Duration(0)));
  rt->setAdmin(config::AdminState::Maintenance, 9000, 5);
  rt->setAdmin(config::AdminState::Ready, 9001, 6);
  CHECK(off.share(0, 9001) == 1.0);
  CHECK(states.share(0, 9001) == 0.0);
}

TEST_CASE("passive ejection: threshold, expiry on tick, doubling while failures continue", "[health]") {
  // Given consecutive_failures 3, eject_for 100ms, max 350ms, expect ejection at the 3rd
  // failure, readmission by tick() after 100ms, then 200ms, then the 350ms cap; a success after
  // an ejection ends the streak (back to 100ms).
  auto rt = record();
  config::PassiveHealthConfig p;
  p.enabled = true;
  p.consecutive_failures = 3;
  p.eject_for = config::Duration(100);
  p.max_eject_for = config::Duration(350);
  const config::DrainConfig drain;
  int64_t now = 10'000;
  auto ejectAndMeasure = [&]() -> int64_t {
    for (int i = 0; i < 3; ++i) rt->passiveFailure(p, now, now);
    REQUIRE(rt->state() == health::BackendState::Down);
    const int64_t start = now;
    while (rt->state() != health::BackendState::Ready) {
      now += 10;
      rt->tick(drain, 0, now, now);
      REQUIRE(now - start < 1000);
    }
    return now - start;
  };
  rt->passiveFailure(p, now, now);
  rt->passiveFailure(p, now, now);
  rt->passiveSuccess();  // a success in between resets the run
  rt->passiveFailure(p, now, now);
  rt->passiveFailure(p, now, now);
  CHECK(rt->state() == health::BackendState::Ready);
  rt->passiveSuccess();
  CHECK(ejectAndMeasure() == 100);
  CHECK(ejectAndMeasure() == 200);
  CHECK(ejectAndMeasure() == 350);
  CHECK(ejectAndMeasure() == 350);
  CHECK(rt->describe().ejections == 4);
  rt->passiveSuccess();
  CHECK(rt->describe().ejections == 0);
  CHECK(ejectAndMeasure() == 100);
  // Switched off: failures count for nothing.
  p.enabled = false;
  for (int i = 0; i < 10; ++i) rt->passiveFailure(p, now, now);
  CHECK(rt->state() == health::BackendState::Ready);
}

TEST_CASE("drain: bound sessions stay until policy or deadline says otherwise", "[health]") {
  // Given a draining backend, expect it bindable under policy keep until drain.timeout passes,
  // never under migrate, and "empty since" stamped once no session is bound and nothing is in
  // flight.
  auto rt = record(config::AdminState::Drain);
  health::BackendView keep({rt}, configWith(config::DrainConfig::Policy::Keep, config::Duration(0)));
  health::BackendView migrate({rt}, configWith(config::DrainConfig::Policy::Migrate, config::Duration(0)));
  CHECK_FALSE(keep.usable(0));
  CHECK(keep.bindable().usable(0));
  CHECK_FALSE(migrate.bindable().usable(0));
  CHECK(migrate.bindable().unbindableCause(0) == routing::RebindCause::DrainMigrate);

  config::DrainConfig drain;
  drain.timeout = config::Duration(500);
  rt->traffic(1).in_flight = 1;
  rt->tick(drain, 4, 1200, 50);
  CHECK(rt->describe().drain_empty_since_unix_ms == 0);
  rt->tick(drain, 0, 1300, 60);  // no session bound, one request still running
  CHECK(rt->describe().drain_empty_since_unix_ms == 0);
  rt->traffic(1).in_flight = 0;
  rt->tick(drain, 0, 1400, 70);
  CHECK(rt->describe().drain_empty_since_unix_ms == 70);
  rt->tick(drain, 0, 1450, 80);
  CHECK(rt->describe().drain_empty_since_unix_ms == 70);  // stamped once
  CHECK(keep.bindable().usable(0));
  rt->tick(drain, 0, 1000 + 500, 90);  // drain began at 1000 (construction)
  CHECK(rt->drainExpired());
  CHECK_FALSE(keep.bindable().usable(0));
  CHECK(keep.bindable().unbindableCause(0) == routing::RebindCause::DrainMigrate);
  // Undrain clears the drain record; a new drain starts a new deadline.
  rt->setAdmin(config::AdminState::Ready, 2000, 100);
  CHECK_FALSE(rt->drainExpired());
  CHECK(rt->describe().drain_since_unix_ms == 0);
  rt->setAdmin(config::AdminState::Drain, 3000, 110);
  CHECK(rt->describe().drain_since_unix_ms == 110);
  CHECK(keep.bindable().usable(0));
}

TEST_CASE("unbindable causes name why a bound session moves", "[health]") {
  // Given down and maintenance backends, expect the rebind causes backend_down and maintenance.
  health::BackendView states(2);
  states.set(0, health::BackendState::Down);
  states.set(1, health::BackendState::Maintenance);
  CHECK(states.bindable().unbindableCause(0) == routing::RebindCause::BackendDown);
  CHECK(states.bindable().unbindableCause(1) == routing::RebindCause::Maintenance);
  states.set(0, health::BackendState::Ready);
  CHECK(states.bindable().usable(0));
}

TEST_CASE("traffic shards sum across workers", "[health]") {
  // Given two workers counting requests and errors, expect totals to be their sums.
  auto rt = record();
  rt->traffic(0).requests[2][3] += 5;
  rt->traffic(1).requests[2][3] += 2;
  rt->traffic(1).requests[5][0] += 1;
  rt->traffic(0).errors += 1;
  rt->traffic(7).errors += 1;  // out of range goes to shard 0, never out of bounds
  const auto t = rt->totals();
  CHECK(t.requests[2][3] == 7);
  CHECK(t.allRequests() == 8);
  CHECK(t.errors == 2);
}
