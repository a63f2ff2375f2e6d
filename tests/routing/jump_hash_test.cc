// JumpHash: golden vectors, the jump function's own guarantees, and removal by tombstone.
// A golden change remaps users in production: review it.

#include <catch2/catch.hpp>

#include "routing/jump_hash.h"
#include "tests/routing/strategy_test_util.h"

namespace tether::routing {
namespace {

using namespace testing;

TEST_CASE("jump: golden vectors for app1..app4", "[routing]") {
  // Given app1..app4 (slots = list order), expect "k0".."k19" on:
  //   k0 app1   k1 app3   k2 app3   k3 app3   k4 app4   k5 app1   k6 app1   k7 app4
  //   k8 app2   k9 app4   k10 app2  k11 app2  k12 app1  k13 app2  k14 app4  k15 app1
  //   k16 app1  k17 app4  k18 app1  k19 app3
  const auto list = apps(4);
  const JumpHash jump(list, {});
  CHECK(jump.name() == "jump");
  CHECK(jump.sticky());
  CHECK(goldenFirstChoices(jump, list) ==
        std::vector<std::string>{"app1", "app3", "app3", "app3", "app4", "app1", "app1",
                                 "app4", "app2", "app4", "app2", "app2", "app1", "app2",
                                 "app4", "app1", "app1", "app4", "app1", "app3"});
}

TEST_CASE("jump: the jump function moves keys only to the new bucket", "[routing]") {
  // Given buckets b -> b+1, expect each key to stay or move to bucket b (Lamping & Veach §2).
  for (uint32_t k = 0; k < 2000; ++k) {
    const uint64_t h = keyHash(k);
    REQUIRE(JumpHash::jump(h, 1) == 0);
    uint32_t prev = 0;
    for (uint32_t b = 2; b <= 64; ++b) {
      const uint32_t now = JumpHash::jump(h, b);
      REQUIRE(now < b);
      REQUIRE((now == prev || now == b - 1));
      prev = now;
    }
  }
}

TEST_CASE("jump: candidate contract, with and without tombstones", "[routing]") {
  // Given plain lists, tombstoned slots, unknown names and all-tombstone slots, expect
  // min(max, n) distinct ids for every key and max.
  for (uint32_t n : {1u, 5u, 40u}) checkCandidateContract(JumpHash(apps(n), {}));
  checkCandidateContract(JumpHash(apps(5), {"app1", "", "app3", "nope", "app5", "app2"}));
  checkCandidateContract(JumpHash(apps(3), {"", "", ""}));
}

TEST_CASE("jump: a tombstone moves only the removed backend's keys", "[routing]") {
  // Given slots app1..app5 and then app3's slot tombstoned (the backend leaves the list too),
  // expect only app3's keys to move, spread over the others.
  const auto five = apps(5);
  const auto four = makeBackends({"app1", "app2", "app4", "app5"});
  const JumpHash after(four, {"app1", "app2", "", "app4", "app5"});
  const auto m = compareChoices(JumpHash(five, {}), five, after, four, "app3", false);
  WARN("jump remove 1 of 5 (tombstone): moved " << m.moved << " keys = " << m.factor
                                                << " x ideal");
  CHECK(m.moved == m.moved_expected);
  CHECK(m.factor > 0.95);
  CHECK(m.factor < 1.05);
  CHECK(maxSpreadError(after, four) < 0.05);
}

TEST_CASE("jump: appending a fifth slot moves 1/5, all to it", "[routing]") {
  // Given slots app1..app4 and then app5 appended, expect every moved key to go to app5.
  const auto four = apps(4);
  const auto five = apps(5);
  const auto m = compareChoices(JumpHash(four, {}), four, JumpHash(five, {}), five, "app5", true);
  WARN("jump add 5th: moved " << m.moved << " keys = " << m.factor << " x ideal");
  CHECK(m.moved == m.moved_expected);
  CHECK(m.factor > 0.95);
  CHECK(m.factor < 1.05);
}

TEST_CASE("jump: equal spread; weights are not honoured", "[routing]") {
  // Given equal weights, expect each share within ±5% of 1/n. Given weights 1,2,3,4, expect the
  // shares to stay equal (documented in jump_hash.h), not weight-proportional.
  const auto equal = apps(5);
  CHECK(maxSpreadError(JumpHash(equal, {}), equal) < 0.05);
  const auto weighted = apps(4, {1, 2, 3, 4});
  const auto as_equal = apps(4);
  CHECK(maxSpreadError(JumpHash(weighted, {}), as_equal) < 0.05);
}

TEST_CASE("jump: slots name backends, not positions", "[routing]") {
  // Given explicit slots in list order, expect the same choices as the default; given the list
  // in another order with the same slots, expect the same choices by name.
  const auto list = apps(5);
  const auto shuffled = makeBackends({"app4", "app1", "app5", "app3", "app2"});
  const std::vector<std::string> slots{"app1", "app2", "app3", "app4", "app5"};
  CHECK(sameChoicesByName(JumpHash(list, {}), list, JumpHash(list, slots), list));
  CHECK(sameChoicesByName(JumpHash(list, slots), list, JumpHash(shuffled, slots), shuffled));
}

TEST_CASE("jump slot lists: a leaving backend leaves a tombstone, a joining one fills it",
          "[routing]") {
  // Given app1..app3, expect: removing app2 tombstones its slot in place; removing the last
  // backend drops its slot and any tombstones it leaves at the end; adding reuses the first
  // tombstone, else appends; removing a name not listed changes nothing.
  std::vector<std::string> slots{"app1", "app2", "app3"};
  removeJumpSlot(slots, "app2");
  CHECK(slots == std::vector<std::string>{"app1", "", "app3"});
  removeJumpSlot(slots, "nope");
  CHECK(slots == std::vector<std::string>{"app1", "", "app3"});
  addJumpSlot(slots, "app4");
  CHECK(slots == std::vector<std::string>{"app1", "app4", "app3"});
  addJumpSlot(slots, "app5");
  CHECK(slots == std::vector<std::string>{"app1", "app4", "app3", "app5"});
  removeJumpSlot(slots, "app3");
  removeJumpSlot(slots, "app5");
  CHECK(slots == std::vector<std::string>{"app1", "app4"});
  removeJumpSlot(slots, "app1");
  removeJumpSlot(slots, "app4");
  CHECK(slots.empty());
}

TEST_CASE("jump slot lists: keeping them moves only the removed backend's keys", "[routing]") {
  // Given app1..app5 and app2 removed by removeJumpSlot, expect exactly app2's keys to move.
  const auto five = apps(5);
  std::vector<std::string> slots{"app1", "app2", "app3", "app4", "app5"};
  removeJumpSlot(slots, "app2");
  const auto four = makeBackends({"app1", "app3", "app4", "app5"});
  const auto m = compareChoices(JumpHash(five, {}), five, JumpHash(four, slots), four, "app2",
                                false);
  CHECK(m.moved == m.moved_expected);
}

TEST_CASE("jump: no backends picks nothing", "[routing]") {
  // Given an empty list (and slots naming nobody), expect zero candidates.
  BackendId out[4];
  CHECK(JumpHash(BackendList{}, {}).candidates(42, out, 4) == 0);
  CHECK(JumpHash(BackendList{}, {"app1", ""}).candidates(42, out, 4) == 0);
}

} // namespace
} // namespace tether::routing
