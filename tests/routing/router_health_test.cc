// Router and backend health: slow start admits a growing, stable subset of new keys on a ramping
// backend and never refuses a request; rebind causes come from the bindable filter; a learned
// session whose table entry is gone is a rebind (table_evicted), a new header session is not.

#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <set>
#include <string>

#include "routing/router.h"
#include "routing/strategy_factory.h"

namespace tether::routing {
namespace {

class HeaderRequest : public RequestView {
public:
  HeaderRequest(std::string name, std::string value) : name_(std::move(name)), value_(std::move(value)) {}
  std::string_view method() const override { return "GET"; }
  std::string_view target() const override { return "/"; }
  std::optional<std::string_view> headerAt(std::string_view name, size_t index) const override {
    if (index == 0 && name.size() == name_.size() &&
        std::equal(name.begin(), name.end(), name_.begin(),
                   [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
      return std::string_view(value_);
    }
    return std::nullopt;
  }
  std::string_view peerAddress() const override { return "127.0.0.1"; }

private:
  std::string name_;
  std::string value_;
};

class Ramp : public SlowStart {
public:
  std::map<BackendId, double> shares;
  double share(BackendId id, int64_t) const override {
    auto it = shares.find(id);
    return it == shares.end() ? 1.0 : it->second;
  }
};

class Unusable : public BackendFilter {
public:
  Unusable(std::set<BackendId> ids, RebindCause cause) : ids_(std::move(ids)), cause_(cause) {}
  bool usable(BackendId id) const override { return ids_.count(id) == 0; }
  RebindCause unbindableCause(BackendId) const override { return cause_; }

private:
  std::set<BackendId> ids_;
  RebindCause cause_;
};

Router makeRouter(RouterOptions options, double balance = 0) {
  BackendList list;
  for (int i = 0; i < 4; ++i) list.push_back({"app" + std::to_string(i), "127.0.0.1", uint16_t(9000 + i), 1});
  StrategyOptions so;
  so.kind = StrategyKind::Ring;
  auto s = makeStrategy(so, list);
  REQUIRE(s);
  options.balance_factor = balance;
  return Router(std::move(list), std::move(s), std::move(options));
}

RouterOptions headerKeyed() {
  RouterOptions o;
  o.keys = KeyPolicy({KeySource{KeySource::Kind::Header, "X-Session", {}}}, 0);
  return o;
}

} // namespace

TEST_CASE("slow start admits a share of new keys that only grows", "[routing][health]") {
  // Given backend 0 ramping, expect none of its keys placed on it at share 0, about a quarter at
  // 0.25, every key admitted at 0.25 still admitted at 0.5, and all at share 1.
  for (double balance : {0.0, 1.25}) {
    const Router router = makeRouter(headerKeyed(), balance);
    const AllUsable all;
    Ramp ramp;
    RouteContext ctx;
    ctx.usable = &all;
    ctx.ramp = &ramp;
    std::vector<uint64_t> keys_of_0;
    for (int i = 0; keys_of_0.size() < 4000; ++i) {
      const uint64_t h = router.options().keys->hashValue("k" + std::to_string(i));
      if (router.place(h, RouteContext{&all, nullptr, nullptr, nullptr, 0, 0, 0}).backend == 0) {
        keys_of_0.push_back(h);
      }
    }
    auto admittedAt = [&](double share) {
      ramp.shares[0] = share;
      std::set<uint64_t> on0;
      for (uint64_t h : keys_of_0) {
        if (router.place(h, ctx).backend == 0) on0.insert(h);
      }
      return on0;
    };
    CHECK(admittedAt(0.0).empty());
    const auto quarter = admittedAt(0.25);
    CHECK(quarter.size() > 800);
    CHECK(quarter.size() < 1200);
    const auto half = admittedAt(0.5);
    CHECK(half.size() > 1800);
    CHECK(half.size() < 2200);
    for (uint64_t h : quarter) CHECK(half.count(h) == 1);
    CHECK(admittedAt(1.0).size() == keys_of_0.size());
  }
}

TEST_CASE("slow start never refuses a request another backend cannot take", "[routing][health]") {
  // Given every usable backend ramping at share 0, expect a placement anyway.
  const Router router = makeRouter(headerKeyed());
  const AllUsable all;
  Ramp ramp;
  for (BackendId id = 0; id < 4; ++id) ramp.shares[id] = 0.0;
  RouteContext ctx;
  ctx.usable = &all;
  ctx.ramp = &ramp;
  for (int i = 0; i < 100; ++i) CHECK(router.place(uint64_t(i) * 7919, ctx).found());
}

TEST_CASE("rebind causes come from the filter that refused the binding", "[routing][health]") {
  // Given a session bound in the table to a backend the bindable filter refuses for cause C,
  // expect a re-placement with rebind == C, for every cause a health filter reports.
  RouterOptions o = headerKeyed();
  o.stick_table = true;
  const Router router = makeRouter(o);
  RoutingState store(1024, 0);
  const AllUsable all;
  RouteContext ctx;
  ctx.usable = &all;
  ctx.state = &store;
  const HeaderRequest req("X-Session", "user-1");
  const auto first = router.route(req, ctx);
  REQUIRE(first.decision.found());
  CHECK(first.rebind == RebindCause::None);
  for (auto cause : {RebindCause::BackendDown, RebindCause::Maintenance, RebindCause::DrainMigrate}) {
    store.table().bind(*first.key, router.stableId(first.decision.backend), 0);
    const Unusable refuse({first.decision.backend}, cause);
    RouteContext c = ctx;
    c.usable = &refuse;
    c.bindable = &refuse;
    const auto r = router.route(req, c);
    CHECK(r.decision.found());
    CHECK(r.decision.backend != first.decision.backend);
    CHECK(r.rebind == cause);
    CHECK(rebindCauseName(cause) != "unknown");
  }
}

TEST_CASE("an application session cookie without its table entry is a table_evicted rebind",
          "[routing][health]") {
  // Given learn_cookie SID (key source 0) and a stick table, expect SID=x with no entry to count as
  // table_evicted, and a header-keyed new session (not the learn source) to count as nothing.
  RouterOptions o;
  o.keys = KeyPolicy({KeySource{KeySource::Kind::Cookie, "SID", {}},
                      KeySource{KeySource::Kind::Header, "X-Session", {}}},
                     0);
  o.stick_table = true;
  o.learn_source = 0;
  const Router router = makeRouter(o);
  RoutingState store(1024, 0);
  const AllUsable all;
  RouteContext ctx;
  ctx.usable = &all;
  ctx.state = &store;
  const auto evicted = router.route(HeaderRequest("Cookie", "SID=gone"), ctx);
  CHECK(evicted.decision.found());
  CHECK(evicted.rebind == RebindCause::TableEvicted);
  const auto fresh = router.route(HeaderRequest("X-Session", "new"), ctx);
  CHECK(fresh.rebind == RebindCause::None);
  CHECK(rebindCauseName(RebindCause::TableEvicted) == "table_evicted");
}

} // namespace tether::routing

namespace tether::routing {

TEST_CASE("a draining backend gets no new session through a stale affinity cookie",
          "[routing][health]") {
  // Given learn_cookie SID and an affinity cookie naming draining backend D, expect a request with
  // SID (a live application session) to stay on D, and one without SID (the user logged out and
  // logs in again) to be placed on a ready backend, not counted as a rebind.
  RouterOptions o;
  o.keys = KeyPolicy({KeySource{KeySource::Kind::Cookie, "SID", {}}}, 0);
  o.stick_table = true;
  o.learn_source = 0;
  AffinityCookieOptions co;
  co.secrets = {"router-health-test-secret-0123456789"};
  o.cookie = std::make_shared<const AffinityCookie>(co);
  const Router router = makeRouter(o);
  RoutingState store(1024, 0);
  const BackendId d = 2;
  class Draining : public BackendFilter {
  public:
    explicit Draining(BackendId id) : id_(id) {}
    bool usable(BackendId id) const override { return id != id_; }

  private:
    BackendId id_;
  } ready_only(d);
  const AllUsable bindable;
  RouteContext ctx;
  ctx.usable = &ready_only;
  ctx.bindable = &bindable;
  ctx.state = &store;
  ctx.now_unix_s = 1700000000;
  const std::string cookie = "tether_affinity=" + o.cookie->issue(router.backends()[d].key, ctx.now_unix_s);

  const auto live = router.route(HeaderRequest("Cookie", cookie + "; SID=s1"), ctx);
  CHECK(live.decision.backend == d);
  CHECK(live.decision.reason == RouteDecision::Reason::BoundCookie);

  const auto relogin = router.route(HeaderRequest("Cookie", cookie), ctx);
  CHECK(relogin.decision.found());
  CHECK(relogin.decision.backend != d);
  CHECK(relogin.rebind == RebindCause::None);
  CHECK_FALSE(relogin.cookie.empty());  // the browser is re-pinned to where it was placed

  // Without learn_cookie the affinity cookie is the only record of the session: it is honoured.
  o.learn_source.reset();
  const Router plain = makeRouter(o);
  CHECK(plain.route(HeaderRequest("Cookie", cookie), ctx).decision.backend == d);
}

} // namespace tether::routing

namespace tether::routing {

TEST_CASE("a keyless login under learn_cookie records no session of its own", "[routing][health]") {
  // Given learn_cookie SID and a stick table, expect a request without SID to be placed but leave
  // the table empty (the app's cookie, learned from the response, becomes the session), while a
  // setup without learn_cookie records the keyless session under a random id.
  RouterOptions o;
  o.keys = KeyPolicy({KeySource{KeySource::Kind::Cookie, "SID", {}}}, 0);
  o.stick_table = true;
  o.learn_source = 0;
  const Router learning = makeRouter(o);
  o.learn_source.reset();
  const Router plain = makeRouter(o);
  const AllUsable all;
  for (const Router* r : {&learning, &plain}) {
    RoutingState store(1024, 0);
    RouteContext ctx;
    ctx.usable = &all;
    ctx.state = &store;
    ctx.random = 12345;
    CHECK(r->route(HeaderRequest("Cookie", "other=1"), ctx).decision.found());
    CHECK(store.table().size() == (r == &learning ? 0u : 1u));
  }
}

} // namespace tether::routing
