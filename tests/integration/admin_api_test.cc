// The admin listener with real sockets: /metrics is valid Prometheus text that counts the traffic
// that went through, /status has the documented shape, the token is enforced, unknown paths and
// wrong methods are refused, and none of it is reachable through the proxy listener.
#include <catch2/catch.hpp>

#include <set>
#include <thread>

#include "tests/support/eventually.h"
#include "tests/support/proxy_fixture.h"
#include "tests/support/test_macros.h"

namespace tether::test {
namespace {

using namespace std::chrono_literals;

config::Config stickyAdminConfig(std::initializer_list<const FakeUpstream*> upstreams,
                                 std::string token = {}) {
  auto cfg = ProxyFixture::configFor(upstreams);
  ProxyFixture::stickByHeader(cfg, "X-Session");
  ProxyFixture::enableAdmin(cfg, std::move(token));
  return cfg;
}

double sumOf(const PromParseResult& m, const std::string& name,
             const std::map<std::string, std::string>& must_match = {}) {
  double total = 0;
  for (const auto* s : m.all(name)) {
    bool match = true;
    for (const auto& [k, v] : must_match) {
      auto it = s->labels.find(k);
      match = match && it != s->labels.end() && it->second == v;
    }
    if (match) total += s->value;
  }
  return total;
}

TEST_CASE("GET /metrics is valid Prometheus text with every family and the traffic's counts",
          "[integration][admin]") {
  // Given a and b on a ring with a stick table, and traffic of known shape (12 sessions: a first
  // request placed, 2 more bound; a 404 from the backend; one malformed request answered by
  // tether itself), expect /metrics to pass the strict parser, to have every family
  // metrics_page.cc writes with its type and help, and values that add up: requests by
  // backend/class/reason equal what each upstream received, the latency histogram counts every
  // exchange, sessions and table entries equal the keys, states and gauges plausible.
  FakeUpstream a("a"), b("b");
  for (auto* u : {&a, &b}) {
    u->setResponder([](const RecordedRequest& r) {
      return r.target == "/missing" ? Behavior::respond(404, "no") : Behavior::respond(200, "ok");
    });
  }
  ProxyFixture proxy(stickyAdminConfig({&a, &b}));

  {
    auto m = proxy.metrics();
    CHECK(m.value("tether_request_duration_seconds_count") == 0);
  }

  TestClient client = proxy.connect();
  constexpr int kKeys = 12, kPerKey = 3;
  for (int i = 0; i < kKeys; ++i) {
    for (int j = 0; j < kPerKey; ++j) {
      REQUIRE_COMPLETE(r, client,
                       roundTrip(buildRequest("GET", "/p", {{"X-Session", "s" + std::to_string(i)}})));
      REQUIRE(r->status == 200);
    }
  }
  {
    REQUIRE_COMPLETE(r, client, roundTrip(buildRequest("GET", "/missing", {{"X-Session", "s0"}})));
    REQUIRE(r->status == 404);
  }
  {
    TestClient bad = proxy.connect();
    REQUIRE_COMPLETE(r, bad, roundTrip("GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n"));
    REQUIRE(r->status == 400);
  }
  constexpr double kRouted = kKeys * kPerKey + 1;
  constexpr double kAll = kRouted + 1;

  // Exchanges are counted when they end, which may be just after the client read the response.
  PromParseResult m;
  REQUIRE(eventually(
      [&] {
        m = proxy.metrics();
        return m.value("tether_request_duration_seconds_count") == kAll;
      },
      2s));

  const std::map<std::string, std::string> families = {
      {"tether_requests_total", "counter"},
      {"tether_unrouted_requests_total", "counter"},
      {"tether_backend_errors_total", "counter"},
      {"tether_rebinds_total", "counter"},
      {"tether_bound_sessions", "gauge"},
      {"tether_backend_state", "gauge"},
      {"tether_health_transitions_total", "counter"},
      {"tether_in_flight_requests", "gauge"},
      {"tether_slow_start_share", "gauge"},
      {"tether_upstream_pool_connections", "gauge"},
      {"tether_client_connections", "gauge"},
      {"tether_request_duration_seconds", "histogram"},
      {"tether_reloads_total", "counter"},
      {"tether_config_version", "gauge"},
      {"tether_load_imbalance", "gauge"},
      {"tether_stick_table_entries", "gauge"},
      {"tether_stick_table_evictions_total", "counter"},
  };
  for (const auto& [name, type] : families) {
    INFO("family " << name);
    auto it = m.families.find(name);
    REQUIRE(it != m.families.end());
    CHECK(it->second.type == type);
    CHECK_FALSE(it->second.help.empty());
  }
  for (const auto& s : m.samples) {
    INFO("sample " << s.name << " at line " << s.line);
    CHECK_THAT(s.name, Catch::StartsWith("tether_"));
  }

  // Requests by backend, class and reason.
  for (auto* u : {&a, &b}) {
    INFO("backend " << u->name());
    const double received = static_cast<double>(u->requestCount());
    CHECK(sumOf(m, "tether_requests_total", {{"backend", u->name()}}) == received);
    CHECK(m.value("tether_bound_sessions", {{"backend", u->name()}}) >= 1);
    CHECK(m.value("tether_backend_state", {{"backend", u->name()}, {"state", "ready"}}) == 1);
    for (const char* st : {"down", "draining", "maintenance"}) {
      CHECK(m.value("tether_backend_state", {{"backend", u->name()}, {"state", st}}) == 0);
    }
    CHECK(m.value("tether_backend_errors_total", {{"backend", u->name()}}) == 0);
    CHECK(m.value("tether_slow_start_share", {{"backend", u->name()}}) == 1);
    CHECK(m.value("tether_health_transitions_total", {{"backend", u->name()}, {"to", "down"}}) == 0);
  }
  CHECK(sumOf(m, "tether_requests_total") == kRouted);
  CHECK(sumOf(m, "tether_requests_total", {{"reason", "placed_primary"}}) == kKeys);
  CHECK(sumOf(m, "tether_requests_total", {{"reason", "bound_table"}}) == kKeys * (kPerKey - 1) + 1);
  CHECK(sumOf(m, "tether_requests_total", {{"class", "2xx"}}) == kKeys * kPerKey);
  CHECK(sumOf(m, "tether_requests_total", {{"class", "4xx"}}) == 1);
  CHECK(m.value("tether_unrouted_requests_total", {{"class", "4xx"}}) == 1);
  CHECK(sumOf(m, "tether_unrouted_requests_total") == 1);
  CHECK(sumOf(m, "tether_rebinds_total") == 0);
  CHECK(sumOf(m, "tether_bound_sessions") == kKeys);
  CHECK(m.value("tether_stick_table_entries") == kKeys);
  CHECK(m.value("tether_stick_table_evictions_total") == 0);

  // The histogram: every exchange, a positive sum, +Inf bucket = count.
  CHECK(m.value("tether_request_duration_seconds_bucket", {{"le", "+Inf"}}) == kAll);
  CHECK(m.value("tether_request_duration_seconds_sum").value_or(0) > 0);
  CHECK(m.all("tether_request_duration_seconds_bucket").size() >= 5);

  // Gauges of a quiet proxy with one client still connected.
  REQUIRE(eventually(
      [&] {
        m = proxy.metrics();
        return sumOf(m, "tether_in_flight_requests") == 0;
      },
      2s));
  CHECK(sumOf(m, "tether_client_connections") >= 1);
  CHECK(sumOf(m, "tether_upstream_pool_connections", {{"state", "open"}}) >= 1);
  CHECK(sumOf(m, "tether_upstream_pool_connections", {{"state", "idle"}}) <=
        sumOf(m, "tether_upstream_pool_connections", {{"state", "open"}}));
  CHECK(m.value("tether_load_imbalance", {{"metric", "sessions"}}).value_or(0) >= 1);
  CHECK(m.value("tether_config_version") == 1);
  CHECK(m.value("tether_reloads_total", {{"result", "ok"}}) == 0);
  CHECK(m.value("tether_reloads_total", {{"result", "failed"}}) == 0);

  auto raw = proxy.adminGet("/metrics");
  CHECK_THAT(raw.headers.get("Content-Type").value_or(""), Catch::StartsWith("text/plain"));
  CHECK_THAT(raw.headers.get("Content-Type").value_or(""), Catch::Contains("version=0.0.4"));
}

TEST_CASE("GET /status has the documented shape", "[integration][admin]") {
  // Given a and b (b drained) and one request, expect /status as JSON with version, config_file,
  // workers, reloads {ok, failed, last, last_errors} and per backend name, address, state,
  // admin_state, weight, bound_sessions, in_flight, requests, errors, last_state_change,
  // health {active, passive}, slow_start_share, and a drain object only for b.
  FakeUpstream a("a"), b("b");
  ProxyFixture proxy(stickyAdminConfig({&a, &b}));
  REQUIRE(proxy.adminPost("/backends/b/drain").status == 200);
  {
    TestClient c = proxy.connect();
    REQUIRE_COMPLETE(r, c, roundTrip(buildRequest("GET", "/", {{"X-Session", "one"}})));
    CHECK(r->headers.get("X-Upstream") == "a");
  }
  auto raw = proxy.adminGet("/status");
  CHECK_THAT(raw.headers.get("Content-Type").value_or(""), Catch::StartsWith("application/json"));
  CHECK(raw.headers.get("Cache-Control") == "no-store");
  const Json s = proxy.status();
  CHECK(s["version"].number() == 1);
  CHECK(s["config_file"].isString());
  CHECK(s["workers"].number() == 1);
  CHECK(s["reloads"]["ok"].number() == 0);
  CHECK(s["reloads"]["failed"].number() == 0);
  CHECK(s["reloads"]["last"].isNull());
  CHECK(s["reloads"]["last_errors"].isArray());
  REQUIRE(s["backends"].size() == 2);
  for (const auto& be : s["backends"].items()) {
    const std::string name = be["name"].str();
    INFO("backend " << name);
    CHECK((name == "a" || name == "b"));
    const uint16_t port = name == "a" ? a.port() : b.port();
    CHECK(be["address"].str() == "127.0.0.1:" + std::to_string(port));
    CHECK(be["weight"].number() == 1);
    CHECK(be["bound_sessions"].number() == (name == "a" ? 1 : 0));
    CHECK(be["in_flight"].isNumber());
    CHECK(be["requests"].number() == (name == "a" ? 1 : 0));
    CHECK(be["errors"].number() == 0);
    CHECK(be["last_state_change"].isString());
    CHECK(be["health"]["active"]["enabled"].isBool());
    CHECK(be["health"]["active"]["up"].boolean());
    CHECK(be["health"]["passive"]["enabled"].isBool());
    CHECK_FALSE(be["health"]["passive"]["ejected"].boolean());
    CHECK(be["health"]["passive"]["ejected_until"].isNull());
    CHECK(be["health"]["passive"]["ejections"].number() == 0);
    CHECK(be["slow_start_share"].number() == 1);
    if (name == "a") {
      CHECK(be["state"].str() == "ready");
      CHECK(be["admin_state"].str() == "ready");
      CHECK_FALSE(be.has("drain"));
    } else {
      CHECK(be["state"].str() == "draining");
      CHECK(be["admin_state"].str() == "drain");
      CHECK(be["drain"]["since"].isString());
      CHECK(be["drain"]["policy"].str() == "keep");
      CHECK_FALSE(be["drain"]["timed_out"].boolean());
      CHECK(be["drain"]["bound_sessions_left"].number() == 0);
      CHECK(be["drain"]["in_flight"].number() == 0);
      CHECK(be["drain"].has("empty_since"));
    }
  }
  // HEAD is a GET without the body.
  TestClient c(proxy.adminPort());
  REQUIRE_READ(head, c, roundTrip(buildRequest("HEAD", "/status")));
  CHECK(head->status == 200);
  CHECK(head->body.empty());
}

TEST_CASE("Admin token: no header or a wrong token is 401, the right one 200", "[integration][admin]") {
  // Given admin.token set, expect every endpoint to answer 401 with WWW-Authenticate: Bearer and a
  // closed connection without the header or with a wrong token (including a drain, which must not
  // happen), and 200 with `Authorization: Bearer <token>` (scheme case-insensitive).
  const std::string token = "s3cret-token-0123456789";
  FakeUpstream a("a");
  ProxyFixture proxy(stickyAdminConfig({&a}, token));

  for (const char* path : {"/status", "/metrics"}) {
    INFO(path);
    auto none = proxy.admin("GET", path, {}, /*with_token=*/false);
    CHECK(none.status == 401);
    CHECK_THAT(none.headers.get("WWW-Authenticate").value_or(""), Catch::StartsWith("Bearer"));
    CHECK(none.body.find("s3cret") == std::string::npos);
    CHECK(proxy.admin("GET", path, {{"Authorization", "Bearer wrong-token-0123456789"}}).status == 401);
    CHECK(proxy.admin("GET", path, {{"Authorization", "Bearer " + token + "x"}}).status == 401);
    CHECK(proxy.admin("GET", path, {{"Authorization", "Basic " + token}}).status == 401);
    CHECK(proxy.admin("GET", path, {{"Authorization", token}}).status == 401);
    CHECK(proxy.admin("GET", path).status == 200);
    CHECK(proxy.admin("GET", path, {{"Authorization", "bearer " + token}}).status == 200);
  }
  CHECK(proxy.admin("POST", "/backends/a/drain", {}, false).status == 401);
  CHECK(proxy.admin("POST", "/backends/a/drain", {{"Authorization", "Bearer nope-nope-nope-nope"}}).status == 401);
  CHECK(proxy.admin("POST", "/reload", {}, false).status == 401);
  CHECK(proxy.backendStatus("a")["state"].str() == "ready");

  // The connection is closed after a 401.
  TestClient c(proxy.adminPort());
  REQUIRE_READ(r, c, roundTrip(buildRequest("GET", "/status")));
  CHECK(r->status == 401);
  CHECK(c.isClosedByPeer());
}

TEST_CASE("The admin API is not reachable through the proxy listener", "[integration][admin]") {
  // Given tether with the admin API on its own port, expect GET /status, GET /metrics and
  // POST /backends/a/drain sent to the PROXY port to be proxied to the backend like any request
  // (X-Upstream, the backend's body, the backend saw them) and never acted on: a stays ready.
  FakeUpstream a("a");
  a.setBehavior(Behavior::respond(200, "from the app"));
  ProxyFixture proxy(stickyAdminConfig({&a}));
  REQUIRE(proxy.adminPort() != 0);
  CHECK(proxy.adminPort() != proxy.port());
  TestClient c = proxy.connect();
  for (const char* method_path : {"GET /status", "GET /metrics", "POST /backends/a/drain", "POST /reload"}) {
    const std::string mp = method_path;
    const auto space = mp.find(' ');
    const std::string method = mp.substr(0, space), path = mp.substr(space + 1);
    INFO(method << " " << path << " on the proxy port");
    REQUIRE_COMPLETE(r, c, roundTrip(buildRequest(method, path, {{"Content-Length", "0"}})));
    CHECK(r->status == 200);
    CHECK(r->headers.get("X-Upstream") == "a");
    CHECK(r->body == "from the app");
  }
  REQUIRE(a.waitForRequests(4, 2s));
  std::set<std::string> targets;
  for (const auto& req : a.requests()) targets.insert(req.target);
  CHECK(targets == std::set<std::string>{"/status", "/metrics", "/backends/a/drain", "/reload"});
  const Json s = proxy.status();
  CHECK(s["backends"][0]["state"].str() == "ready");
  CHECK(s["reloads"]["ok"].number() + s["reloads"]["failed"].number() == 0);
}

TEST_CASE("Admin API: 404 for unknown paths, 405 with Allow for wrong methods", "[integration][admin]") {
  // Given the admin API, expect unknown paths to be 404 with a JSON error, and a known path with
  // the wrong method to be 405 with a JSON error and an Allow header naming the right method
  // (RFC 9110 §15.5.6; admin_api.h documents "405 with Allow").
  FakeUpstream a("a");
  ProxyFixture proxy(stickyAdminConfig({&a}));
  for (const char* path : {"/", "/nope", "/status/", "/statusx", "/backends", "/backends/a",
                           "/backends//drain", "/metrics/x"}) {
    auto r = proxy.adminGet(path);
    INFO("GET " << path << " -> " << r.status << " " << r.body);
    CHECK(r.status == 404);
    auto body = Json::parse(r.body);
    CHECK((body && (*body)["error"].isString()));
  }
  struct Wrong {
    const char* method;
    const char* path;
    const char* allowed;
  };
  for (const Wrong& w : {Wrong{"POST", "/status", "GET"}, Wrong{"DELETE", "/status", "GET"},
                         Wrong{"PUT", "/metrics", "GET"}, Wrong{"GET", "/reload", "POST"},
                         Wrong{"GET", "/backends/a/drain", "POST"},
                         Wrong{"DELETE", "/backends/a/maintenance", "POST"}}) {
    auto r = proxy.admin(w.method, w.path, {{"Content-Length", "0"}});
    INFO(w.method << " " << w.path << " -> " << r.status << " " << r.body);
    CHECK(r.status == 405);
    auto body = Json::parse(r.body);
    CHECK((body && (*body)["error"].isString()));
    CHECK_THAT(r.headers.get("Allow").value_or("(none)"), Catch::Contains(w.allowed));
  }
  // None of those acted.
  CHECK(proxy.backendStatus("a")["state"].str() == "ready");
  CHECK(proxy.status()["reloads"]["failed"].number() == 0);
}

} // namespace
} // namespace tether::test
