#pragma once
// Distribution: one random quantity of a scenario (session length in requests, think time), as
// written in the scenario file: `{dist: exponential, mean: 15s, max: 60s}`.
//
// Kinds:
//   constant    {value}            always `value`
//   uniform     {min, max}         uniform in [min, max]
//   exponential {mean}             memoryless; the classic think time
//   lognormal   {median, sigma}    heavy-ish right tail: exp(ln(median) + sigma * N(0, 1))
//   geometric   {mean}             whole numbers >= 1 with that mean (P(k) = (1-p)^(k-1) p,
//                                  p = 1/mean): "requests per session" when each request ends the
//                                  session with the same probability
// Every kind but uniform takes an optional `min` and `max`: draws outside are drawn again (up to
// 64 times, then clamped), so the bounds truncate the distribution rather than piling mass on
// the bound. Values are plain numbers; the loader converts durations to seconds.
//
// Immutable value type; sample() is deterministic for a given Rng state.

#include <string>

#include "bench/lab/rng.h"

namespace tether::lab {

struct Distribution {
  enum class Kind { Constant = 0, Uniform, Exponential, LogNormal, Geometric };
  Kind kind = Kind::Constant;
  double value = 0;    // constant
  double mean = 0;     // exponential, geometric
  double median = 0;   // lognormal
  double sigma = 0;    // lognormal
  double min = 0;      // lower bound (uniform: required)
  double max = 0;      // upper bound; 0 = none (uniform: required)

  double sample(Rng& rng) const;
  // A whole number >= 1 (requests per session): geometric draws are whole already, the others
  // are rounded to the nearest integer.
  uint32_t sampleCount(Rng& rng) const;
  // The largest value sample() can return (infinity when unbounded).
  double upperBound() const;
  // "exponential(mean 15s, max 60s)"; `seconds` renders values as durations.
  std::string describe(bool seconds) const;
};

// Names as written in scenario files, in Kind order.
const char* distributionKindName(Distribution::Kind kind);

} // namespace tether::lab
