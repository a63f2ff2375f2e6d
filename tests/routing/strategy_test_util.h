#pragma once
// Shared helpers for the placement-strategy tests (ring, maglev, rendezvous, jump, multiprobe,
// random, ip_hash_modulo): backend lists, allocation-free key hashes, and the property checks
// every sticky strategy must pass (candidate contract, disruption on remove/add, spread).

#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "routing/hash.h"
#include "routing/strategy.h"
#include "routing/strategy_kind.h"

namespace tether::routing::testing {

// The kind a test names by string (GENERATE over names reads better than over enumerators).
inline StrategyKind strategyKind(std::string_view name) {
  const auto kind = parseStrategy(name);
  INFO("strategy '" << name << "'");
  REQUIRE(kind.has_value());
  return *kind;
}

// 100 000 keys: enough that a 1/5 share has a standard error of ~0.6% (relative), and fast under
// Debug+ASan because nothing allocates per key.
constexpr uint32_t kPropertyKeys = 100000;

inline BackendList makeBackends(const std::vector<std::string>& names,
                                const std::vector<uint32_t>& weights = {}) {
  BackendList list;
  for (size_t i = 0; i < names.size(); ++i) {
    list.push_back({names[i], "127.0.0.1", static_cast<uint16_t>(9001 + i),
                    weights.empty() ? 1 : weights[i]});
  }
  return list;
}

inline BackendList apps(uint32_t n, const std::vector<uint32_t>& weights = {}) {
  std::vector<std::string> names;
  for (uint32_t i = 1; i <= n; ++i) names.push_back("app" + std::to_string(i));
  return makeBackends(names, weights);
}

// Key i of the property runs: the hash of its 8 little-endian bytes (no string per key).
inline uint64_t keyHash(uint64_t i) {
  return hashBytes(std::string_view(reinterpret_cast<const char*>(&i), sizeof(i)), 0);
}

inline BackendId firstChoice(const Strategy& s, uint64_t hash) {
  BackendId out[1];
  return s.candidates(hash, out, 1) == 1 ? out[0] : kNoBackend;
}

// Golden helper: the backend NAME chosen for "k0".."k19" (hash = hashBytes(key, 0)).
inline std::vector<std::string> goldenFirstChoices(const Strategy& s, const BackendList& list) {
  std::vector<std::string> names;
  for (int i = 0; i < 20; ++i) {
    const BackendId id = firstChoice(s, hashBytes("k" + std::to_string(i), 0));
    names.push_back(id == kNoBackend ? "-" : list[id].key);
  }
  return names;
}

// candidates() returns exactly min(max, n) distinct valid ids, and a longer list starts with the
// shorter one (the first choice does not depend on `max`).
inline void checkCandidateContract(const Strategy& s, uint32_t keys = 2000) {
  const uint32_t n = s.backendCount();
  std::vector<BackendId> full(n + 3), part(n + 3);
  for (uint32_t k = 0; k < keys; ++k) {
    const uint64_t h = keyHash(k);
    for (uint32_t max : {0u, 1u, 2u, n, n + 3}) {
      const uint32_t got = s.candidates(h, part.data(), max);
      REQUIRE(got == std::min(max, n));
      std::vector<bool> seen(n, false);
      for (uint32_t i = 0; i < got; ++i) {
        REQUIRE(part[i] < n);
        REQUIRE_FALSE(seen[part[i]]);
        seen[part[i]] = true;
      }
    }
    const uint32_t all = s.candidates(h, full.data(), n);
    const uint32_t two = s.candidates(h, part.data(), 2);
    for (uint32_t i = 0; i < std::min(all, two); ++i) REQUIRE(part[i] == full[i]);
  }
}

struct Movement {
  uint32_t moved = 0;           // keys whose first choice (by name) changed
  uint32_t moved_expected = 0;  // ... from the removed backend, or to the added one
  double factor = 0;            // moved / ideal, ideal = keys / (N_big)
};

// Compares first choices (by name) of `before` and `after` over kPropertyKeys keys. `changed` is
// the backend removed (before -> after) or added (after has it, before does not).
inline Movement compareChoices(const Strategy& before, const BackendList& before_list,
                               const Strategy& after, const BackendList& after_list,
                               const std::string& changed, bool added) {
  Movement m;
  for (uint32_t k = 0; k < kPropertyKeys; ++k) {
    const uint64_t h = keyHash(k);
    const std::string& a = before_list[firstChoice(before, h)].key;
    const std::string& b = after_list[firstChoice(after, h)].key;
    if (a == b) continue;
    ++m.moved;
    if ((added ? b : a) == changed) ++m.moved_expected;
  }
  const size_t big = std::max(before_list.size(), after_list.size());
  m.factor = static_cast<double>(m.moved) / (static_cast<double>(kPropertyKeys) / big);
  return m;
}

// Largest relative deviation of any backend's first-choice share from its weight share.
inline double maxSpreadError(const Strategy& s, const BackendList& list) {
  std::vector<uint32_t> count(list.size(), 0);
  for (uint32_t k = 0; k < kPropertyKeys; ++k) ++count[firstChoice(s, keyHash(k))];
  double total_weight = 0;
  for (const auto& b : list) total_weight += b.weight;
  double worst = 0;
  for (size_t i = 0; i < list.size(); ++i) {
    const double expected = kPropertyKeys * (list[i].weight / total_weight);
    const double err = std::abs(count[i] - expected) / expected;
    UNSCOPED_INFO(list[i].key << " weight " << list[i].weight << ": " << count[i] << " keys, "
                              << 100 * err << "% off its weight share");
    worst = std::max(worst, err);
  }
  return worst;
}

// Same names, different list order: identical choices by name for every key.
inline bool sameChoicesByName(const Strategy& a, const BackendList& a_list, const Strategy& b,
                              const BackendList& b_list, uint32_t keys = 20000) {
  std::vector<BackendId> oa(a_list.size()), ob(b_list.size());
  for (uint32_t k = 0; k < keys; ++k) {
    const uint64_t h = keyHash(k);
    const uint32_t na = a.candidates(h, oa.data(), static_cast<uint32_t>(oa.size()));
    const uint32_t nb = b.candidates(h, ob.data(), static_cast<uint32_t>(ob.size()));
    if (na != nb) return false;
    for (uint32_t i = 0; i < na; ++i) {
      if (a_list[oa[i]].key != b_list[ob[i]].key) return false;
    }
  }
  return true;
}

} // namespace tether::routing::testing
