#include <catch2/catch.hpp>

#include "health/backend_states.h"
#include "routing/round_robin.h"

using namespace tether;

namespace {
struct NoKey : routing::RequestView {
  std::string_view method() const override { return "GET"; }
  std::string_view target() const override { return "/"; }
  std::optional<std::string_view> headerAt(std::string_view, size_t) const override {
    return std::nullopt;
  }
  std::string_view peerAddress() const override { return "127.0.0.1"; }
};
} // namespace

TEST_CASE("backend states start ready and only ready backends are usable", "[health]") {
  // Given three backends, expect all ready; each non-ready state makes one unusable.
  health::BackendStates states(3);
  for (routing::BackendId id = 0; id < 3; ++id) REQUIRE(states.usable(id));
  states.set(0, health::BackendState::Down);
  states.set(1, health::BackendState::Draining);
  states.set(2, health::BackendState::Maintenance);
  for (routing::BackendId id = 0; id < 3; ++id) CHECK_FALSE(states.usable(id));
  // Bound sessions may stay on a draining backend, never on a down one or one in maintenance.
  CHECK_FALSE(states.bindable().usable(0));
  CHECK(states.bindable().usable(1));
  CHECK_FALSE(states.bindable().usable(2));
  CHECK(health::stateName(states.get(0)) == "down");
  CHECK(health::stateName(states.get(1)) == "draining");
  CHECK(health::stateName(states.get(2)) == "maintenance");
  CHECK_FALSE(states.usable(7));  // out of range is never usable
}

TEST_CASE("router skips a backend marked down without any rebuild", "[health][routing]") {
  // Given round robin over a, b, c with b down, expect only a and c (b's turns go to its
  // successor, as in HAProxy's roundrobin).
  routing::BackendList backends = {{"a", "127.0.0.1", 1, 1}, {"b", "127.0.0.1", 2, 1},
                                   {"c", "127.0.0.1", 3, 1}};
  auto rr = std::make_shared<routing::RoundRobin>(backends);
  routing::Router router(backends, rr);
  health::BackendStates states(3);
  states.set(1, health::BackendState::Down);
  NoKey req;
  int seen[3] = {0, 0, 0};
  for (int i = 0; i < 30; ++i) {
    auto d = router.route(req, states);
    REQUIRE(d.found());
    ++seen[d.backend];
  }
  CHECK(seen[1] == 0);
  CHECK(seen[0] == 10);
  CHECK(seen[2] == 20);
  states.set(0, health::BackendState::Down);
  states.set(2, health::BackendState::Down);
  CHECK_FALSE(router.route(req, states).found());
}
