// Router placement with bounded loads (Mirrokni, Thorup, Zadimoghaddam, arXiv 1608.01350): every
// sticky strategy, fed through Router::route() with a RoutingState, keeps each backend's session
// count within ceil(c * total / n) after every placement; placement is deterministic per key; the
// reasons say whether the cap moved a session; and a bound session never moves for load.

#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "routing/router.h"
#include "routing/strategy_factory.h"
#include "tests/routing/strategy_test_util.h"

namespace tether::routing {
namespace {

using Reason = RouteDecision::Reason;

constexpr double kBalance = 1.25;
constexpr size_t kTableSize = 1 << 20;  // far above every test's session count: no eviction
constexpr uint32_t kBackends = 5;

// A GET carrying only `X-Session: <session>` (no session when empty).
class HeaderRequest : public RequestView {
public:
  explicit HeaderRequest(std::string session) : session_(std::move(session)) {}
  std::string_view method() const override { return "GET"; }
  std::string_view target() const override { return "/"; }
  std::optional<std::string_view> headerAt(std::string_view name, size_t index) const override {
    if (session_.empty() || index != 0) return std::nullopt;
    if (name.size() != 9) return std::nullopt;
    for (size_t i = 0; i < name.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(name[i])) != "x-session"[i]) return std::nullopt;
    }
    return std::string_view(session_);
  }
  std::string_view peerAddress() const override { return "127.0.0.1"; }

private:
  std::string session_;
};

class SetFilter : public BackendFilter {
public:
  explicit SetFilter(std::set<BackendId> unusable) : unusable_(std::move(unusable)) {}
  bool usable(BackendId id) const override { return unusable_.count(id) == 0; }

private:
  std::set<BackendId> unusable_;
};

BackendList backends(uint32_t n) {
  BackendList list;
  for (uint32_t i = 0; i < n; ++i) {
    list.push_back({"app" + std::to_string(i + 1), "127.0.0.1", static_cast<uint16_t>(9001 + i), 1});
  }
  return list;
}

RouterOptions boundedOptions(double balance_factor = kBalance) {
  RouterOptions o;
  o.keys = KeyPolicy({KeySource{KeySource::Kind::Header, "X-Session", {}}}, 0);
  o.balance_factor = balance_factor;
  o.stick_table = true;
  return o;
}

Router makeRouter(const std::string& strategy, RouterOptions options = boundedOptions(),
                  uint32_t n = kBackends, uint32_t ring_points = 160) {
  BackendList list = backends(n);
  StrategyOptions so;
  so.kind = testing::strategyKind(strategy);
  so.ring_points_per_weight = ring_points;
  // A small prime keeps the maglev build cheap under ASan; the cap does not depend on it.
  so.maglev_table_size = 251;
  auto s = makeStrategy(so, list);
  REQUIRE(s);
  return Router(std::move(list), std::move(s), std::move(options));
}

int64_t capFor(double c, int64_t total, uint32_t n) {
  return static_cast<int64_t>(std::ceil(c * static_cast<double>(total) / n));
}

RouteContext contextFor(RoutingState& store, const BackendFilter& usable) {
  RouteContext ctx;
  ctx.usable = &usable;
  ctx.state = &store;
  ctx.now_ms = 1000;
  ctx.now_unix_s = 1700000000;
  return ctx;
}

int64_t boundTo(const Router& router, RoutingState& store, BackendId id) {
  return store.table().boundTo(router.stableId(id));
}

