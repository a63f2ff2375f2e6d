// upstream.retry_on_reset with real sockets: a backend that received the request and then reset
// (or closed) the connection without answering. Only bodiless idempotent requests are retried,
// only when retry_on_reset is on and within upstream.retries. (Connect failures, which any
// method retries, are retry_test.cc.)
#include <catch2/catch.hpp>

#include "tests/support/proxy_fixture.h"
#include "tests/support/test_macros.h"

namespace tether::test {
namespace {

using namespace std::chrono_literals;

// Round robin over `bad` (first) and `good`.
config::Config resetConfig(const FakeUpstream& bad, const FakeUpstream& good, bool retry_on_reset,
                           uint32_t retries = 2) {
  auto cfg = ProxyFixture::configFor({&bad, &good});
  cfg.upstream.retry_on_reset = retry_on_reset;
  cfg.upstream.retries = retries;
  return cfg;
}

struct Outcome {
  int status = 0;
  std::string upstream;
};

// One request on a fresh connection (a 502 closes the client connection).
Outcome send(const ProxyFixture& proxy, std::string_view method, std::string_view body = {}) {
  TestClient c = proxy.connect();
  HeaderList headers;
  if (body.empty() && method != "GET" && method != "HEAD") headers.add("Content-Length", "0");
  REQUIRE_COMPLETE(r, c, roundTrip(buildRequest(method, "/op", headers, body)));
  return {r->status, r->headers.get("X-Upstream").value_or("")};
}

TEST_CASE("retry_on_reset: bodiless idempotent requests reset by the backend are retried elsewhere",
          "[integration][retry]") {
  // Given round robin over a backend that resets (RST) every connection after reading the request
  // and a good one, with retry_on_reset, expect GET, HEAD, PUT/DELETE without a body all answered
  // 200 by the good backend on one keep-alive connection, although the bad one received several
  // of them.
  FakeUpstream bad("bad"), good("good");
  bad.setBehavior(Behavior::of(Behavior::Action::Reset));
  ProxyFixture proxy(resetConfig(bad, good, true));
  TestClient c = proxy.connect();
  for (const char* method : {"GET", "GET", "HEAD", "GET", "DELETE", "PUT", "GET", "OPTIONS"}) {
    INFO(method);
    HeaderList headers;
    if (std::string_view(method) == "PUT") headers.add("Content-Length", "0");
    REQUIRE_READ(r, c, roundTrip(buildRequest(method, "/op", headers)));
    CHECK(r->status == 200);
    CHECK(r->headers.get("X-Upstream") == "good");
  }
  CHECK(bad.requestCount() >= 3);
  CHECK(good.requestCount() == 8);
}

TEST_CASE("retry_on_reset: a close (FIN) before any response byte is retried too", "[integration][retry]") {
  // Given a backend that closes cleanly after reading the request (no response byte), expect the
  // same as a reset: GETs answered 200 by the good backend.
  FakeUpstream bad("bad"), good("good");
  bad.setBehavior(Behavior::of(Behavior::Action::Close));
  ProxyFixture proxy(resetConfig(bad, good, true));
  TestClient c = proxy.connect();
  for (int i = 0; i < 6; ++i) {
    REQUIRE_COMPLETE(r, c, roundTrip(buildRequest("GET", "/op")));
    CHECK(r->status == 200);
    CHECK(r->headers.get("X-Upstream") == "good");
  }
  CHECK(bad.requestCount() >= 2);
}

TEST_CASE("retry_on_reset: a POST, or a request with a body, is not retried (502)", "[integration][retry]") {
  // Given retry_on_reset and the resetting backend, expect every POST (with or without a body)
  // and every PUT with a body that reached it to be answered 502, and never sent to the good
  // backend as well: 502 count = the bad backend's request count, the rest 200.
  FakeUpstream bad("bad"), good("good");
  bad.setBehavior(Behavior::of(Behavior::Action::Reset));
  ProxyFixture proxy(resetConfig(bad, good, true));
  int bad_gateway = 0, fine = 0;
  for (int i = 0; i < 8; ++i) {
    const auto o = i % 4 == 3 ? send(proxy, "PUT", "payload") : send(proxy, "POST", i % 2 ? "x=1" : "");
    INFO("request " << i << ": " << o.status << " " << o.upstream);
    CHECK((o.status == 502 || (o.status == 200 && o.upstream == "good")));
    bad_gateway += o.status == 502 ? 1 : 0;
    fine += o.status == 200 ? 1 : 0;
  }
  CHECK(bad_gateway >= 2);
  CHECK(static_cast<size_t>(bad_gateway) == bad.requestCount());
  CHECK(static_cast<size_t>(fine) == good.requestCount());
}

TEST_CASE("retry_on_reset off (the default), or retries 0: a reset GET is a 502", "[integration][retry]") {
  // Given the resetting backend, expect GETs that reach it answered 502 when retry_on_reset is off,
  // and also when it is on but upstream.retries is 0; each 502 matches one request the bad
  // backend received.
  auto run = [](bool retry_on_reset, uint32_t retries) {
    FakeUpstream bad("bad"), good("good");
    bad.setBehavior(Behavior::of(Behavior::Action::Reset));
    ProxyFixture proxy(resetConfig(bad, good, retry_on_reset, retries));
    int bad_gateway = 0;
    for (int i = 0; i < 6; ++i) {
      const auto o = send(proxy, "GET");
      CHECK((o.status == 502 || (o.status == 200 && o.upstream == "good")));
      bad_gateway += o.status == 502 ? 1 : 0;
    }
    CHECK(bad_gateway >= 2);
    CHECK(static_cast<size_t>(bad_gateway) == bad.requestCount());
  };
  SECTION("retry_on_reset false") { run(false, 2); }
  SECTION("retry_on_reset true, retries 0") { run(true, 0); }
}

} // namespace
} // namespace tether::test
