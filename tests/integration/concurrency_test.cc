// Many clients at once over two workers: every request is answered, none is lost or mixed up.
#include <catch2/catch.hpp>

#include <atomic>
#include <latch>
#include <mutex>
#include <thread>

#include "tests/support/proxy_fixture.h"
#include "tests/support/test_macros.h"

namespace tether::test {
namespace {

using namespace std::chrono_literals;

TEST_CASE("50 concurrent clients x 20 keep-alive requests with 2 workers all succeed",
          "[integration]") {
  // Given workers: 2, two upstreams and 50 client threads released together, each sending 20
  // sequential requests (with a per-request target and body) on its own keep-alive connection,
  // expect all 1000 answered 200 with the body for their own target, and the upstreams to have
  // seen 1000 requests in total, split evenly by round robin.
  constexpr int kClients = 50;
  constexpr int kRequests = 20;
  FakeUpstream a("a");
  FakeUpstream b("b");
  auto echo = [](const RecordedRequest& req) {
    return Behavior::respond(200, req.target + "|" + req.body);
  };
  a.setResponder(echo);
  b.setResponder(echo);
  auto cfg = ProxyFixture::configFor({&a, &b});
  cfg.workers = 2;
  ProxyFixture proxy(cfg);
  REQUIRE(proxy.server().workerCount() == 2);

  // Catch2 assertions are not thread-safe: threads only collect failures, the test thread checks.
  std::mutex mu;
  std::vector<std::string> failures;
  std::atomic<int> ok{0};
  std::latch start(kClients);
  std::vector<std::thread> threads;
  for (int t = 0; t < kClients; ++t) {
    threads.emplace_back([&, t] {
      TestClient c = proxy.connect();
      start.arrive_and_wait();
      for (int i = 0; i < kRequests; ++i) {
        std::string target = "/c" + std::to_string(t) + "/r" + std::to_string(i);
        std::string body = "payload-" + std::to_string(t * 1000 + i);
        auto r = c.roundTrip(buildRequest("POST", target, {}, body), 10s);
        std::string expected = target + "|" + body;
        if (r && r->complete && r->status == 200 && r->body == expected) {
          ++ok;
          continue;
        }
        std::lock_guard<std::mutex> lock(mu);
        failures.push_back(target + ": " +
                           (r ? "status " + std::to_string(r->status) + " body '" + r->body + "'"
                              : c.lastError()));
        return;  // the connection is in an unknown state; stop this client
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  INFO("first failures: " << (failures.empty() ? std::string("none") : failures.front()));
  CHECK(failures.empty());
  CHECK(ok == kClients * kRequests);
  CHECK(a.requestCount() + b.requestCount() == static_cast<size_t>(kClients * kRequests));
  // Round robin over one shared counter: an even split, give or take the interleaving.
  CHECK(a.requestCount() >= 400);
  CHECK(b.requestCount() >= 400);
}

TEST_CASE("Many short connections in parallel", "[integration]") {
  // Given 20 threads each opening 25 connections with one request (and Connection: close),
  // expect all 500 answered and closed.
  constexpr int kThreads = 20;
  constexpr int kConnections = 25;
  FakeUpstream up("alpha");
  auto cfg = ProxyFixture::configFor({&up});
  cfg.workers = 2;
  ProxyFixture proxy(cfg);
  std::atomic<int> ok{0};
  std::mutex mu;
  std::vector<std::string> failures;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kConnections; ++i) {
        TestClient c = proxy.connect();
        auto r = c.roundTrip(buildRequest("GET", "/short", {{"Connection", "close"}}), 10s);
        if (r && r->complete && r->status == 200 && c.isClosedByPeer(5s)) {
          ++ok;
          continue;
        }
        std::lock_guard<std::mutex> lock(mu);
        failures.push_back(r ? "status " + std::to_string(r->status) + " " + c.lastError()
                             : c.lastError());
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  INFO("first failure: " << (failures.empty() ? std::string("none") : failures.front()));
  CHECK(ok == kThreads * kConnections);
  CHECK(up.requestCount() == static_cast<size_t>(kThreads * kConnections));
}

} // namespace
} // namespace tether::test
