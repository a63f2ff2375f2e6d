// Upstream faults map to 502/504 (the one status-mapping table in proxy/), and one failure never
// disturbs other requests: after each fault a fresh connection is served normally, and a healthy
// request in flight during a hang completes.
#include <catch2/catch.hpp>

#include "tests/support/proxy_fixture.h"
#include "tests/support/test_macros.h"

namespace tether::test {
namespace {

using namespace std::chrono_literals;
using Action = Behavior::Action;

constexpr Millis kShortUpstreamTimeout = 300ms;

// A fresh client connection gets a normal answer from `up` (now healthy).
void checkHealthyAfterFault(const ProxyFixture& proxy, FakeUpstream& up) {
  up.setBehavior(Behavior::respond(200, "healthy"));
  TestClient fresh = proxy.connect();
  REQUIRE_COMPLETE(r, fresh, roundTrip(buildRequest("GET", "/after-fault")));
  CHECK(r->status == 200);
  CHECK(r->body == "healthy");
}

TEST_CASE("Upstream faults map to 502 and do not disturb later requests", "[integration]") {
  // Given an upstream that (persistently, so retries cannot hide it) closes without answering,
  // resets, or answers with non-HTTP bytes, expect 502 well before upstream_response runs out,
  // then a normal 200 on a new client connection once the upstream behaves.
  auto [name, action] = GENERATE(table<std::string, Action>({
      {"close without response", Action::Close},
      {"reset", Action::Reset},
      {"garbage response", Action::Garbage},
  }));
  CAPTURE(name);
  FakeUpstream up("alpha");
  up.setBehavior(Behavior::of(action));
  ProxyFixture proxy(ProxyFixture::configFor({&up}));  // upstream_response 3 s
  TestClient c = proxy.connect();
  auto start = Clock::now();
  REQUIRE_COMPLETE(r, c, roundTrip(buildRequest("GET", "/fault")));
  CHECK(r->status == 502);
  CHECK(Clock::now() - start < 2s);
  CHECK(up.requestCount() >= 1);
  checkHealthyAfterFault(proxy, up);
}

TEST_CASE("A refused upstream connection maps to 502", "[integration]") {
  // Given the only backend's port refusing connections, expect 502 quickly; then, once a healthy
  // upstream listens on that port, a new client connection is served (tether did not give up on
  // the backend for good after one refusal).
  uint16_t port = refusedPort();
  REQUIRE(port != 0);
  auto cfg = ProxyFixture::makeConfig({ProxyFixture::backendAt("alpha", port)});
  ProxyFixture proxy(cfg);
  {
    TestClient c = proxy.connect();
    auto start = Clock::now();
    REQUIRE_COMPLETE(r, c, roundTrip(buildRequest("GET", "/refused")));
    CHECK(r->status == 502);
    CHECK(Clock::now() - start < 2s);
  }
  FakeUpstream up("alpha", port);
  REQUIRE(up.listening());
  TestClient fresh = proxy.connect();
  REQUIRE_COMPLETE(r, fresh, roundTrip(buildRequest("GET", "/now-up")));
  CHECK(r->status == 200);
  CHECK(r->headers.get("X-Upstream") == "alpha");
}

TEST_CASE("An upstream slower than upstream_response maps to 504", "[integration]") {
  // Given upstream_response 300 ms and an upstream that hangs or answers only after 2 s, expect
  // 504 within ~1 s; then a new client connection is served normally.
  auto behavior = GENERATE(as<std::string>{}, "hang", "delay");
  CAPTURE(behavior);
  FakeUpstream up("alpha");
  Behavior slow = Behavior::of(Action::Hang);
  if (behavior == "delay") {
    slow = Behavior::respond(200, "too late");
    slow.delay = 2s;
  }
  up.setBehavior(slow);
  auto cfg = ProxyFixture::configFor({&up});
  cfg.timeouts.upstream_response = kShortUpstreamTimeout;
  ProxyFixture proxy(cfg);
  TestClient c = proxy.connect();
  auto start = Clock::now();
  REQUIRE_COMPLETE(r, c, roundTrip(buildRequest("GET", "/slow")));
  auto elapsed = Clock::now() - start;
  CHECK(r->status == 504);
  CHECK(elapsed >= kShortUpstreamTimeout / 2);
  CHECK(elapsed < 1500ms);
  checkHealthyAfterFault(proxy, up);
}

TEST_CASE("A healthy request completes while another hangs", "[integration]") {
  // Given one upstream that hangs on /hang and answers /ok at once, and upstream_response 1 s:
  // start /hang, wait until the upstream has it, then send /ok on another connection. Expect /ok
  // answered before /hang times out, and /hang to end in 504 afterwards.
  FakeUpstream up("alpha");
  up.setResponder([](const RecordedRequest& req) {
    return req.target == "/hang" ? Behavior::of(Action::Hang) : Behavior::respond(200, "fine");
  });
  auto cfg = ProxyFixture::configFor({&up});
  cfg.timeouts.upstream_response = 1000ms;
  ProxyFixture proxy(cfg);
  TestClient hanging = proxy.connect();
  REQUIRE(hanging.send(buildRequest("GET", "/hang")));
  REQUIRE(up.waitForRequests(1, 1s));
  auto start = Clock::now();
  TestClient healthy = proxy.connect();
  REQUIRE_COMPLETE(ok, healthy, roundTrip(buildRequest("GET", "/ok")));
  CHECK(ok->status == 200);
  CHECK(ok->body == "fine");
  CHECK(Clock::now() - start < 800ms);
  CHECK(up.connectionCount() == 2);  // the hung connection is not shared
  REQUIRE_COMPLETE(late, hanging, readFinalResponse(3s));
  CHECK(late->status == 504);
}

TEST_CASE("Two backends: a failing one does not affect requests routed to the other",
          "[integration]") {
  // Given backends a (resets every request) and b (healthy) under round_robin, expect every
  // response to be 200 from b or 502 (never a hang, never a mix-up), and b's requests all 200.
  FakeUpstream a("a");
  FakeUpstream b("b");
  a.setBehavior(Behavior::of(Action::Reset));
  ProxyFixture proxy(ProxyFixture::configFor({&a, &b}));
  int from_b = 0;
  for (int i = 0; i < 6; ++i) {
    TestClient c = proxy.connect();
    REQUIRE_COMPLETE(r, c, roundTrip(buildRequest("GET", "/rr")));
    if (r->status == 200) {
      CHECK(r->headers.get("X-Upstream") == "b");
      ++from_b;
    } else {
      CHECK(r->status == 502);
    }
  }
  CHECK(from_b >= 3);
  CHECK(b.requestCount() == static_cast<size_t>(from_b));
}

} // namespace
} // namespace tether::test
