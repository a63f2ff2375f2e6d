// Rendezvous (weighted HRW): golden vectors, score properties and the consistent-hashing
// properties. A golden change remaps users in production: review it.

#include <catch2/catch.hpp>

#include "routing/rendezvous.h"
#include "tests/routing/strategy_test_util.h"

namespace tether::routing {
namespace {

using namespace testing;

TEST_CASE("rendezvous: golden vectors for app1..app4", "[routing]") {
  // Given app1..app4 (weight 1, seed 0), expect "k0".."k19" on:
  //   k0 app4   k1 app4   k2 app1   k3 app1   k4 app1   k5 app1   k6 app4   k7 app2
  //   k8 app1   k9 app3   k10 app4  k11 app4  k12 app1  k13 app3  k14 app3  k15 app1
  //   k16 app2  k17 app4  k18 app2  k19 app2
  const auto list = apps(4);
  const Rendezvous hrw(list, 0);
  CHECK(hrw.name() == "rendezvous");
  CHECK(hrw.sticky());
  CHECK(goldenFirstChoices(hrw, list) ==
        std::vector<std::string>{"app4", "app4", "app1", "app1", "app1", "app1", "app4",
                                 "app2", "app1", "app3", "app4", "app4", "app1", "app3",
                                 "app3", "app1", "app2", "app4", "app2", "app2"});
}

TEST_CASE("rendezvous: candidates are in descending score order", "[routing]") {
  // Given weighted backends, expect the candidate list sorted by score, best first.
  const auto list = apps(6, {1, 2, 3, 4, 5, 6});
  const Rendezvous hrw(list, 0);
  BackendId out[6];
  for (uint32_t k = 0; k < 1000; ++k) {
    const uint64_t h = keyHash(k);
    REQUIRE(hrw.candidates(h, out, 6) == 6);
    for (int i = 1; i < 6; ++i) REQUIRE(hrw.score(h, out[i - 1]) >= hrw.score(h, out[i]));
  }
}

TEST_CASE("rendezvous: candidate contract", "[routing]") {
  // Given 1, 5 and 40 backends (equal and mixed weights), expect min(max, n) distinct ids.
  for (uint32_t n : {1u, 5u, 40u}) checkCandidateContract(Rendezvous(apps(n), 0));
  checkCandidateContract(Rendezvous(apps(7, {1, 2, 3, 1, 1, 1, 5}), 0));
}

TEST_CASE("rendezvous: above 1024 backends the fallback agrees", "[routing]") {
  // Given 1100 backends (beyond the stack buffer), expect the selection fallback to give
  // distinct ids and the same first choices as the score definition.
  const auto list = apps(1100);
  const Rendezvous hrw(list, 0);
  std::vector<BackendId> out(1100);
  for (uint32_t k = 0; k < 3; ++k) {
    const uint64_t h = keyHash(k);
    REQUIRE(hrw.candidates(h, out.data(), 5) == 5);
    for (BackendId id = 0; id < 1100; ++id) REQUIRE(hrw.score(h, out[0]) >= hrw.score(h, id));
    for (int i = 1; i < 5; ++i) REQUIRE(hrw.score(h, out[i - 1]) >= hrw.score(h, out[i]));
  }
}

TEST_CASE("rendezvous: removing one of five moves only its keys", "[routing]") {
  // Given app1..app5 and then app3 removed, expect only app3's keys to move (bound 0.95..1.05
  // x ideal: the sampling noise of one 1/5 share over 100 000 keys is ~0.6%).
  const auto five = apps(5);
  const auto four = makeBackends({"app1", "app2", "app4", "app5"});
  const auto m =
      compareChoices(Rendezvous(five, 0), five, Rendezvous(four, 0), four, "app3", false);
  WARN("rendezvous remove 1 of 5: moved " << m.moved << " keys = " << m.factor << " x ideal");
  CHECK(m.moved == m.moved_expected);
  CHECK(m.factor > 0.95);
  CHECK(m.factor < 1.05);
}

TEST_CASE("rendezvous: adding a fifth moves about 1/5, all to it", "[routing]") {
  // Given app1..app4 and then app5 added, expect every moved key to go to app5.
  const auto four = apps(4);
  const auto five = apps(5);
  const auto m = compareChoices(Rendezvous(four, 0), four, Rendezvous(five, 0), five, "app5", true);
  WARN("rendezvous add 5th: moved " << m.moved << " keys = " << m.factor << " x ideal");
  CHECK(m.moved == m.moved_expected);
  CHECK(m.factor > 0.95);
  CHECK(m.factor < 1.05);
}

TEST_CASE("rendezvous: spread within ±5% of weight share", "[routing]") {
  // Given weights 1,2,3,4 (and equal weights), expect each share within ±5% (relative).
  const auto weighted = apps(4, {1, 2, 3, 4});
  CHECK(maxSpreadError(Rendezvous(weighted, 0), weighted) < 0.05);
  const auto equal = apps(5);
  CHECK(maxSpreadError(Rendezvous(equal, 0), equal) < 0.05);
}

TEST_CASE("rendezvous: deterministic and independent of list order", "[routing]") {
  // Given the same names and weights in another order, expect the same choices by name.
  const auto list = apps(5, {1, 2, 1, 3, 1});
  const auto shuffled = makeBackends({"app4", "app1", "app5", "app3", "app2"}, {3, 1, 1, 1, 2});
  CHECK(sameChoicesByName(Rendezvous(list, 0), list, Rendezvous(shuffled, 0), shuffled));
  CHECK(sameChoicesByName(Rendezvous(list, 9), list, Rendezvous(list, 9), list));
}

TEST_CASE("rendezvous: no backends picks nothing", "[routing]") {
  // Given an empty list, expect zero candidates.
  const Rendezvous hrw(BackendList{}, 0);
  BackendId out[4];
  CHECK(hrw.candidates(42, out, 4) == 0);
}

} // namespace
} // namespace tether::routing
