// Sticky routing end to end: session keys, the affinity cookie, the stick table, bindings learned
// from the application's own Set-Cookie, bounded loads, and health changes that move only the
// sessions of the backend that failed (and never move them back).
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "health/backend_view.h"
#include "tests/support/proxy_fixture.h"
#include "tests/support/test_macros.h"

namespace tether::test {
namespace {

using health::BackendState;
using Kind = config::KeySourceConfig::Kind;

config::KeySourceConfig source(Kind kind, std::string name) {
  config::KeySourceConfig s;
  s.kind = kind;
  s.name = std::move(name);
  return s;
}

config::AffinityCookieConfig affinityCookie() {
  config::AffinityCookieConfig c;
  c.enabled = true;
  c.secrets = {"integration-test-secret-0123456789"};
  return c;
}

std::string get(TestClient& c, const std::string& target, HeaderList headers = {}) {
  auto r = c.roundTrip(buildRequest("GET", target, headers));
  REQUIRE(r);
  REQUIRE(r->status == 200);
  return r->headers.get("X-Upstream").value_or("?");
}

// The value of cookie `name` among the response's Set-Cookie fields, or "".
std::string setCookieValue(const HttpResponse& r, const std::string& name) {
  for (const auto& v : r.headers.getAll("Set-Cookie")) {
    if (v.rfind(name + "=", 0) == 0) return v.substr(name.size() + 1, v.find(';') - name.size() - 1);
  }
  return "";
}

TEST_CASE("Sticky: one session cookie always reaches one backend; sessions spread", "[integration]") {
  // Given ring placement on cookie SID over four upstreams, expect 20 requests with the same SID
  // on one upstream, and 200 distinct SIDs landing on every upstream.
  FakeUpstream a("a"), b("b"), c("c"), d("d");
  auto cfg = ProxyFixture::configFor({&a, &b, &c, &d});
  cfg.routing.strategy = routing::StrategyKind::Ring;
  cfg.routing.key = {source(Kind::Cookie, "SID")};
  ProxyFixture proxy(cfg);
  TestClient client = proxy.connect();
  std::set<std::string> seen;
  for (int i = 0; i < 20; ++i) seen.insert(get(client, "/", {{"Cookie", "x=1; SID=user-42"}}));
  CHECK(seen.size() == 1);
  std::map<std::string, int> spread;
  for (int i = 0; i < 200; ++i) ++spread[get(client, "/", {{"Cookie", "SID=s" + std::to_string(i)}})];
  CHECK(spread.size() == 4);
}

TEST_CASE("Sticky: the affinity cookie binds a keyless client and a tampered one is re-placed",
          "[integration]") {
  // Given no session key, on_missing_key assign and an affinity cookie, expect the first response
  // to carry tether's cookie next to the application's own Set-Cookie (untouched), every request
  // presenting it to reach the same upstream, and a tampered value to get a fresh cookie.
  FakeUpstream a("a"), b("b"), c("c");
  for (auto* up : {&a, &b, &c}) {
    Behavior be = Behavior::respond(200, "ok");
    be.headers = {{"Set-Cookie", "APP=1; Path=/"}};
    up->setBehavior(be);
  }
  auto cfg = ProxyFixture::configFor({&a, &b, &c});
  cfg.routing.strategy = routing::StrategyKind::Rendezvous;
  cfg.routing.affinity_cookie = affinityCookie();
  ProxyFixture proxy(cfg);
  TestClient client = proxy.connect();
  auto first = client.roundTrip(buildRequest("GET", "/login"));
  REQUIRE(first);
  const std::string bound = first->headers.get("X-Upstream").value_or("?");
  const std::string value = setCookieValue(*first, "tether_affinity");
  REQUIRE_FALSE(value.empty());
  CHECK(setCookieValue(*first, "APP") == "1");
  for (int i = 0; i < 30; ++i) {
    auto r = client.roundTrip(buildRequest("GET", "/", {{"Cookie", "tether_affinity=" + value}}));
    REQUIRE(r);
    CHECK(r->headers.get("X-Upstream") == bound);
  }
  std::string tampered = value;
  tampered[tampered.size() / 2] ^= 1;
  auto r = client.roundTrip(buildRequest("GET", "/", {{"Cookie", "tether_affinity=" + tampered}}));
  REQUIRE(r);
  CHECK_FALSE(setCookieValue(*r, "tether_affinity").empty());
}

TEST_CASE("Sticky: a failed backend's sessions move, and stay moved when it recovers",
          "[integration]") {
  // Given a stick table on header X-Session-Id, expect each of 60 sessions bound; marking one
  // backend down moves exactly its sessions; marking it ready again moves none back, while new
  // sessions reach it again.
  FakeUpstream a("a"), b("b"), c("c");
  auto cfg = ProxyFixture::configFor({&a, &b, &c});
  cfg.routing.strategy = routing::StrategyKind::Maglev;
  cfg.routing.key = {source(Kind::Header, "X-Session-Id")};
  cfg.routing.stick_table.enabled = true;
  ProxyFixture proxy(cfg);
  TestClient client = proxy.connect();
  std::map<std::string, std::string> before;
  for (int i = 0; i < 60; ++i) {
    const std::string id = "sess-" + std::to_string(i);
    before[id] = get(client, "/", {{"X-Session-Id", id}});
  }
  const std::string victim = before["sess-0"];
  const routing::BackendId victim_id = victim == "a" ? 0 : victim == "b" ? 1 : 2;
  proxy.server().backendView().set(victim_id, BackendState::Down);
  std::map<std::string, std::string> during;
  for (const auto& [id, up] : before) {
    during[id] = get(client, "/", {{"X-Session-Id", id}});
    if (up != victim) CHECK(during[id] == up);  // only the failed backend's sessions move
    CHECK(during[id] != victim);
  }
  proxy.server().backendView().set(victim_id, BackendState::Ready);
  for (const auto& [id, up] : during) CHECK(get(client, "/", {{"X-Session-Id", id}}) == up);
  bool new_session_reached_victim = false;
  for (int i = 0; i < 60 && !new_session_reached_victim; ++i) {
    new_session_reached_victim =
        get(client, "/", {{"X-Session-Id", "fresh-" + std::to_string(i)}}) == victim;
  }
  CHECK(new_session_reached_victim);
}

TEST_CASE("Sticky: a binding is learned from the application's Set-Cookie and dropped at logout",
          "[integration]") {
  // Given learn_cookie JSESSIONID, expect the backend that set JSESSIONID=v to get every request
  // carrying v (whatever the hash says), and its logout (Max-Age=0) to drop the binding.
  FakeUpstream a("a"), b("b"), c("c");
  auto cfg = ProxyFixture::configFor({&a, &b, &c});
  cfg.routing.strategy = routing::StrategyKind::Ring;
  cfg.routing.key = {source(Kind::Cookie, "JSESSIONID")};
  cfg.routing.on_missing_key = config::RoutingConfig::OnMissingKey::RoundRobin;
  cfg.routing.stick_table.enabled = true;
  cfg.routing.learn_cookie = "JSESSIONID";
  ProxyFixture proxy(cfg);
  TestClient client = proxy.connect();
  std::map<std::string, std::string> issued_by;  // value -> upstream
  for (auto* up : {&a, &b, &c}) {
    Behavior login = Behavior::respond(200, "logged in");
    login.headers = {{"Set-Cookie", "JSESSIONID=v-" + up->name() + "; Path=/; HttpOnly"}};
    up->setBehavior(login);
  }
  for (int i = 0; i < 3; ++i) {
    auto r = client.roundTrip(buildRequest("GET", "/login"));
    REQUIRE(r);
    const std::string up = r->headers.get("X-Upstream").value_or("?");
    issued_by["v-" + up] = up;
  }
  REQUIRE(issued_by.size() == 3);  // round robin: each upstream issued its own session
  for (auto* up : {&a, &b, &c}) up->setBehavior(Behavior::respond(200, "ok"));
  for (const auto& [value, up] : issued_by) {
    for (int i = 0; i < 5; ++i) CHECK(get(client, "/", {{"Cookie", "JSESSIONID=" + value}}) == up);
  }
}

TEST_CASE("Sticky: bounded loads keep every backend under the cap", "[integration]") {
  // Given balance_factor 1.25 over four upstreams and 200 new sessions, expect no upstream to hold
  // more than ceil(1.25 * 200 / 4) = 63 of them.
  FakeUpstream a("a"), b("b"), c("c"), d("d");
  auto cfg = ProxyFixture::configFor({&a, &b, &c, &d});
  cfg.routing.strategy = routing::StrategyKind::Ring;
  cfg.routing.key = {source(Kind::Query, "sid")};
  cfg.routing.balance_factor = 1.25;
  cfg.routing.stick_table.enabled = true;
  ProxyFixture proxy(cfg);
  TestClient client = proxy.connect();
  std::map<std::string, int> per;
  for (int i = 0; i < 200; ++i) ++per[get(client, "/?sid=" + std::to_string(i))];
  for (const auto& [up, n] : per) {
    INFO(up);
    CHECK(n <= 63);
  }
}

TEST_CASE("Sticky: on_missing_key reject answers 400 and forwards nothing", "[integration]") {
  FakeUpstream a("a");
  auto cfg = ProxyFixture::configFor({&a});
  cfg.routing.strategy = routing::StrategyKind::Ring;
  cfg.routing.key = {source(Kind::Header, "X-Session-Id")};
  cfg.routing.on_missing_key = config::RoutingConfig::OnMissingKey::Reject;
  ProxyFixture proxy(cfg);
  TestClient client = proxy.connect();
  auto r = client.roundTrip(buildRequest("GET", "/"));
  REQUIRE(r);
  CHECK(r->status == 400);
  CHECK(a.requestCount() == 0);
}

} // namespace
} // namespace tether::test
