#pragma once
// The one hash function of routing: XXH3-64 with the configured `routing.hash_seed`. Session keys
// and backend names both go through it, so two tether instances with the same config (same seed,
// same backend names) make identical choices. Changing the function or the seed remaps users in
// production: the golden-vector tests pin it.

#include <cstdint>
#include <string_view>

#include <xxhash.h>

namespace tether::routing {

inline uint64_t hashBytes(std::string_view bytes, uint64_t seed) {
  return XXH3_64bits_withSeed(bytes.data(), bytes.size(), seed);
}

// Mixes two 64-bit values (for derived probes: rehash a key with an attempt number, score a
// key against a backend). SplitMix64's finaliser: cheap, and every input bit affects the output.
inline uint64_t mix64(uint64_t a, uint64_t b) {
  uint64_t z = a ^ (b + 0x9e3779b97f4a7c15ULL + (a << 6) + (a >> 2));
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

} // namespace tether::routing