TEST_CASE("router bounded loads: no backend ever exceeds ceil(c * total / n)", "[routing]") {
  // Given each sticky strategy over five equal backends with c = 1.25 and a stick table, when
  // 10,000 new sessions are placed one by one, expect after EVERY placement each backend's bound
  // count within ceil(1.25 * placed / 5), each session placed (never bound) and bound in the
  // table, and the reason placed_primary exactly when the key's first candidate took it.
  const std::string name = GENERATE(values<std::string>({"ring", "maglev", "rendezvous", "jump",
                                                         "multiprobe"}));
  INFO("strategy " << name);
  const Router router = makeRouter(name);
  RoutingState store(kTableSize, 0);
  const AllUsable all;
  const RouteContext ctx = contextFor(store, all);
  std::vector<int64_t> load(kBackends, 0);
  int64_t worst_excess = INT64_MIN;  // max over steps of (load - cap); must stay <= 0
  size_t spills = 0;
  for (int64_t placed = 1; placed <= 10000; ++placed) {
    const HeaderRequest request("session-" + std::to_string(placed));
    const RouteResult r = router.route(request, ctx);
    REQUIRE(r.decision.found());
    REQUIRE(r.key);
    BackendId first[1];
    REQUIRE(router.strategy().candidates(*r.key, first, 1) == 1);
    if (r.decision.reason == Reason::PlacedPrimary) {
      REQUIRE(r.decision.backend == first[0]);
    } else {
      REQUIRE(r.decision.reason == Reason::PlacedSpill);
      REQUIRE(r.decision.backend != first[0]);
      // The cap moved it: its first choice was full before this placement.
      REQUIRE(load[first[0]] + 1 > capFor(kBalance, placed, kBackends));
      ++spills;
    }
    ++load[r.decision.backend];
    const int64_t cap = capFor(kBalance, placed, kBackends);
    for (BackendId id = 0; id < kBackends; ++id) {
      const int64_t got = boundTo(router, store, id);
      if (got != load[id]) REQUIRE(got == load[id]);  // the table counts what was placed
      worst_excess = std::max(worst_excess, got - cap);
    }
    if (worst_excess > 0) {
      INFO("after " << placed << " placements");
      REQUIRE(worst_excess <= 0);
    }
  }
  CHECK(store.table().size() == 10000);
  // Every backend took sessions, and the cap did move some (early on, when ceil(1.25 * total / 5)
  // is 1 or 2, a collision on a first choice must spill), so both reasons were checked above.
  for (BackendId id = 0; id < kBackends; ++id) CHECK(load[id] > 0);
  CHECK(spills > 0);
}

TEST_CASE("router bounded loads: the same key sequence makes the same choices", "[routing]") {
  // Given two fresh routers and stores of the same strategy and c = 1.25, when both are fed the
  // same 3,000 keys in the same order, expect identical backends and reasons at every step
  // (bounded-load probing depends on the key and the loads only, never on global randomness).
  const std::string name = GENERATE(values<std::string>({"ring", "maglev", "rendezvous", "jump",
                                                         "multiprobe"}));
  INFO("strategy " << name);
  const Router r1 = makeRouter(name);
  const Router r2 = makeRouter(name);
  RoutingState s1(kTableSize, 0), s2(kTableSize, 0);
  const AllUsable all;
  const RouteContext c1 = contextFor(s1, all), c2 = contextFor(s2, all);
  for (int i = 0; i < 3000; ++i) {
    const HeaderRequest request("k" + std::to_string(i * 7919 % 3001));
    const RouteResult a = r1.route(request, c1);
    const RouteResult b = r2.route(request, c2);
    REQUIRE(a.decision.backend == b.decision.backend);
    REQUIRE(a.decision.reason == b.decision.reason);
  }
}

TEST_CASE("router bounded loads: without a balance factor a skewed key set overloads a backend",
          "[routing]") {
  // Given a tiny ring (1 point per weight) and 1,000 keys that all hash first to one backend,
  // expect with balance_factor 0 that backend to hold all 1,000 (far above ceil(1.25 * 1000 / 5)
  // = 250), and with 1.25 every backend to stay within the cap: what bounded loads buy.
  const Router probe = makeRouter("ring", boundedOptions(0), kBackends, 1);
  const KeyPolicy& keys = *probe.options().keys;
  std::vector<std::string> skewed;
  for (int i = 0; skewed.size() < 1000; ++i) {
    const std::string k = "hot-" + std::to_string(i);
    BackendId first[1];
    REQUIRE(probe.strategy().candidates(keys.hashValue(k), first, 1) == 1);
    if (first[0] == 0) skewed.push_back(k);
  }
  const AllUsable all;
  SECTION("balance_factor 0: everything lands on the first choice") {
    RoutingState store(kTableSize, 0);
    const RouteContext ctx = contextFor(store, all);
    for (const auto& k : skewed) {
      const RouteResult r = probe.route(HeaderRequest(k), ctx);
      REQUIRE(r.decision.backend == 0);
      REQUIRE(r.decision.reason == Reason::PlacedPrimary);
    }
    CHECK(boundTo(probe, store, 0) == 1000);
    CHECK(boundTo(probe, store, 0) > capFor(kBalance, 1000, kBackends));
  }
  SECTION("balance_factor 1.25: the cap holds and the excess spills") {
    const Router router = makeRouter("ring", boundedOptions(kBalance), kBackends, 1);
    RoutingState store(kTableSize, 0);
    const RouteContext ctx = contextFor(store, all);
    size_t spills = 0;
    int64_t placed = 0;
    for (const auto& k : skewed) {
      const RouteResult r = router.route(HeaderRequest(k), ctx);
      REQUIRE(r.decision.found());
      ++placed;
      spills += r.decision.reason == Reason::PlacedSpill ? 1 : 0;
      for (BackendId id = 0; id < kBackends; ++id) {
        REQUIRE(boundTo(router, store, id) <= capFor(kBalance, placed, kBackends));
      }
    }
    CHECK(boundTo(router, store, 0) == capFor(kBalance, 1000, kBackends));
    CHECK(spills == 1000 - static_cast<size_t>(boundTo(router, store, 0)));
  }
}

