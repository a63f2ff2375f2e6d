// Health with real sockets: active probes (fall / rise counted exactly, only the failed backend's
// sessions move and do not flap back), passive ejection from real traffic (with doubling), and
// slow start after a recovery. State is read the way an operator reads it: GET /status and
// GET /metrics on the admin listener.
#include <catch2/catch.hpp>

#include <atomic>
#include <ctime>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "health/clock.h"
#include "tests/support/eventually.h"
#include "tests/support/proxy_fixture.h"
#include "tests/support/test_macros.h"

namespace tether::test {
namespace {

using namespace std::chrono_literals;

// "2026-11-26T06:00:00.123Z" -> Unix milliseconds; -1 when it is not that shape.
int64_t parseRfc3339Ms(const std::string& s) {
  tm t{};
  int ms = 0;
  char z = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3d%c", &t.tm_year, &t.tm_mon, &t.tm_mday,
                  &t.tm_hour, &t.tm_min, &t.tm_sec, &ms, &z) != 8 || z != 'Z') {
    return -1;
  }
  t.tm_year -= 1900;
  t.tm_mon -= 1;
  return static_cast<int64_t>(timegm(&t)) * 1000 + ms;
}

// Ring placement keyed by X-Session, bindings in the stick table, admin API on.
config::Config stickyConfig(std::initializer_list<const FakeUpstream*> upstreams) {
  auto cfg = ProxyFixture::configFor(upstreams);
  ProxyFixture::stickByHeader(cfg, "X-Session");
  ProxyFixture::enableAdmin(cfg);
  return cfg;
}

// Probes every 100 ms with a timeout well above a loopback round trip under sanitizers, so a
// healthy FakeUpstream never fails one; no jitter, so the schedule is predictable.
config::ActiveHealthConfig fastProbes(uint32_t rise, uint32_t fall) {
  config::ActiveHealthConfig a;
  a.enabled = true;
  a.type = config::ActiveHealthConfig::Type::Http;
  a.path = "/health";
  a.interval = 100ms;
  a.timeout = 80ms;
  a.rise = rise;
  a.fall = fall;
  a.jitter_percent = 0;
  return a;
}

// The X-Upstream that answered one request of session `key`; REQUIREs a 200.
std::string visit(TestClient& c, const std::string& key) {
  INFO("session " << key);
  REQUIRE_COMPLETE(r, c, roundTrip(buildRequest("GET", "/page", {{"X-Session", key}})));
  REQUIRE(r->status == 200);
  return r->headers.get("X-Upstream").value_or("");
}

std::map<std::string, std::string> visitAll(TestClient& c, const std::vector<std::string>& keys) {
  std::map<std::string, std::string> where;
  for (const auto& k : keys) where[k] = visit(c, k);
  return where;
}

std::vector<std::string> keysWithPrefix(const std::string& prefix, int n) {
  std::vector<std::string> keys;
  for (int i = 0; i < n; ++i) keys.push_back(prefix + std::to_string(i));
  return keys;
}

// A FakeUpstream responder whose /health answers 503 while `failing` is set, logging each probe
// answer (true = passed) in order; everything else gets 200.
struct ProbeScript {
  std::atomic<bool> failing{false};
  mutable std::mutex mu;
  std::vector<bool> answers;

  FakeUpstream::Responder responder() {
    return [this](const RecordedRequest& r) {
      if (r.target != "/health") return Behavior::respond(200, "page");
      const bool fail = failing.load();
      {
        std::lock_guard lock(mu);
        answers.push_back(!fail);
      }
      return Behavior::respond(fail ? 503 : 200, fail ? "sick" : "healthy");
    };
  }
  std::vector<bool> snapshot() const {
    std::lock_guard lock(mu);
    return answers;
  }
};

// The documented rule (docs/configuration-health.md): start up; down after `fall` failures in a
// row, up again after `rise` passes in a row; a result of the other kind resets the run.
bool modelUp(const std::vector<bool>& answers, size_t count, uint32_t rise, uint32_t fall) {
  bool up = true;
  uint32_t ok_run = 0, fail_run = 0;
  for (size_t i = 0; i < count && i < answers.size(); ++i) {
    if (answers[i]) {
      ++ok_run;
      fail_run = 0;
      if (!up && ok_run >= rise) up = true;
    } else {
      ++fail_run;
      ok_run = 0;
      if (up && fail_run >= fall) up = false;
    }
  }
  return up;
}

