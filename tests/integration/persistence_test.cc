// Stick-table persistence and reloads end to end: learned bindings written at graceful shutdown
// and restored by the next tether, a corrupt file that is ignored (tether starts empty and
// serves), and a published snapshot that adds a backend without moving any bound session.
#include <catch2/catch.hpp>

#include <ctime>
#include <map>
#include <random>
#include <string>

#include "routing/stick_table.h"
#include "tests/support/child_process.h"
#include "tests/support/proxy_fixture.h"
#include "tests/support/test_macros.h"

namespace tether::test {
namespace {

using namespace std::chrono_literals;
using Kind = config::KeySourceConfig::Kind;

config::KeySourceConfig source(Kind kind, std::string name) {
  config::KeySourceConfig s;
  s.kind = kind;
  s.name = std::move(name);
  return s;
}

// Ring placement keyed on cookie JSESSIONID, learned from the application's Set-Cookie, keyless
// requests round robin, and a stick table persisted to `persist` ("" = not persisted).
config::Config sessionConfig(std::initializer_list<const FakeUpstream*> upstreams,
                             const std::string& persist) {
  auto cfg = ProxyFixture::configFor(upstreams);
  cfg.routing.strategy = routing::StrategyKind::Ring;
  cfg.routing.key = {source(Kind::Cookie, "JSESSIONID")};
  cfg.routing.on_missing_key = config::RoutingConfig::OnMissingKey::RoundRobin;
  cfg.routing.stick_table.enabled = true;
  cfg.routing.stick_table.persist = persist;
  cfg.routing.learn_cookie = "JSESSIONID";
  return cfg;
}

std::string get(TestClient& c, const std::string& target, HeaderList headers = {}) {
  auto r = c.roundTrip(buildRequest("GET", target, headers));
  REQUIRE(r);
  REQUIRE(r->status == 200);
  return r->headers.get("X-Upstream").value_or("?");
}

std::string withSession(TestClient& c, const std::string& value) {
  return get(c, "/", {{"Cookie", "JSESSIONID=" + value}});
}

// The upstream name the snapshot's strategy (hash only, no bindings) picks for JSESSIONID=value.
std::string hashChoice(const config::Config& cfg, const std::string& value) {
  auto snap = config::buildSnapshot(cfg, 1);
  REQUIRE(snap);
  const auto& router = *snap->router;
  routing::BackendId first[1];
  REQUIRE(router.strategy().candidates(router.options().keys->hashValue(value), first, 1) == 1);
  return router.backends()[first[0]].key;
}

TEST_CASE("Persistence: learned bindings survive a graceful restart", "[integration]") {
  // Given a stick table persisted to a temp file and three upstreams that each set
  // JSESSIONID=v-<name> on /login, when three sessions log in (round robin: one per upstream)
  // and tether stops gracefully, expect the file to hold the three bindings, and a NEW tether
  // with the same config (upstreams on the same ports) to send each JSESSIONID to the upstream
  // that issued it, whatever the hash would say.
  TempDir dir;
  const std::string persist = dir.path() + "/stick.tbl";
  FakeUpstream a("a"), b("b"), c("c");
  const auto cfg = sessionConfig({&a, &b, &c}, persist);
  std::map<std::string, std::string> issued_by;  // value -> upstream
  {
    for (auto* up : {&a, &b, &c}) {
      Behavior login = Behavior::respond(200, "logged in");
      login.headers = {{"Set-Cookie", "JSESSIONID=v-" + up->name() + "; Path=/; HttpOnly"}};
      up->setBehavior(login);
    }
    ProxyFixture proxy(cfg);
    {
      TestClient client = proxy.connect();
      for (int i = 0; i < 3; ++i) {
        const std::string up = get(client, "/login");
        issued_by["v-" + up] = up;
      }
    }
    REQUIRE(issued_by.size() == 3);
    for (auto* up : {&a, &b, &c}) up->setBehavior(Behavior::respond(200, "ok"));
    proxy.stop();
  }
  auto parsed = routing::StickTable::parse(readFile(persist), static_cast<int64_t>(std::time(nullptr)));
  INFO(parsed.error);
  REQUIRE(parsed.ok());
  CHECK(parsed.entries.size() == 3);

  int hash_disagrees = 0;
  for (const auto& [value, up] : issued_by) hash_disagrees += hashChoice(cfg, value) != up ? 1 : 0;
  // The names are fixed, so this is deterministic: at least one binding contradicts the hash,
  // which makes the restart check below meaningful.
  CHECK(hash_disagrees > 0);

  ProxyFixture proxy(cfg);
  TestClient client = proxy.connect();
  for (const auto& [value, up] : issued_by) {
    INFO(value);
    for (int i = 0; i < 3; ++i) CHECK(withSession(client, value) == up);
  }
}

TEST_CASE("Persistence: a corrupt stick-table file is ignored and tether serves", "[integration]") {
  // Given 4 KiB of random bytes in the persist file, expect tether to start (empty table), serve
  // keyed and keyless requests, and replace the file with a valid one at shutdown.
  TempDir dir;
  std::mt19937_64 rng(20240607);
  std::string junk(4096, '\0');
  for (auto& ch : junk) ch = static_cast<char>(rng());
  const std::string persist = dir.write("stick.tbl", junk);
  FakeUpstream a("a"), b("b");
  {
    ProxyFixture proxy(sessionConfig({&a, &b}, persist));
    {
      TestClient client = proxy.connect();
      const std::string first = withSession(client, "s-1");
      CHECK(withSession(client, "s-1") == first);
      CHECK(get(client, "/") != "?");
    }
    proxy.stop();
  }
  auto parsed = routing::StickTable::parse(readFile(persist), static_cast<int64_t>(std::time(nullptr)));
  INFO(parsed.error);
  CHECK(parsed.ok());
  CHECK(parsed.entries.size() == 1);
}

TEST_CASE("Persistence: a file that is a valid header followed by garbage is ignored",
          "[integration]") {
  // Given the right magic line followed by junk (a truncated or hand-edited file), expect the
  // same: tether starts and serves.
  TempDir dir;
  const std::string persist =
      dir.write("stick.tbl", "tether-stick-table v1\nsaved 12\n00000000000000zz a%ZZ -5\n");
  FakeUpstream a("a");
  ProxyFixture proxy(sessionConfig({&a}, persist));
  TestClient client = proxy.connect();
  CHECK(withSession(client, "s-1") == "a");
}

// Sends keyless requests (round robin) on fresh connections until `name` answers one (publish
// reaches the worker asynchronously), within `timeout`.
bool waitUntilServedBy(const ProxyFixture& proxy, const std::string& name, Millis timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    TestClient c = proxy.connect();
    auto r = c.roundTrip(buildRequest("GET", "/probe"));
    if (r && r->headers.get("X-Upstream") == name) return true;
  }
  return false;
}

TEST_CASE("Persistence: a reload that adds a backend moves no bound session", "[integration]") {
  // Given 16 sessions placed by ring and bound in the stick table over a, b, c, when a snapshot
  // adding d is published (and has reached the worker: d serves keyless requests), expect every
  // session to reach its upstream from before, although the new ring sends some of them to d;
  // and new sessions do reach d.
  FakeUpstream a("a"), b("b"), c("c"), d("d");
  const auto cfg = sessionConfig({&a, &b, &c}, "");
  ProxyFixture proxy(cfg);
  TestClient client = proxy.connect();
  std::map<std::string, std::string> before;
  for (int i = 0; i < 16; ++i) {
    const std::string v = "sess-" + std::to_string(i);
    before[v] = withSession(client, v);
  }
  auto cfg2 = sessionConfig({&a, &b, &c, &d}, "");
  int would_move_to_d = 0;
  for (const auto& [v, up] : before) would_move_to_d += hashChoice(cfg2, v) == "d" ? 1 : 0;
  CHECK(would_move_to_d > 0);  // deterministic (fixed names): the check below means something

  proxy.server().publish(config::buildSnapshot(cfg2, 2));
  REQUIRE(waitUntilServedBy(proxy, "d", 2s));
  TestClient after = proxy.connect();
  for (const auto& [v, up] : before) {
    INFO(v);
    CHECK(withSession(after, v) == up);
  }
  bool new_session_on_d = false;
  for (int i = 0; i < 30 && !new_session_on_d; ++i) {
    new_session_on_d = withSession(after, "fresh-" + std::to_string(i)) == "d";
  }
  CHECK(new_session_on_d);
}

} // namespace
} // namespace tether::test