TEST_CASE("router bounded loads: an unusable backend is skipped without a spill reason",
          "[routing]") {
  // Given c = 1.25, empty loads and a key's first candidate marked unusable by the filter,
  // expect the session on its second candidate with reason placed_primary (health is not load),
  // both with bounded loads on and off; and with the first candidate merely full, placed_spill.
  const std::string name = GENERATE(values<std::string>({"ring", "maglev", "rendezvous", "jump",
                                                         "multiprobe"}));
  const double c = GENERATE(0.0, kBalance);
  INFO("strategy " << name << " c " << c);
  const Router router = makeRouter(name, boundedOptions(c));
  const HeaderRequest request("the-key");
  const uint64_t hash = router.options().keys->hashValue("the-key");
  BackendId order[kBackends];
  REQUIRE(router.strategy().candidates(hash, order, kBackends) == kBackends);

  RoutingState store(kTableSize, 0);
  const SetFilter down({order[0]});
  const RouteResult r = router.route(request, contextFor(store, down));
  CHECK(r.decision.backend == order[1]);
  CHECK(r.decision.reason == Reason::PlacedPrimary);
  CHECK(r.rebind == RebindCause::None);

  if (c > 0) {
    // The first candidate is usable but full: 10 sessions on it, none elsewhere (total 10, cap
    // for the 11th = ceil(1.25 * 11 / 5) = 3).
    RoutingState full(kTableSize, 0);
    for (uint64_t k = 1; k <= 10; ++k) full.table().bind(k, router.stableId(order[0]), 0);
    const AllUsable all;
    const RouteResult s = router.route(request, contextFor(full, all));
    CHECK(s.decision.backend == order[1]);
    CHECK(s.decision.reason == Reason::PlacedSpill);
    // Down first candidate and full second: a spill past the second, to the third.
    RoutingState both(kTableSize, 0);
    for (uint64_t k = 1; k <= 10; ++k) both.table().bind(k, router.stableId(order[1]), 0);
    const RouteResult t = router.route(request, contextFor(both, down));
    CHECK(t.decision.backend == order[2]);
    CHECK(t.decision.reason == Reason::PlacedSpill);
  }
}

TEST_CASE("router bounded loads: the requests metric places by in-flight counts", "[routing]") {
  // Given load_metric requests and 100 requests in flight on one backend (none elsewhere),
  // expect 200 new sessions, none of which would fit there (cap ceil(1.25 * 101 / 5) = 26 and
  // above), to avoid it entirely, while the other four share them; and the session table not
  // to count (it is the sessions metric's input only).
  const std::string name = GENERATE(values<std::string>({"ring", "maglev", "rendezvous", "jump",
                                                         "multiprobe"}));
  INFO("strategy " << name);
  RouterOptions o = boundedOptions();
  o.load_metric = LoadMetric::Requests;
  const Router router = makeRouter(name, o);
  RoutingState store(kTableSize, 0);
  const BackendId hot = 2;
  store.inflight().add(router.stableId(hot), 100);
  const AllUsable all;
  const RouteContext ctx = contextFor(store, all);
  CHECK(router.load(hot, ctx) == 100);
  std::map<BackendId, int> per;
  for (int i = 0; i < 200; ++i) {
    const RouteResult r = router.route(HeaderRequest("req-" + std::to_string(i)), ctx);
    REQUIRE(r.decision.found());
    ++per[r.decision.backend];
  }
  CHECK(per.count(hot) == 0);
  CHECK(per.size() == kBackends - 1);
  // Once the in-flight requests finish, new sessions reach it again.
  store.inflight().add(router.stableId(hot), -100);
  bool reached = false;
  for (int i = 0; i < 200 && !reached; ++i) {
    reached = router.route(HeaderRequest("later-" + std::to_string(i)), ctx).decision.backend == hot;
  }
  CHECK(reached);
}

