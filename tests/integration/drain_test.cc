// Drain and maintenance with real sockets, driven through the admin API (and the config file's
// `state:`): which sessions stay, which move and when, and what /status and /metrics report.
//
// Sessions are the application's own: a keyless GET /login is placed by tether and answered with
// `Set-Cookie: SID=...`, which tether learns (routing.learn_cookie) and binds in the stick table;
// GET /logout answers `Set-Cookie: SID=; Max-Age=0`, which ends the binding.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "config/config_loader.h"
#include "tests/support/child_process.h"
#include "tests/support/eventually.h"
#include "tests/support/proxy_fixture.h"
#include "tests/support/test_macros.h"

namespace tether::test {
namespace {

using namespace std::chrono_literals;

// The application behind tether: /login opens a session named after the backend, /logout ends it.
FakeUpstream::Responder appResponder(const std::string& name, std::atomic<int>& counter) {
  return [name, &counter](const RecordedRequest& r) {
    Behavior b = Behavior::respond(200, "page");
    if (r.target == "/login") {
      b.headers.add("Set-Cookie", "SID=" + name + "-" + std::to_string(++counter) + "; Path=/");
    } else if (r.target == "/logout") {
      b.headers.add("Set-Cookie", "SID=; Max-Age=0; Path=/");
    }
    return b;
  };
}

void learnSessions(config::Config& cfg) {
  cfg.routing.strategy = routing::StrategyKind::Ring;
  config::KeySourceConfig key;
  key.kind = config::KeySourceConfig::Kind::Cookie;
  key.name = "SID";
  cfg.routing.key = {key};
  cfg.routing.stick_table.enabled = true;
  cfg.routing.learn_cookie = "SID";
}

config::Config appConfig(std::initializer_list<const FakeUpstream*> upstreams) {
  auto cfg = ProxyFixture::configFor(upstreams);
  learnSessions(cfg);
  ProxyFixture::enableAdmin(cfg);
  return cfg;
}

struct Session {
  std::string sid;      // the cookie value
  std::string backend;  // who logged it in
};

// A keyless GET /login; the backend's Set-Cookie names the new session.
Session login(TestClient& c) {
  REQUIRE_COMPLETE(r, c, roundTrip(buildRequest("GET", "/login")));
  REQUIRE(r->status == 200);
  const auto set = r->headers.get("Set-Cookie").value_or("");
  const auto eq = set.find('=');
  const auto semi = set.find(';');
  INFO("Set-Cookie: " << set);
  REQUIRE((eq != std::string::npos && semi != std::string::npos && semi > eq + 1));
  return {set.substr(eq + 1, semi - eq - 1), r->headers.get("X-Upstream").value_or("")};
}

// The backend that served one request of session `sid` at `path`; REQUIREs a 200.
std::string visit(TestClient& c, const std::string& sid, std::string_view path = "/page") {
  INFO("session " << sid << " " << path);
  REQUIRE_COMPLETE(r, c, roundTrip(buildRequest("GET", path, {{"Cookie", "SID=" + sid}})));
  REQUIRE(r->status == 200);
  return r->headers.get("X-Upstream").value_or("");
}

// Logs in until at least `on_b` sessions are on b and `on_a` on a (bounded). Returns them all.
std::vector<Session> openSessions(TestClient& c, size_t on_a, size_t on_b) {
  std::vector<Session> all;
  size_t a = 0, b = 0;
  for (int i = 0; i < 200 && (a < on_a || b < on_b); ++i) {
    all.push_back(login(c));
    a += all.back().backend == "a" ? 1 : 0;
    b += all.back().backend == "b" ? 1 : 0;
  }
  REQUIRE(a >= on_a);
  REQUIRE(b >= on_b);
  return all;
}

std::vector<Session> onBackend(const std::vector<Session>& all, const std::string& name) {
  std::vector<Session> out;
  for (const auto& s : all) {
    if (s.backend == name) out.push_back(s);
  }
  return out;
}

// Logs in until one session lands on `name` (bounded); whether it happened.
bool someLoginReaches(TestClient& c, const std::string& name, int attempts = 60) {
  for (int i = 0; i < attempts; ++i) {
    if (login(c).backend == name) return true;
  }
  return false;
}

// tether_rebinds_total{cause}; on a mismatch the message lists every cause's count.
double rebinds(const ProxyFixture& proxy, const std::string& cause) {
  const auto m = proxy.metrics();
  std::string all;
  for (const auto* s : m.all("tether_rebinds_total")) {
    all += " " + s->labels.at("cause") + "=" + std::to_string(static_cast<int64_t>(s->value));
  }
  UNSCOPED_INFO("tether_rebinds_total:" << all);
  return m.value("tether_rebinds_total", {{"cause", cause}}).value_or(-1);
}

TEST_CASE("Drain keeps bound sessions, sends new ones elsewhere, reports when empty; undrain",
          "[integration][drain]") {
  // Given sessions on a and b, when b is drained through POST /backends/b/drain, expect b's
  // sessions still served by b, every new login on a, /status showing b draining with
  // bound_sessions_left = its sessions and empty_since null; after those sessions log out,
  // bound_sessions_left 0 and empty_since set; after undrain, new logins reach b again.
  std::atomic<int> counter{0};
  FakeUpstream a("a"), b("b");
  a.setResponder(appResponder("a", counter));
  b.setResponder(appResponder("b", counter));
  ProxyFixture proxy(appConfig({&a, &b}));
  TestClient client = proxy.connect();
  const auto all = openSessions(client, 2, 3);
  const auto on_b = onBackend(all, "b");

  Json st = proxy.backendStatus("b");
  CHECK(st["bound_sessions"].number() == static_cast<double>(on_b.size()));
  CHECK(st["drain"].isNull());

  auto r = proxy.adminPost("/backends/b/drain");
  INFO(r.body);
  CHECK(r.status == 200);
  auto body = Json::parse(r.body);
  REQUIRE(body);
  CHECK((*body)["backend"].str() == "b");
  CHECK((*body)["state"].str() == "draining");
  CHECK((*body)["admin_state"].str() == "drain");
  CHECK((*body)["changed"].boolean());
  auto again = Json::parse(proxy.adminPost("/backends/b/drain").body);
  REQUIRE(again);
  CHECK_FALSE((*again)["changed"].boolean());

  for (const auto& s : all) CHECK(visit(client, s.sid) == s.backend);
  for (int i = 0; i < 10; ++i) CHECK(login(client).backend == "a");

  st = proxy.backendStatus("b");
  CHECK(st["state"].str() == "draining");
  CHECK(st["admin_state"].str() == "drain");
  CHECK(st["drain"]["policy"].str() == "keep");
  CHECK_FALSE(st["drain"]["timed_out"].boolean());
  CHECK(st["drain"]["since"].isString());
  CHECK(st["drain"]["bound_sessions_left"].number() == static_cast<double>(on_b.size()));
  CHECK(st["drain"]["empty_since"].isNull());
  // Two ticks later it is still not empty: the sessions are bound.
  std::this_thread::sleep_for(250ms);
  CHECK(proxy.backendStatus("b")["drain"]["empty_since"].isNull());

  for (const auto& s : on_b) CHECK(visit(client, s.sid, "/logout") == "b");
  REQUIRE(eventually(
      [&] {
        st = proxy.backendStatus("b");
        return st["drain"]["bound_sessions_left"].number() == 0 && st["drain"]["empty_since"].isString();
      },
      2s));
  CHECK(st["drain"]["in_flight"].number() == 0);
  CHECK(st["bound_sessions"].number() == 0);

  r = proxy.adminPost("/backends/b/undrain");
  CHECK(r.status == 200);
  st = proxy.backendStatus("b");
  CHECK(st["state"].str() == "ready");
  CHECK(st["admin_state"].str() == "ready");
  CHECK(st["drain"].isNull());
  CHECK(someLoginReaches(client, "b"));
  for (const auto& s : onBackend(all, "a")) CHECK(visit(client, s.sid) == "a");
}

TEST_CASE("Drain with policy migrate re-places bound sessions at their next request",
          "[integration][drain]") {
  // Given drain.policy migrate and sessions on a and b, when b is drained, expect each of b's
  // sessions served by a from its very next request on (and bound there), a's sessions unmoved,
  // tether_rebinds_total{cause="drain_migrate"} = b's session count, and b reported empty.
  std::atomic<int> counter{0};
  FakeUpstream a("a"), b("b");
  a.setResponder(appResponder("a", counter));
  b.setResponder(appResponder("b", counter));
  auto cfg = appConfig({&a, &b});
  cfg.drain.policy = config::DrainConfig::Policy::Migrate;
  ProxyFixture proxy(cfg);
  TestClient client = proxy.connect();
  const auto all = openSessions(client, 2, 3);
  const auto on_b = onBackend(all, "b");
  CHECK(rebinds(proxy, "drain_migrate") == 0);

  REQUIRE(proxy.adminPost("/backends/b/drain").status == 200);
  CHECK(proxy.backendStatus("b")["drain"]["policy"].str() == "migrate");
  const size_t b_before = b.requestCount();
  for (const auto& s : all) CHECK(visit(client, s.sid) == "a");
  for (const auto& s : all) CHECK(visit(client, s.sid) == "a");
  CHECK(b.requestCount() == b_before);
  CHECK(rebinds(proxy, "drain_migrate") == static_cast<double>(on_b.size()));
  Json st;
  REQUIRE(eventually(
      [&] {
        st = proxy.backendStatus("b");
        return st["drain"]["empty_since"].isString();
      },
      2s));
  CHECK(st["drain"]["bound_sessions_left"].number() == 0);
  CHECK(proxy.backendStatus("a")["bound_sessions"].number() == static_cast<double>(all.size()));
}

TEST_CASE("Drain timeout: bound sessions stay until drain.timeout, then move", "[integration][drain]") {
  // Given drain.timeout 300ms with policy keep, when b is drained, expect b's sessions still on b
  // right away, /status drain.timed_out true no earlier than 300 ms later, and from then on b's
  // sessions served by a (rebind cause drain_migrate), each bound there.
  std::atomic<int> counter{0};
  FakeUpstream a("a"), b("b");
  a.setResponder(appResponder("a", counter));
  b.setResponder(appResponder("b", counter));
  auto cfg = appConfig({&a, &b});
  cfg.drain.timeout = 300ms;
  ProxyFixture proxy(cfg);
  TestClient client = proxy.connect();
  const auto all = openSessions(client, 1, 3);
  const auto on_b = onBackend(all, "b");

  const auto drained_at = Clock::now();
  REQUIRE(proxy.adminPost("/backends/b/drain").status == 200);
  // Only what happens well before the timeout can be judged "before the timeout".
  for (const auto& s : on_b) {
    const auto where = visit(client, s.sid);
    if (msSince(drained_at) < 250) CHECK(where == "b");
  }
  {
    const bool timed_out = proxy.backendStatus("b")["drain"]["timed_out"].boolean();
    if (msSince(drained_at) < 250) CHECK_FALSE(timed_out);
  }
  REQUIRE(eventually([&] { return proxy.backendStatus("b")["drain"]["timed_out"].boolean(); }, 2s));
  CHECK(msSince(drained_at) >= 290);
  CHECK(proxy.backendStatus("b")["state"].str() == "draining");

  for (const auto& s : all) CHECK(visit(client, s.sid) == "a");
  for (const auto& s : on_b) CHECK(visit(client, s.sid) == "a");
  CHECK(rebinds(proxy, "drain_migrate") == static_cast<double>(on_b.size()));
}

TEST_CASE("Maintenance moves bound sessions at once; ready brings the backend back",
          "[integration][drain]") {
  // Given sessions on a and b, when b is put in maintenance, expect b's sessions served by a
  // (tether_rebinds_total{cause="maintenance"} = their count), nothing reaching b, /status state
  // maintenance; after POST .../ready, new logins reach b again.
  std::atomic<int> counter{0};
  FakeUpstream a("a"), b("b");
  a.setResponder(appResponder("a", counter));
  b.setResponder(appResponder("b", counter));
  ProxyFixture proxy(appConfig({&a, &b}));
  TestClient client = proxy.connect();
  const auto all = openSessions(client, 1, 3);
  const auto on_b = onBackend(all, "b");

  auto r = proxy.adminPost("/backends/b/maintenance");
  CHECK(r.status == 200);
  Json st = proxy.backendStatus("b");
  CHECK(st["state"].str() == "maintenance");
  CHECK(st["admin_state"].str() == "maintenance");
  CHECK(st["drain"].isNull());
  const size_t b_before = b.requestCount();
  for (const auto& s : all) CHECK(visit(client, s.sid) == "a");
  for (int i = 0; i < 5; ++i) CHECK(login(client).backend == "a");
  CHECK(b.requestCount() == b_before);
  CHECK(rebinds(proxy, "maintenance") == static_cast<double>(on_b.size()));
  CHECK(rebinds(proxy, "drain_migrate") == 0);

  r = proxy.adminPost("/backends/b/ready");
  CHECK(r.status == 200);
  CHECK(proxy.backendStatus("b")["state"].str() == "ready");
  CHECK(someLoginReaches(client, "b"));
}

TEST_CASE("Admin backend actions on an unknown backend or action answer 404 JSON", "[integration][drain]") {
  // Given backends a and b, expect POST /backends/nope/drain to be 404 with a JSON error naming
  // the backend, an unknown action on b to be 404, and b's state untouched.
  FakeUpstream a("a"), b("b");
  ProxyFixture proxy(appConfig({&a, &b}));
  for (const char* action : {"drain", "undrain", "maintenance", "ready"}) {
    auto r = proxy.adminPost(std::string("/backends/nope/") + action);
    INFO(action << ": " << r.body);
    CHECK(r.status == 404);
    CHECK_THAT(r.headers.get("Content-Type").value_or(""), Catch::StartsWith("application/json"));
    auto body = Json::parse(r.body);
    REQUIRE(body);
    CHECK_THAT((*body)["error"].str(), Catch::Contains("nope"));
  }
  auto r = proxy.adminPost("/backends/b/explode");
  CHECK(r.status == 404);
  CHECK(Json::parse(r.body).has_value());
  CHECK(proxy.backendStatus("b")["state"].str() == "ready");
}

// A YAML config for the file-based tests: a and b behind a ring keyed by the learned SID.
std::string appYaml(uint16_t port_a, uint16_t port_b, const char* b_state) {
  return "listen: [\"127.0.0.1:0\"]\n"
         "workers: 1\n"
         "backends:\n"
         "  - name: a\n"
         "    address: \"127.0.0.1:" + std::to_string(port_a) + "\"\n"
         "  - name: b\n"
         "    address: \"127.0.0.1:" + std::to_string(port_b) + "\"\n"
         "    state: " + b_state + "\n"
         "routing:\n"
         "  strategy: ring\n"
         "  key:\n"
         "    - cookie: SID\n"
         "  stick_table: {}\n"
         "  learn_cookie: SID\n"
         "timeouts:\n"
         "  connect: 1s\n"
         "  upstream_response: 3s\n"
         "  graceful_shutdown: 1s\n"
         "admin:\n"
         "  listen: \"127.0.0.1:0\"\n"
         "logging:\n"
         "  level: error\n"
         "  access_log: \"off\"\n";
}

config::Config loadFile(const std::string& path) {
  auto loaded = config::loadConfigFile(path);
  if (!loaded.ok()) {
    for (const auto& e : loaded.errors()) UNSCOPED_INFO(e.toString());
  }
  REQUIRE(loaded.ok());
  return std::move(loaded.config());
}

TEST_CASE("state: drain in the config file drains like the admin API", "[integration][drain]") {
  // Given a config file with b ready and sessions on a and b, when the file is changed to
  // `state: drain` for b and reloaded (POST /reload), expect the same as POST .../drain: b's
  // sessions still on b, new logins on a, /status draining with its bound sessions left. And a
  // tether started from a file with b already `state: drain` never places a session on b.
  std::atomic<int> counter{0};
  FakeUpstream a("a"), b("b");
  a.setResponder(appResponder("a", counter));
  b.setResponder(appResponder("b", counter));
  TempDir dir;
  const auto path = dir.write("tether.yaml", appYaml(a.port(), b.port(), "ready"));
  {
    ProxyFixture proxy(loadFile(path));
    TestClient client = proxy.connect();
    const auto all = openSessions(client, 1, 3);
    const auto on_b = onBackend(all, "b");

    dir.write("tether.yaml", appYaml(a.port(), b.port(), "drain"));
    auto r = proxy.adminPost("/reload");
    INFO(r.body);
    REQUIRE(r.status == 200);
    for (const auto& s : all) CHECK(visit(client, s.sid) == s.backend);
    for (int i = 0; i < 10; ++i) CHECK(login(client).backend == "a");
    const Json st = proxy.backendStatus("b");
    CHECK(st["state"].str() == "draining");
    CHECK(st["admin_state"].str() == "drain");
    CHECK(st["drain"]["policy"].str() == "keep");
    CHECK(st["drain"]["bound_sessions_left"].number() == static_cast<double>(on_b.size()));
    CHECK(st["drain"]["empty_since"].isNull());
  }
  {
    ProxyFixture proxy(loadFile(path));  // the file now says drain
    const Json st = proxy.backendStatus("b");
    CHECK(st["state"].str() == "draining");
    CHECK(st["admin_state"].str() == "drain");
    CHECK(st["drain"].isObject());
    TestClient client = proxy.connect();
    for (int i = 0; i < 10; ++i) CHECK(login(client).backend == "a");
    REQUIRE(eventually([&] { return proxy.backendStatus("b")["drain"]["empty_since"].isString(); }, 2s));
  }
}

} // namespace
} // namespace tether::test
