// Router: cycles a non-sticky strategy with a shared counter and skips backends the caller's
// filter rejects; "nothing usable" is a NoBackend decision, never an error.

#include <catch2/catch.hpp>

#include <set>

#include "routing/round_robin.h"
#include "routing/router.h"

namespace tether::routing {
namespace {

class FakeRequest : public RequestView {
public:
  std::string_view method() const override { return "GET"; }
  std::string_view target() const override { return "/"; }
  std::optional<std::string_view> headerAt(std::string_view, size_t) const override {
    return std::nullopt;
  }
  std::string_view peerAddress() const override { return "127.0.0.1"; }
};

class SetFilter : public BackendFilter {
public:
  explicit SetFilter(std::set<BackendId> unusable) : unusable_(std::move(unusable)) {}
  bool usable(BackendId id) const override { return unusable_.count(id) == 0; }

private:
  std::set<BackendId> unusable_;
};

Router makeRouter(std::initializer_list<uint32_t> weights) {
  BackendList list;
  uint16_t port = 9001;
  for (uint32_t w : weights) {
    list.push_back({"b" + std::to_string(port - 9001), "127.0.0.1", port, w});
    ++port;
  }
  auto strategy = std::make_shared<RoundRobin>(list);
  return Router(std::move(list), std::move(strategy));
}

std::vector<BackendId> routeMany(const Router& router, const BackendFilter& filter, int n) {
  FakeRequest request;
  std::vector<BackendId> out;
  for (int i = 0; i < n; ++i) {
    const RouteDecision d = router.route(request, filter);
    out.push_back(d.backend);
    if (d.found()) {
      CHECK(d.reason == RouteDecision::Reason::Fallback);
    } else {
      CHECK(d.reason == RouteDecision::Reason::NoBackend);
    }
  }
  return out;
}

TEST_CASE("router: cycles through every backend in order", "[routing]") {
  // Given three equal backends and everything usable, expect 0 1 2 0 1 2.
  const Router router = makeRouter({1, 1, 1});
  CHECK(routeMany(router, AllUsable(), 6) == std::vector<BackendId>{0, 1, 2, 0, 1, 2});
  CHECK(router.backends().size() == 3);
  CHECK(router.backends()[1].key == "b1");
  CHECK(router.strategy().name() == "round_robin");
}

TEST_CASE("router: follows the weighted order", "[routing]") {
  // Given weights 3 and 1, expect the strategy's a a b a order, repeated.
  const Router router = makeRouter({3, 1});
  CHECK(routeMany(router, AllUsable(), 8) == std::vector<BackendId>{0, 0, 1, 0, 0, 0, 1, 0});
}

TEST_CASE("router: skips backends the filter rejects", "[routing]") {
  // Given backend 1 of three unusable, expect requests that would land on it to take the next
  // one in the order (2), and backend 1 never chosen:
  //   counter 0 -> 0, counter 1 -> 1 rejected -> 2, counter 2 -> 2, counter 3 -> 0 ...
  const Router router = makeRouter({1, 1, 1});
  const SetFilter filter({1});
  CHECK(routeMany(router, filter, 6) == std::vector<BackendId>{0, 2, 2, 0, 2, 2});
}

TEST_CASE("router: only one usable backend takes everything", "[routing]") {
  // Given weights 3 and 1 with backend 0 unusable, expect every request on backend 1.
  const Router router = makeRouter({3, 1});
  const SetFilter filter({0});
  CHECK(routeMany(router, filter, 5) == std::vector<BackendId>(5, 1));
}

TEST_CASE("router: nothing usable is NoBackend", "[routing]") {
  // Given every backend rejected, expect NoBackend (found() == false), request after request.
  const Router router = makeRouter({2, 1});
  const SetFilter filter({0, 1});
  CHECK(routeMany(router, filter, 3) == std::vector<BackendId>(3, kNoBackend));
}

TEST_CASE("router: an empty backend list is NoBackend", "[routing]") {
  // Given no backends at all, expect NoBackend without touching the strategy's order.
  const Router router = makeRouter({});
  FakeRequest request;
  const RouteDecision d = router.route(request, AllUsable());
  CHECK_FALSE(d.found());
  CHECK(d.reason == RouteDecision::Reason::NoBackend);
}

} // namespace
} // namespace tether::routing