TEST_CASE("Active checks: down after exactly fall failed probes, up after rise; only its sessions move",
          "[integration][health]") {
  // Given a, b, c on a ring with a stick table and HTTP probes (rise 2, fall 3) and 60 sessions
  // spread over them, when b's /health starts answering 503, expect /status to show b down exactly
  // when its probe history has 3 failures in a row (checked against every /status snapshot: the
  // probe count and the state are read together on the control loop), b's sessions re-placed on
  // a or c and nobody else's moved; when /health passes again, b up after exactly 2 passing
  // probes, b's old sessions staying where they were re-placed (no flap-back) while new keys
  // reach b again.
  constexpr uint32_t kRise = 2, kFall = 3;
  ProbeScript script;
  FakeUpstream a("a"), b("b"), c("c");
  b.setResponder(script.responder());
  auto cfg = stickyConfig({&a, &b, &c});
  cfg.health.active = fastProbes(kRise, kFall);
  ProxyFixture proxy(cfg);

  REQUIRE(eventually([&] { return proxy.backendStatus("b")["health"]["active"]["probes"].number() >= 1; }, 2s));
  TestClient client = proxy.connect();
  const auto keys = keysWithPrefix("k", 60);
  const auto before = visitAll(client, keys);
  std::vector<std::string> on_b;
  for (const auto& [k, backend] : before) {
    if (backend == "b") on_b.push_back(k);
  }
  INFO(on_b.size() << " of 60 sessions on b");
  REQUIRE(on_b.size() >= 5);  // ring share ~1/3; far below that means the setup is wrong

  // Every /status snapshot must agree with the model applied to the probes counted so far.
  std::string mismatch;
  auto checkedState = [&]() {
    const Json st = proxy.backendStatus("b");
    const auto probes = static_cast<size_t>(st["health"]["active"]["probes"].number());
    const auto answers = script.snapshot();
    const std::string state = st["state"].str();
    const bool model = modelUp(answers, probes, kRise, kFall);
    if (mismatch.empty() && (probes > answers.size() || (state == "ready") != model ||
                             st["health"]["active"]["up"].boolean() != model)) {
      mismatch = "probes=" + std::to_string(probes) + " answers logged=" +
                 std::to_string(answers.size()) + " state=" + state + " model up=" +
                 (model ? "true" : "false");
    }
    return state;
  };

  script.failing = true;
  const auto fail_start = Clock::now();
  REQUIRE(eventually([&] { return checkedState() == "down"; }, 3s));
  INFO("went down after " << msSince(fail_start) << " ms");
  CHECK(mismatch.empty());
  CAPTURE(mismatch);
  {
    const Json st = proxy.backendStatus("b");
    CHECK(st["health"]["active"]["enabled"].boolean());
    CHECK_FALSE(st["health"]["active"]["up"].boolean());
    CHECK_FALSE(st["health"]["active"]["detail"].str().empty());
  }

  const auto during = visitAll(client, keys);
  for (const auto& [k, backend] : during) {
    INFO("session " << k << " was on " << before.at(k) << ", now on " << backend);
    if (before.at(k) == "b") {
      CHECK(backend != "b");
    } else {
      CHECK(backend == before.at(k));
    }
  }

  script.failing = false;
  REQUIRE(eventually([&] { return checkedState() == "ready"; }, 3s));
  CHECK(mismatch.empty());
  CHECK(proxy.backendStatus("b")["health"]["active"]["up"].boolean());

  const auto after = visitAll(client, keys);
  for (const auto& [k, backend] : after) {
    INFO("session " << k << ": before " << before.at(k) << ", during " << during.at(k));
    CHECK(backend == during.at(k));  // no flap-back for the re-placed ones, nobody else moved
  }
  const auto fresh = visitAll(client, keysWithPrefix("new", 60));
  int fresh_on_b = 0;
  for (const auto& [k, backend] : fresh) fresh_on_b += backend == "b" ? 1 : 0;
  CHECK(fresh_on_b >= 5);

  auto m = proxy.metrics();
  CHECK(m.value("tether_rebinds_total", {{"cause", "backend_down"}}) ==
        static_cast<double>(on_b.size()));
  CHECK(m.value("tether_health_transitions_total", {{"backend", "b"}, {"to", "down"}}) == 1);
  CHECK(m.value("tether_health_transitions_total", {{"backend", "b"}, {"to", "ready"}}) == 1);
  // The healthy ones never wavered (a probe timeout would have shown here).
  CHECK(m.value("tether_health_transitions_total", {{"backend", "a"}, {"to", "down"}}) == 0);
  CHECK(m.value("tether_health_transitions_total", {{"backend", "c"}, {"to", "down"}}) == 0);
}

