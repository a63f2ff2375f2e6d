// RoundRobin: the precomputed smooth weighted order is a golden vector. Changing it reorders
// traffic for every deployment, so a change here must be deliberate.

#include <catch2/catch.hpp>

#include "routing/round_robin.h"

namespace tether::routing {
namespace {

BackendList makeBackends(std::initializer_list<uint32_t> weights) {
  BackendList list;
  uint16_t port = 9001;
  for (uint32_t w : weights) {
    list.push_back({"b" + std::to_string(port - 9001), "127.0.0.1", port, w});
    ++port;
  }
  return list;
}

TEST_CASE("round robin: equal weights alternate", "[routing]") {
  // Given three backends of weight 1, expect the order 0 1 2 and picks that walk it.
  RoundRobin rr(makeBackends({1, 1, 1}));
  CHECK(rr.order() == std::vector<BackendId>{0, 1, 2});
  CHECK(rr.backendCount() == 3);
  CHECK(rr.attemptBound() == 3);
  CHECK_FALSE(rr.sticky());
  CHECK(rr.name() == "round_robin");
  CHECK(rr.pick(0, 0) == 0);
  CHECK(rr.pick(1, 0) == 1);
  CHECK(rr.pick(2, 0) == 2);
  CHECK(rr.pick(3, 0) == 0);
  // attempt shifts along the same order, so a retry tries the next backend.
  CHECK(rr.pick(0, 1) == 1);
  CHECK(rr.pick(2, 2) == 1);
}

TEST_CASE("round robin: weights 3 and 1 interleave smoothly", "[routing]") {
  // Given weights 3 and 1, expect nginx's smooth order a a b a (not a a a b):
  //   step  current before pick   pick   current after
  //   1     a=3  b=1              a      a=-1 b=1
  //   2     a=2  b=2              a      a=-2 b=2   (ties go to the earlier backend)
  //   3     a=1  b=3              b      a=1  b=-1
  //   4     a=4  b=0              a      a=0  b=0
  RoundRobin rr(makeBackends({3, 1}));
  REQUIRE(rr.order() == std::vector<BackendId>{0, 0, 1, 0});
  std::vector<BackendId> picks;
  for (uint64_t c = 0; c < 8; ++c) picks.push_back(rr.pick(c, 0));
  CHECK(picks == std::vector<BackendId>{0, 0, 1, 0, 0, 0, 1, 0});
}

TEST_CASE("round robin: weights are reduced by their gcd", "[routing]") {
  // Given weights 100 and 100, expect an order of length 2, not 200.
  RoundRobin equal(makeBackends({100, 100}));
  CHECK(equal.order() == std::vector<BackendId>{0, 1});
  CHECK(equal.attemptBound() == 2);

  // Given weights 6 and 4 (gcd 2), expect the order of weights 3 and 2: a b a b a.
  RoundRobin reduced(makeBackends({6, 4}));
  CHECK(reduced.order() == std::vector<BackendId>{0, 1, 0, 1, 0});
}

TEST_CASE("round robin: each backend appears weight/gcd times", "[routing]") {
  // Given weights 5, 1, 1, expect 7 entries with shares 5:1:1 and nginx's a a b a c a a.
  RoundRobin rr(makeBackends({5, 1, 1}));
  CHECK(rr.order() == std::vector<BackendId>{0, 0, 1, 0, 2, 0, 0});
}

TEST_CASE("round robin: no backends picks nothing", "[routing]") {
  // Given an empty backend list, expect kNoBackend and zero bounds.
  RoundRobin rr(BackendList{});
  CHECK(rr.order().empty());
  CHECK(rr.backendCount() == 0);
  CHECK(rr.attemptBound() == 0);
  CHECK(rr.pick(0, 0) == kNoBackend);
  CHECK(rr.pick(12345, 7) == kNoBackend);
}

} // namespace
} // namespace tether::routing
