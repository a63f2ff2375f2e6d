// Router binding: the affinity cookie and the stick table keep a session where placement put it
// (bound_cookie, bound_table, learned), a binding that cannot be honoured is re-placed with its
// cause, on_missing_key decides for keyless requests, and backend identity is the NAME, so
// routers built from differently ordered lists agree.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "routing/router.h"
#include "routing/strategy_factory.h"
#include "tests/routing/strategy_test_util.h"

namespace tether::routing {
namespace {

using Reason = RouteDecision::Reason;

constexpr int64_t kNowUnix = 1700000000;
constexpr size_t kTableSize = 1 << 16;
const char* const kSecret = "router-binding-test-secret-0123456789";

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// A GET with the given header fields (names case-insensitive, repeats allowed).
class FakeRequest : public RequestView {
public:
  FakeRequest() = default;
  FakeRequest(std::initializer_list<std::pair<std::string, std::string>> headers)
      : headers_(headers) {}
  std::string_view method() const override { return "GET"; }
  std::string_view target() const override { return "/"; }
  std::optional<std::string_view> headerAt(std::string_view name, size_t index) const override {
    for (const auto& [n, v] : headers_) {
      if (iequals(n, name) && index-- == 0) return std::string_view(v);
    }
    return std::nullopt;
  }
  std::string_view peerAddress() const override { return "127.0.0.1"; }

private:
  std::vector<std::pair<std::string, std::string>> headers_;
};

FakeRequest withCookie(const std::string& cookie) { return FakeRequest{{"Cookie", cookie}}; }
FakeRequest withAffinity(const std::string& value) {
  return withCookie("other=1; tether_affinity=" + value);
}
FakeRequest withSession(const std::string& session) { return FakeRequest{{"X-Session", session}}; }

class SetFilter : public BackendFilter {
public:
  explicit SetFilter(std::set<BackendId> unusable) : unusable_(std::move(unusable)) {}
  bool usable(BackendId id) const override { return unusable_.count(id) == 0; }

private:
  std::set<BackendId> unusable_;
};

BackendList named(const std::vector<std::string>& names) {
  BackendList list;
  for (size_t i = 0; i < names.size(); ++i) {
    list.push_back({names[i], "127.0.0.1", static_cast<uint16_t>(9001 + i), 1});
  }
  return list;
}

const std::vector<std::string> kNames = {"app1", "app2", "app3", "app4"};

Router makeRouter(RouterOptions options, const std::vector<std::string>& names = kNames,
                  const std::string& strategy = "ring", std::vector<std::string> jump_slots = {}) {
  BackendList list = named(names);
  StrategyOptions so;
  so.kind = testing::strategyKind(strategy);
  so.maglev_table_size = 251;
  so.jump_slots = std::move(jump_slots);
  auto s = makeStrategy(so, list);
  REQUIRE(s);
  return Router(std::move(list), std::move(s), std::move(options));
}

std::shared_ptr<const AffinityCookie> makeCookie() {
  AffinityCookieOptions o;
  o.ttl = std::chrono::hours(1);
  o.secrets = {kSecret};
  return std::make_shared<const AffinityCookie>(o);
}

KeyPolicy headerKeys() { return KeyPolicy({KeySource{KeySource::Kind::Header, "X-Session", {}}}, 0); }

RouteContext contextFor(RoutingState& store, const BackendFilter& usable,
                        const BackendFilter* bindable = nullptr) {
  RouteContext ctx;
  ctx.usable = &usable;
  ctx.bindable = bindable;
  ctx.state = &store;
  ctx.now_ms = 5000;
  ctx.now_unix_s = kNowUnix;
  ctx.random = 0x9E3779B97F4A7C15ULL;
  return ctx;
}

bool placed(const RouteResult& r) {
  return r.decision.reason == Reason::PlacedPrimary || r.decision.reason == Reason::PlacedSpill;
}

// The backend the affinity cookie `value` names ("" if it does not verify now).
std::string cookieBackend(const Router& router, const std::string& value, int64_t now = kNowUnix) {
  const auto v = router.options().cookie->verify(value, now);
  return v.valid() ? std::string(v.backend) : std::string();
}

// ---------------------------------------------------------------------------------------------
// Affinity cookie

struct CookieSetup {
  RouterOptions options;
  CookieSetup() {
    options.cookie = makeCookie();
    options.balance_factor = 1.25;
    options.on_missing_key = OnMissingKey::Assign;
  }
};

TEST_CASE("router binding: a new keyless session is placed and issued a cookie that binds it",
          "[routing]") {
  // Given an affinity cookie, on_missing_key assign and c = 1.25, expect the first request
  // (no cookie) placed with a non-empty cookie naming the chosen backend; then 20 requests
  // carrying it bound_cookie to that backend, with no rebind and no re-issue (no idle_ttl).
  const Router router = makeRouter(CookieSetup().options);
  RoutingState store(kTableSize, 0);
  const AllUsable all;
  const RouteContext ctx = contextFor(store, all);
  const RouteResult first = router.route(FakeRequest(), ctx);
  REQUIRE(first.decision.found());
  CHECK(placed(first));
  REQUIRE_FALSE(first.cookie.empty());
  const std::string name = router.backends()[first.decision.backend].key;
  CHECK(cookieBackend(router, first.cookie) == name);
  CHECK(router.setCookie(first.cookie, kNowUnix).rfind("tether_affinity=" + first.cookie, 0) == 0);
  for (int i = 0; i < 20; ++i) {
    const RouteResult r = router.route(withAffinity(first.cookie), ctx);
    CHECK(r.decision.backend == first.decision.backend);
    CHECK(r.decision.reason == Reason::BoundCookie);
    CHECK(r.rebind == RebindCause::None);
    CHECK(r.cookie.empty());
  }
}

TEST_CASE("router binding: a cookie-bound session stays even when bounded loads would refuse it",
          "[routing]") {
  // Given a keyed session placed with c = 1.25 and bound by its cookie to X, when 2,000 other
  // sessions are bound straight to X (placement would now refuse X for this very key), expect
  // its requests still bound_cookie to X.
  RouterOptions o = CookieSetup().options;
  o.keys = headerKeys();
  o.stick_table = true;
  const Router router = makeRouter(o);
  RoutingState store(kTableSize, 0);
  const AllUsable all;
  const RouteContext ctx = contextFor(store, all);
  const RouteResult first = router.route(withSession("user-1"), ctx);
  REQUIRE(first.decision.reason == Reason::PlacedPrimary);
  REQUIRE(first.key);
  const BackendId x = first.decision.backend;
  for (uint64_t k = 1; k <= 2000; ++k) store.table().bind(k << 20, router.stableId(x), ctx.now_ms);
  // Placement itself would now send this key elsewhere.
  CHECK(router.place(*first.key, ctx).backend != x);
  FakeRequest both{{"X-Session", "user-1"}, {"Cookie", "tether_affinity=" + first.cookie}};
  for (int i = 0; i < 20; ++i) {
    const RouteResult r = router.route(both, ctx);
    CHECK(r.decision.backend == x);
    CHECK(r.decision.reason == Reason::BoundCookie);
  }
}

TEST_CASE("router binding: a cookie that cannot be honoured is re-placed with its cause",
          "[routing]") {
  const CookieSetup setup;
  const Router router = makeRouter(setup.options);
  RoutingState store(kTableSize, 0);
  const AllUsable all;
  RouteContext ctx = contextFor(store, all);
  const RouteResult first = router.route(FakeRequest(), ctx);
  REQUIRE(first.decision.found());
  REQUIRE_FALSE(first.cookie.empty());
  const BackendId x = first.decision.backend;
  const std::string x_name = router.backends()[x].key;

  SECTION("tampered") {
    // Given one byte of the value changed, expect a fresh placement, rebind cookie_invalid and a
    // new valid cookie naming the new placement.
    for (size_t at : {size_t{0}, first.cookie.size() / 2, first.cookie.size() - 1}) {
      std::string tampered = first.cookie;
      tampered[at] = tampered[at] == 'A' ? 'B' : 'A';
      INFO("byte " << at);
      const RouteResult r = router.route(withAffinity(tampered), ctx);
      CHECK(placed(r));
      CHECK(r.rebind == RebindCause::CookieInvalid);
      REQUIRE_FALSE(r.cookie.empty());
      CHECK(r.cookie != tampered);
      CHECK(cookieBackend(router, r.cookie) == router.backends()[r.decision.backend].key);
    }
  }
  SECTION("signed with a secret this router does not know") {
    AffinityCookieOptions other;
    other.secrets = {"a-different-secret-0123456789abcdef"};
    const std::string forged = AffinityCookie(other).issue(x_name, kNowUnix);
    const RouteResult r = router.route(withAffinity(forged), ctx);
    CHECK(placed(r));
    CHECK(r.rebind == RebindCause::CookieInvalid);
    CHECK_FALSE(r.cookie.empty());
  }
  SECTION("expired") {
    // Given the wall clock past the 1 h ttl, expect rebind cookie_expired and a new cookie that
    // is valid at the new time.
    ctx.now_unix_s = kNowUnix + 3600 + 1;
    const RouteResult r = router.route(withAffinity(first.cookie), ctx);
    CHECK(placed(r));
    CHECK(r.rebind == RebindCause::CookieExpired);
    REQUIRE_FALSE(r.cookie.empty());
    CHECK(cookieBackend(router, r.cookie, ctx.now_unix_s) ==
          router.backends()[r.decision.backend].key);
    // Just before the ttl it still binds.
    ctx.now_unix_s = kNowUnix + 3600 - 1;
    CHECK(router.route(withAffinity(first.cookie), ctx).decision.reason == Reason::BoundCookie);
  }
  SECTION("its backend may not keep sessions") {
    // Given X neither usable nor bindable (down), expect rebind backend_down, a placement
    // elsewhere and a cookie naming the new backend.
    const SetFilter down({x});
    const RouteContext dctx = contextFor(store, down, &down);
    const RouteResult r = router.route(withAffinity(first.cookie), dctx);
    CHECK(placed(r));
    CHECK(r.decision.backend != x);
    CHECK(r.rebind == RebindCause::BackendDown);
    CHECK(cookieBackend(router, r.cookie) == router.backends()[r.decision.backend].key);
    // Without a separate bindable filter, usable decides for bound sessions too.
    const RouteResult u = router.route(withAffinity(first.cookie), contextFor(store, down));
    CHECK(u.decision.backend != x);
    CHECK(u.rebind == RebindCause::BackendDown);
  }
  SECTION("its backend is not in this router") {
    // Given a second router (same secret) built without X, expect rebind removed and a cookie
    // naming a backend that exists.
    std::vector<std::string> rest;
    for (const auto& n : kNames) {
      if (n != x_name) rest.push_back(n);
    }
    const Router smaller = makeRouter(setup.options, rest);
    const RouteResult r = smaller.route(withAffinity(first.cookie), ctx);
    CHECK(placed(r));
    CHECK(r.rebind == RebindCause::Removed);
    REQUIRE(r.decision.found());
    CHECK(smaller.backends()[r.decision.backend].key != x_name);
    CHECK(cookieBackend(smaller, r.cookie) == smaller.backends()[r.decision.backend].key);
  }
}

TEST_CASE("router binding: a draining backend keeps its bound sessions but takes no new ones",
          "[routing]") {
  // Given X not usable (draining) but bindable, expect its cookie-bound session still
  // bound_cookie to X, while 200 new sessions are all placed elsewhere.
  const Router router = makeRouter(CookieSetup().options);
  RoutingState store(kTableSize, 0);
  const AllUsable all;
  RouteContext ctx = contextFor(store, all);
  const RouteResult first = router.route(FakeRequest(), ctx);
  const BackendId x = first.decision.backend;
  const SetFilter draining({x});
  RouteContext dctx = contextFor(store, draining, &all);
  const RouteResult bound = router.route(withAffinity(first.cookie), dctx);
  CHECK(bound.decision.backend == x);
  CHECK(bound.decision.reason == Reason::BoundCookie);
  std::set<BackendId> got;
  for (uint64_t i = 1; i <= 200; ++i) {
    dctx.random = i * 0x9E3779B97F4A7C15ULL;
    const RouteResult r = router.route(FakeRequest(), dctx);
    REQUIRE(r.decision.found());
    got.insert(r.decision.backend);
  }
  CHECK(got.count(x) == 0);
  CHECK(got.size() == kNames.size() - 1);
}

// ---------------------------------------------------------------------------------------------
// Stick table

RouterOptions tableOptions(std::optional<uint8_t> learn_source) {
  RouterOptions o;
  o.keys = KeyPolicy({KeySource{KeySource::Kind::Cookie, "JSESSIONID", {}},
                      KeySource{KeySource::Kind::Header, "X-Session", {}}},
                     0);
  o.stick_table = true;
  o.learn_source = learn_source;
  o.balance_factor = 1.25;
  return o;
}

TEST_CASE("router binding: learned bindings and table bindings", "[routing]") {
  // Given keys [cookie JSESSIONID, header X-Session] with JSESSIONID the learn source, when
  // Router::learn binds "v1" to a backend that is NOT the hash's first choice, expect a request
  // with JSESSIONID=v1 reason learned on it, and the same id in X-Session (same key hash)
  // bound_table on it; a placed header session comes back bound_table.
  const Router router = makeRouter(tableOptions(0));
  RoutingState store(kTableSize, 0);
  const AllUsable all;
  const RouteContext ctx = contextFor(store, all);
  const uint64_t v1 = router.options().keys->hashValue("v1");
  BackendId first[1];
  REQUIRE(router.strategy().candidates(v1, first, 1) == 1);
  const BackendId target = (first[0] + 1) % kNames.size();
  router.learn(v1, target, store, ctx.now_ms);
  CHECK(store.table().lookup(v1, ctx.now_ms) == router.stableId(target));

  const RouteResult learned = router.route(withCookie("JSESSIONID=v1"), ctx);
  CHECK(learned.decision.backend == target);
  CHECK(learned.decision.reason == Reason::Learned);
  CHECK(learned.key == v1);
  const RouteResult by_header = router.route(withSession("v1"), ctx);
  CHECK(by_header.decision.backend == target);
  CHECK(by_header.decision.reason == Reason::BoundTable);

  const RouteResult placed_first = router.route(withSession("h-1"), ctx);
  CHECK(placed(placed_first));
  const RouteResult again = router.route(withSession("h-1"), ctx);
  CHECK(again.decision.backend == placed_first.decision.backend);
  CHECK(again.decision.reason == Reason::BoundTable);

  SECTION("without a learn source every table hit is bound_table") {
    const Router plain = makeRouter(tableOptions(std::nullopt));
    const RouteResult r = plain.route(withCookie("JSESSIONID=v1"), ctx);
    CHECK(r.decision.backend == target);
    CHECK(r.decision.reason == Reason::BoundTable);
  }
  SECTION("the stick table off: the binding is ignored and the key is placed") {
    RouterOptions o = tableOptions(0);
    o.stick_table = false;
    const Router off = makeRouter(o);
    const RouteResult r = off.route(withCookie("JSESSIONID=v1"), ctx);
    CHECK(placed(r));
  }
}

TEST_CASE("router binding: a moved session does not flap back when its backend recovers",
          "[routing]") {
  // Given 40 header sessions bound by placement, when backend A is unusable, expect exactly A's
  // sessions re-placed (rebind backend_unusable, now bound to another backend in the table) and
  // the others bound_table where they were; when A is usable again, expect every session where
  // it was during the outage (bound_table, no rebind).
  const Router router = makeRouter(tableOptions(std::nullopt));
  RoutingState store(kTableSize, 0);
  const AllUsable all;
  const RouteContext ctx = contextFor(store, all);
  std::map<std::string, BackendId> before;
  for (int i = 0; i < 40; ++i) {
    const std::string s = "s-" + std::to_string(i);
    before[s] = router.route(withSession(s), ctx).decision.backend;
  }
  const BackendId a = before["s-0"];
  const SetFilter down({a});
  const RouteContext dctx = contextFor(store, down);
  std::map<std::string, BackendId> during;
  for (const auto& [s, b] : before) {
    INFO(s);
    const RouteResult r = router.route(withSession(s), dctx);
    REQUIRE(r.decision.found());
    during[s] = r.decision.backend;
    if (b == a) {
      CHECK(r.decision.backend != a);
      CHECK(placed(r));
      CHECK(r.rebind == RebindCause::BackendDown);
      CHECK(store.table().lookup(*r.key, ctx.now_ms) == router.stableId(r.decision.backend));
    } else {
      CHECK(r.decision.backend == b);
      CHECK(r.decision.reason == Reason::BoundTable);
      CHECK(r.rebind == RebindCause::None);
    }
  }
  for (const auto& [s, b] : during) {
    INFO(s);
    const RouteResult r = router.route(withSession(s), ctx);
    CHECK(r.decision.backend == b);
    CHECK(r.decision.reason == Reason::BoundTable);
    CHECK(r.rebind == RebindCause::None);
  }
  CHECK(store.table().boundTo(router.stableId(a)) == 0);
}

// ---------------------------------------------------------------------------------------------
// on_missing_key

TEST_CASE("router binding: on_missing_key decides for requests without a key", "[routing]") {
  RouterOptions o = tableOptions(std::nullopt);
  o.keys = headerKeys();
  RoutingState store(kTableSize, 0);
  const AllUsable all;
  RouteContext ctx = contextFor(store, all);

  SECTION("reject") {
    // Given reject, expect RouteResult::reject and no backend; a keyed request still routes.
    o.on_missing_key = OnMissingKey::Reject;
    const Router router = makeRouter(o);
    const RouteResult r = router.route(FakeRequest(), ctx);
    CHECK(r.reject);
    CHECK_FALSE(r.decision.found());
    CHECK_FALSE(router.route(withSession("k"), ctx).reject);
  }
  SECTION("round_robin cycles over every backend even with a sticky strategy") {
    // Given ring placement and round_robin, expect 3 rounds of 4 keyless requests to visit every
    // backend once per round, reason fallback, nothing bound and no cookie (even with one set up).
    o.on_missing_key = OnMissingKey::RoundRobin;
    o.cookie = makeCookie();
    const std::string strategy = GENERATE(values<std::string>({"ring", "maglev", "rendezvous",
                                                               "jump", "multiprobe"}));
    INFO(strategy);
    const Router router = makeRouter(o, kNames, strategy);
    for (int round = 0; round < 3; ++round) {
      std::set<BackendId> seen;
      for (size_t i = 0; i < kNames.size(); ++i) {
        const RouteResult r = router.route(FakeRequest(), ctx);
        CHECK(r.decision.reason == Reason::Fallback);
        CHECK(r.cookie.empty());
        CHECK_FALSE(r.reject);
        seen.insert(r.decision.backend);
      }
      CHECK(seen.size() == kNames.size());
    }
    CHECK(store.table().size() == 0);
  }
  SECTION("random") {
    // Given random and a fresh per-request random number, expect reason fallback, more than one
    // backend over 100 requests, and nothing bound.
    o.on_missing_key = OnMissingKey::Random;
    const Router router = makeRouter(o);
    std::set<BackendId> seen;
    for (uint64_t i = 1; i <= 100; ++i) {
      ctx.random = i * 0xD1B54A32D192ED03ULL;
      const RouteResult r = router.route(FakeRequest(), ctx);
      REQUIRE(r.decision.found());
      CHECK(r.decision.reason == Reason::Fallback);
      seen.insert(r.decision.backend);
    }
    CHECK(seen.size() > 1);
    CHECK(store.table().size() == 0);
  }
  SECTION("assign places and issues a cookie") {
    // Given assign and an affinity cookie, expect a keyless request placed with a cookie naming
    // its backend, and that cookie binding the next request.
    o.on_missing_key = OnMissingKey::Assign;
    o.cookie = makeCookie();
    const Router router = makeRouter(o);
    const RouteResult r = router.route(FakeRequest(), ctx);
    CHECK(placed(r));
    REQUIRE_FALSE(r.cookie.empty());
    CHECK(cookieBackend(router, r.cookie) == router.backends()[r.decision.backend].key);
    const RouteResult b = router.route(withAffinity(r.cookie), ctx);
    CHECK(b.decision.backend == r.decision.backend);
    CHECK(b.decision.reason == Reason::BoundCookie);
  }
}

// ---------------------------------------------------------------------------------------------
// Stable identity

TEST_CASE("router binding: backend identity is the name, not the list position", "[routing]") {
  // Given two routers over the same five names in different orders (jump pinned by jump.slots,
  // since its default slot order IS the list order), expect equal stableId per name (and
  // stableIdOf(name)), the same backend NAME for 500 sessions placed with c = 1.25 into separate
  // stores, and one router's affinity cookie honoured by the other.
  const std::string strategy = GENERATE(values<std::string>({"ring", "maglev", "rendezvous",
                                                             "jump", "multiprobe"}));
  INFO(strategy);
  const std::vector<std::string> forward = {"alpha", "bravo", "charlie", "delta", "echo"};
  const std::vector<std::string> shuffled = {"delta", "alpha", "echo", "charlie", "bravo"};
  std::vector<std::string> slots;
  if (strategy == "jump") slots = forward;
  RouterOptions o;
  o.keys = headerKeys();
  o.stick_table = true;
  o.balance_factor = 1.25;
  o.cookie = makeCookie();
  const Router r1 = makeRouter(o, forward, strategy, slots);
  const Router r2 = makeRouter(o, shuffled, strategy, slots);
  for (const auto& n : forward) {
    INFO(n);
    REQUIRE(r1.byName(n));
    REQUIRE(r2.byName(n));
    CHECK(r1.stableId(*r1.byName(n)) == r2.stableId(*r2.byName(n)));
    CHECK(r1.stableId(*r1.byName(n)) == Router::stableIdOf(n));
    CHECK(r2.byStableId(Router::stableIdOf(n)) == r2.byName(n));
  }
  RoutingState s1(kTableSize, 0), s2(kTableSize, 0);
  const AllUsable all;
  const RouteContext c1 = contextFor(s1, all), c2 = contextFor(s2, all);
  for (int i = 0; i < 500; ++i) {
    const FakeRequest request = withSession("id-" + std::to_string(i));
    const RouteResult a = r1.route(request, c1);
    const RouteResult b = r2.route(request, c2);
    REQUIRE(a.decision.found());
    REQUIRE(b.decision.found());
    INFO("session " << i);
    REQUIRE(r1.backends()[a.decision.backend].key == r2.backends()[b.decision.backend].key);
    REQUIRE(a.decision.reason == b.decision.reason);
    if (i < 20) {
      const RouteResult c = r2.route(withAffinity(a.cookie), c2);
      CHECK(c.decision.reason == Reason::BoundCookie);
      CHECK(r2.backends()[c.decision.backend].key == r1.backends()[a.decision.backend].key);
    }
  }
}

} // namespace
} // namespace tether::routing