TEST_CASE("Active checks: a stopped backend goes down on failed connects (tcp)", "[integration][health]") {
  // Given a tcp check (fall 2) and backend b whose server is stopped, expect /status to show b
  // down with a non-empty probe detail within a bounded time, and every request served by a.
  FakeUpstream a("a");
  auto b = std::make_unique<FakeUpstream>("b");
  auto cfg = stickyConfig({&a, b.get()});
  cfg.health.active = fastProbes(1, 2);
  cfg.health.active.type = config::ActiveHealthConfig::Type::Tcp;
  ProxyFixture proxy(cfg);
  b->stop();
  REQUIRE(eventually([&] { return proxy.backendStatus("b")["state"].str() == "down"; }, 3s));
  const Json st = proxy.backendStatus("b");
  CHECK(st["health"]["active"]["probes"].number() >= 2);
  CHECK_FALSE(st["health"]["active"]["detail"].str().empty());
  CHECK(proxy.backendStatus("a")["state"].str() == "ready");
  TestClient client = proxy.connect();
  for (const auto& [k, backend] : visitAll(client, keysWithPrefix("t", 20))) {
    INFO("session " << k);
    CHECK(backend == "a");
  }
}

TEST_CASE("Passive checks: 3 failures eject, the ejection ends, a second one lasts twice as long",
          "[integration][health]") {
  // Given round robin over a (always 502) and b, and passive checks (3 failures, eject_for 300ms),
  // expect a ejected right after its 3rd 502 (/status: down, passive.ejected, ejections 1, an
  // ejection of 300 ms), requests meanwhile all on b, a back after about 300 ms; then after 3 more
  // 502s a second ejection twice as long (600 ms), because no success came in between.
  FakeUpstream a("a"), b("b");
  a.setBehavior(Behavior::respond(502, "bad gateway"));
  auto cfg = ProxyFixture::configFor({&a, &b});
  cfg.health.passive.enabled = true;
  cfg.health.passive.consecutive_failures = 3;
  cfg.health.passive.eject_for = 300ms;
  cfg.health.passive.max_eject_for = 10s;
  ProxyFixture::enableAdmin(cfg);
  ProxyFixture proxy(cfg);
  TestClient client = proxy.connect();

  // Sends requests until a has received `n` in total; returns when the last of them was answered.
  auto driveUntilA = [&](size_t n) {
    for (int i = 0; i < 40 && a.requestCount() < n; ++i) {
      REQUIRE_COMPLETE(r, client, roundTrip(buildRequest("GET", "/work")));
      const auto from = r->headers.get("X-Upstream").value_or("");
      CHECK(r->status == (from == "a" ? 502 : 200));
    }
    REQUIRE(a.requestCount() == n);
    return Clock::now();
  };
  auto checkEjected = [&](uint32_t ejections, int64_t length_ms) {
    const Json st = proxy.backendStatus("a");
    const int64_t wall = health::wallMs();
    INFO(st["health"]["passive"]["ejected_until"].str() << " / last change "
                                                         << st["last_state_change"].str());
    CHECK(st["state"].str() == "down");
    CHECK(st["health"]["passive"]["enabled"].boolean());
    CHECK(st["health"]["passive"]["ejected"].boolean());
    CHECK(st["health"]["passive"]["ejections"].number() == ejections);
    CHECK(st["health"]["passive"]["consecutive_failures"].number() == 0);
    const int64_t until = parseRfc3339Ms(st["health"]["passive"]["ejected_until"].str());
    const int64_t since = parseRfc3339Ms(st["last_state_change"].str());
    REQUIRE(until > 0);
    REQUIRE(since > 0);
    CHECK(until - since == length_ms);
    // The ejection started a moment ago (this very request), so it ends about `length_ms` from
    // now as wall clocks go; /status is what an operator reads to know when.
    CHECK(since >= wall - 100);
    CHECK(since <= wall + 5);
    CHECK(until >= wall);
    CHECK(until <= wall + length_ms + 5);
  };
  auto waitReady = [&](Clock::time_point from) {
    REQUIRE(eventually([&] { return proxy.backendStatus("a")["state"].str() == "ready"; }, 3s, 5ms));
    return msSince(from);
  };

  auto ejected_at = driveUntilA(3);
  checkEjected(1, 300);
  for (int i = 0; i < 4; ++i) {
    REQUIRE_COMPLETE(r, client, roundTrip(buildRequest("GET", "/meanwhile")));
    CHECK(r->headers.get("X-Upstream") == "b");
  }
  CHECK(a.requestCount() == 3);
  const double first = waitReady(ejected_at);
  CHECK(first >= 250);
  CHECK(first <= 1500);
  CHECK_FALSE(proxy.backendStatus("a")["health"]["passive"]["ejected"].boolean());

  ejected_at = driveUntilA(6);
  checkEjected(2, 600);
  const double second = waitReady(ejected_at);
  CHECK(second >= 550);
  CHECK(second <= 2000);
  CHECK(second > first);

  auto m = proxy.metrics();
  CHECK(m.value("tether_health_transitions_total", {{"backend", "a"}, {"to", "down"}}) == 2);
  CHECK(m.value("tether_backend_errors_total", {{"backend", "b"}}) == 0);
}

