// RandomStrategy: weighted first choice from the caller's random number, distinct tail.

#include <catch2/catch.hpp>

#include "routing/random_strategy.h"
#include "tests/routing/strategy_test_util.h"

namespace tether::routing {
namespace {

using namespace testing;

TEST_CASE("random: golden vectors for app1..app4", "[routing]") {
  // Given app1..app4 (weight 1) and random = hashBytes("k0".."k19", 0), expect:
  //   k0 app3   k1 app3   k2 app4   k3 app1   k4 app4   k5 app3   k6 app3   k7 app4
  //   k8 app4   k9 app2   k10 app4  k11 app2  k12 app4  k13 app4  k14 app3  k15 app2
  //   k16 app3  k17 app4  k18 app3  k19 app4
  const auto list = apps(4);
  const RandomStrategy random(list);
  CHECK(random.name() == "random");
  CHECK_FALSE(random.sticky());
  CHECK(goldenFirstChoices(random, list) ==
        std::vector<std::string>{"app3", "app3", "app4", "app1", "app4", "app3", "app3",
                                 "app4", "app4", "app2", "app4", "app2", "app4", "app4",
                                 "app3", "app2", "app3", "app4", "app3", "app4"});
  // The draw is a multiply-shift: 0 is the first backend, 2^64-1 the last.
  CHECK(firstChoice(random, 0) == 0);
  CHECK(firstChoice(random, UINT64_MAX) == 3);
}

TEST_CASE("random: candidate contract", "[routing]") {
  // Given 1, 5 and 40 backends, expect min(max, n) distinct ids for every draw and max.
  for (uint32_t n : {1u, 5u, 40u}) checkCandidateContract(RandomStrategy(apps(n)));
  checkCandidateContract(RandomStrategy(apps(7, {1, 2, 3, 1, 1, 1, 5})));
}

TEST_CASE("random: first choices follow the weights", "[routing]") {
  // Given weights 1,2,3,4 and 100 000 well-mixed draws, expect each share within ±5% (relative).
  const auto weighted = apps(4, {1, 2, 3, 4});
  CHECK(maxSpreadError(RandomStrategy(weighted), weighted) < 0.05);
}

TEST_CASE("random: no backends picks nothing", "[routing]") {
  // Given an empty list, expect zero candidates.
  BackendId out[4];
  CHECK(RandomStrategy(BackendList{}).candidates(42, out, 4) == 0);
}

} // namespace
} // namespace tether::routing
