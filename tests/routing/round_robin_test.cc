// RoundRobin: the precomputed smooth weighted order is a golden vector. Changing it reorders
// traffic for every deployment, so a change here must be deliberate.

#include <catch2/catch.hpp>

#include "routing/round_robin.h"

namespace tether::routing {
namespace {

BackendId first(const RoundRobin& rr, uint64_t counter) {
  BackendId out[8];
  return rr.candidates(counter, out, 8) ? out[0] : kNoBackend;
}

std::vector<BackendId> all(const RoundRobin& rr, uint64_t counter) {
  std::vector<BackendId> out(rr.backendCount() + 1);
  out.resize(rr.candidates(counter, out.data(), static_cast<uint32_t>(out.size())));
  return out;
}

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
  CHECK_FALSE(rr.sticky());
  CHECK(rr.name() == "round_robin");
  CHECK(first(rr, 0) == 0);
  CHECK(first(rr, 1) == 1);
  CHECK(first(rr, 2) == 2);
  CHECK(first(rr, 3) == 0);
  // The candidate list continues along the same order, so a retry tries the next backend.
  CHECK(all(rr, 0) == std::vector<BackendId>{0, 1, 2});
  CHECK(all(rr, 2) == std::vector<BackendId>{2, 0, 1});
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
  for (uint64_t c = 0; c < 8; ++c) picks.push_back(first(rr, c));
  CHECK(picks == std::vector<BackendId>{0, 0, 1, 0, 0, 0, 1, 0});
  // Candidates are distinct even though the order repeats a.
  CHECK(all(rr, 0) == std::vector<BackendId>{0, 1});
}

TEST_CASE("round robin: weights are reduced by their gcd", "[routing]") {
  // Given weights 100 and 100, expect an order of length 2, not 200.
  RoundRobin equal(makeBackends({100, 100}));
  CHECK(equal.order() == std::vector<BackendId>{0, 1});

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
  // Given an empty backend list, expect no candidates.
  RoundRobin rr(BackendList{});
  CHECK(rr.order().empty());
  CHECK(rr.backendCount() == 0);
  CHECK(first(rr, 0) == kNoBackend);
  CHECK(all(rr, 12345).empty());
}

} // namespace
} // namespace tether::routing