TEST_CASE("router bounded loads: a bound session stays put however the loads change",
          "[routing]") {
  // Given c = 1.25 and a session placed (and so bound) on backend X, when 1,000 other sessions
  // are placed and 5,000 more keys are bound straight to X (far over any cap), expect 100 more
  // requests of the first session all bound_table on X, while new sessions avoid X.
  const std::string name = GENERATE(values<std::string>({"ring", "maglev", "rendezvous", "jump",
                                                         "multiprobe"}));
  INFO("strategy " << name);
  const Router router = makeRouter(name);
  RoutingState store(kTableSize, 0);
  const AllUsable all;
  RouteContext ctx = contextFor(store, all);
  const HeaderRequest mine("my-session");
  const RouteResult first = router.route(mine, ctx);
  REQUIRE(first.decision.reason == Reason::PlacedPrimary);
  const BackendId x = first.decision.backend;
  for (int i = 0; i < 1000; ++i) {
    REQUIRE(router.route(HeaderRequest("other-" + std::to_string(i)), ctx).decision.found());
  }
  for (uint64_t k = 0; k < 5000; ++k) store.table().bind(0xABCD000000000000ULL + k, router.stableId(x), ctx.now_ms);
  REQUIRE(boundTo(router, store, x) > capFor(kBalance, 6001, kBackends));
  for (int i = 0; i < 100; ++i) {
    ctx.now_ms += 10;
    const RouteResult r = router.route(mine, ctx);
    REQUIRE(r.decision.backend == x);
    REQUIRE(r.decision.reason == Reason::BoundTable);
    REQUIRE(r.rebind == RebindCause::None);
  }
  for (int i = 0; i < 50; ++i) {
    const RouteResult r = router.route(HeaderRequest("new-" + std::to_string(i)), ctx);
    REQUIRE(r.decision.found());
    CHECK(r.decision.backend != x);
  }
}

} // namespace
} // namespace tether::routing

namespace tether::routing {

TEST_CASE("bounded loads scale each backend's cap by its weight", "[routing]") {
  // Given weights 3,1,1,1 (ring, balance 1.25) and 6,000 new sessions, expect every backend within
  // ceil(1.25 * total * w / W) after each placement, and the weight-3 backend to hold about half
  // (an unweighted cap would hold it to about 1.25 / 4 = 31%).
  BackendList list = backends(4);
  list[0].weight = 3;
  StrategyOptions so;
  so.kind = StrategyKind::Ring;
  auto s = makeStrategy(so, list);
  REQUIRE(s);
  RouterOptions o;
  o.keys = KeyPolicy({KeySource{KeySource::Kind::Header, "X-Session", {}}}, 0);
  o.stick_table = true;
  o.balance_factor = kBalance;
  const Router router(list, s, o);
  RoutingState store(kTableSize, 0);
  const AllUsable all;
  RouteContext ctx;
  ctx.usable = &all;
  ctx.state = &store;
  int64_t count[4] = {0, 0, 0, 0};
  for (int i = 1; i <= 6000; ++i) {
    const auto r = router.route(HeaderRequest("w-" + std::to_string(i)), ctx);
    REQUIRE(r.decision.found());
    ++count[r.decision.backend];
    for (BackendId id = 0; id < 4; ++id) {
      const double cap = std::ceil(kBalance * i * list[id].weight / 6.0);
      REQUIRE(static_cast<double>(count[id]) <= cap);
    }
  }
  CHECK(count[0] > 2700);
  CHECK(count[0] <= 3750);
}

} // namespace tether::routing