TEST_CASE("Slow start: a recovered backend gets few new sessions at first, its full share later",
          "[integration][health]") {
  // Given a, b, c on a ring, health.slow_start 2s and probes (rise 1, fall 1), when c fails a
  // probe and then passes again, expect /status slow_start_share of c near 0 right after it is
  // ready, c receiving under 25% of its fair third of the new sessions placed in the first 200 ms
  // (4 clients in parallel), and, once the share reached 1, more than 60% of its fair third.
  ProbeScript script;
  FakeUpstream a("a"), b("b"), c("c");
  c.setResponder(script.responder());
  auto cfg = stickyConfig({&a, &b, &c});
  cfg.workers = 2;
  cfg.health.active = fastProbes(1, 1);
  cfg.health.slow_start = 2s;
  ProxyFixture proxy(cfg);

  CHECK(proxy.backendStatus("c")["slow_start_share"].number() == 1.0);  // the first config: no ramp
  script.failing = true;
  REQUIRE(eventually([&] { return proxy.backendStatus("c")["state"].str() == "down"; }, 3s));
  script.failing = false;
  Json ready_status;
  REQUIRE(eventually(
      [&] {
        ready_status = proxy.backendStatus("c");
        return ready_status["state"].str() == "ready";
      },
      3s, 2ms));
  const auto ready_at = Clock::now();
  const double share0 = ready_status["slow_start_share"].number();
  CHECK(share0 >= 0.0);
  CHECK(share0 < 0.25);

  // New sessions from 4 clients until 200 ms after c was seen ready. No Catch2 macros off the
  // main thread: counts only.
  constexpr int kThreads = 4;
  std::atomic<int> total{0}, on_c{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      TestClient cl(proxy.port());
      for (int i = 0; Clock::now() - ready_at < 200ms && i < 10000; ++i) {
        auto r = cl.roundTrip(
            buildRequest("GET", "/", {{"X-Session", "early-" + std::to_string(t) + "-" + std::to_string(i)}}));
        if (!r || r->status != 200) {
          ++failed;
          return;
        }
        ++total;
        on_c += r->headers.get("X-Upstream") == "c" ? 1 : 0;
      }
    });
  }
  for (auto& th : threads) th.join();
  INFO(on_c.load() << " of " << total.load() << " early sessions on c");
  CHECK(failed == 0);
  REQUIRE(total >= 40);  // enough to judge a share
  CHECK(on_c < 0.25 * total / 3.0);

  // The ramp goes up, then reaches 1 about 2 s after the recovery.
  double last_share = share0;
  bool monotonic = true;
  REQUIRE(eventually(
      [&] {
        const double s = proxy.backendStatus("c")["slow_start_share"].number();
        monotonic = monotonic && s >= last_share;
        last_share = s;
        return s >= 1.0;
      },
      4s, 50ms));
  CHECK(monotonic);
  // c turned ready share0 * 2 s before ready_at; the ramp ends 2 s after that.
  CHECK(msSince(ready_at) >= 2000 * (1 - share0) - 100);
  CHECK(proxy.metrics().value("tether_slow_start_share", {{"backend", "c"}}) == 1.0);

  TestClient client = proxy.connect();
  int late_on_c = 0;
  constexpr int kLate = 300;
  for (const auto& [k, backend] : visitAll(client, keysWithPrefix("late", kLate))) {
    late_on_c += backend == "c" ? 1 : 0;
  }
  INFO(late_on_c << " of " << kLate << " later sessions on c");
  CHECK(late_on_c > 0.6 * kLate / 3.0);
}

} // namespace
} // namespace tether::test
