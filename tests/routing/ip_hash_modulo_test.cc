// IpHashModulo: the position-based baseline. Its tests pin the flaw the benchmarks expose:
// removing a backend from the middle of the list remaps most keys.

#include <catch2/catch.hpp>

#include "routing/hash.h"
#include "routing/ip_hash_modulo.h"
#include "tests/routing/strategy_test_util.h"

namespace tether::routing {
namespace {

using namespace testing;

TEST_CASE("ip_hash_modulo: golden vectors for app1..app4", "[routing]") {
  // Given app1..app4, expect "k0".."k19" on hash mod 4:
  //   k0 app4   k1 app2   k2 app2   k3 app3   k4 app4   k5 app3   k6 app1   k7 app2
  //   k8 app2   k9 app4   k10 app4  k11 app4  k12 app2  k13 app1  k14 app3  k15 app4
  //   k16 app1  k17 app2  k18 app4  k19 app4
  const auto list = apps(4);
  const IpHashModulo modulo(list);
  CHECK(modulo.name() == "ip_hash_modulo");
  CHECK(modulo.sticky());
  CHECK(goldenFirstChoices(modulo, list) ==
        std::vector<std::string>{"app4", "app2", "app2", "app3", "app4", "app3", "app1",
                                 "app2", "app2", "app4", "app4", "app4", "app2", "app1",
                                 "app3", "app4", "app1", "app2", "app4", "app4"});
  // The tail walks the list: first, first+1, ... mod n.
  BackendId out[4];
  REQUIRE(modulo.candidates(hashBytes("k0", 0), out, 4) == 4);
  CHECK(std::vector<BackendId>(out, out + 4) == std::vector<BackendId>{3, 0, 1, 2});
  // No wrap-around repeat at the top of the 64-bit range.
  REQUIRE(modulo.candidates(UINT64_MAX, out, 4) == 4);
  CHECK(std::vector<BackendId>(out, out + 4) == std::vector<BackendId>{3, 0, 1, 2});
}

TEST_CASE("ip_hash_modulo: candidate contract", "[routing]") {
  // Given 1, 5 and 40 backends, expect min(max, n) distinct ids.
  for (uint32_t n : {1u, 5u, 40u}) checkCandidateContract(IpHashModulo(apps(n)));
}

TEST_CASE("ip_hash_modulo: removing a middle backend moves most keys", "[routing]") {
  // Given app1..app5 and then app3 removed, expect far more than app3's 1/5 of keys to move:
  // about 4/5 of all keys (positions shift), i.e. ~4x the ideal. This is the baseline's flaw.
  const auto five = apps(5);
  const auto four = makeBackends({"app1", "app2", "app4", "app5"});
  const auto m = compareChoices(IpHashModulo(five), five, IpHashModulo(four), four, "app3", false);
  WARN("ip_hash_modulo remove 1 of 5: moved " << m.moved << " keys = " << m.factor
                                              << " x ideal");
  CHECK(m.moved > kPropertyKeys * 7 / 10);
  CHECK(m.factor > 3.5);
  CHECK(maxSpreadError(IpHashModulo(five), five) < 0.05);
}

TEST_CASE("ip_hash_modulo: no backends picks nothing", "[routing]") {
  // Given an empty list, expect zero candidates (and no division by zero).
  BackendId out[4];
  CHECK(IpHashModulo(BackendList{}).candidates(42, out, 4) == 0);
}

} // namespace
} // namespace tether::routing
