#pragma once
// Rng: the lab's only source of randomness. xoshiro256** (Blackman & Vigna, "Scrambled linear
// pseudorandom number generators", 2018) seeded through SplitMix64, so a run is a pure function
// of the scenario and its seed on any machine with the same libm (std::log, std::exp, std::sqrt
// and std::cos are the only floating-point library calls on these paths).
//
// Streams: every consumer (arrivals, each session, the per-request random numbers of the random
// strategy, the moved-keys sample) draws from its own generator seeded with stream(seed, n, i),
// so adding a draw in one place never shifts the numbers another place sees, and every
// configuration of one run replays exactly the same workload.
//
// Not thread-safe; cheap to copy. Never allocates.

#include <cmath>
#include <cstdint>

#include "routing/hash.h"

namespace tether::lab {

class Rng {
public:
  explicit Rng(uint64_t seed) {
    uint64_t x = seed;
    for (auto& s : s_) s = splitMix(x);
  }

  uint64_t next() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, 1), 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Uniform in (0, 1]: safe under log().
  double uniformPositive() { return static_cast<double>((next() >> 11) + 1) * 0x1.0p-53; }
  // Exponential with the given mean (inverse transform).
  double exponential(double mean) { return -mean * std::log(uniformPositive()); }
  // Standard normal (Box-Muller, one value per call: no cached second value, so a draw count
  // never depends on call history).
  double normal() {
    const double u1 = uniformPositive();
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  // Uniform integer in [0, n), n > 0 (Lemire's multiply-shift; the bias is below 2^-32 for the
  // small n used here).
  uint64_t below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(next()) * n) >> 64);
  }

  // Seed of stream `stream`, item `index`, derived from the run's seed.
  static uint64_t stream(uint64_t seed, uint64_t stream, uint64_t index = 0) {
    return routing::mix64(routing::mix64(seed, stream), index);
  }

private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static uint64_t splitMix(uint64_t& x) {
    uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  uint64_t s_[4];
};

} // namespace tether::lab
