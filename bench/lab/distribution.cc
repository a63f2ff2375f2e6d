#include "bench/lab/distribution.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace tether::lab {

namespace {

constexpr int kRedraws = 64;

std::string number(double v, bool seconds) {
  char buf[64];
  if (seconds) {
    if (v >= 3600 && std::fmod(v, 3600) == 0) std::snprintf(buf, sizeof buf, "%gh", v / 3600);
    else if (v >= 60 && std::fmod(v, 60) == 0) std::snprintf(buf, sizeof buf, "%gm", v / 60);
    else if (v < 1) std::snprintf(buf, sizeof buf, "%gms", v * 1000);
    else std::snprintf(buf, sizeof buf, "%gs", v);
  } else {
    std::snprintf(buf, sizeof buf, "%g", v);
  }
  return buf;
}

} // namespace

const char* distributionKindName(Distribution::Kind kind) {
  switch (kind) {
  case Distribution::Kind::Constant: return "constant";
  case Distribution::Kind::Uniform: return "uniform";
  case Distribution::Kind::Exponential: return "exponential";
  case Distribution::Kind::LogNormal: return "lognormal";
  case Distribution::Kind::Geometric: return "geometric";
  }
  return "?";
}

double Distribution::sample(Rng& rng) const {
  const double hi = max > 0 ? max : std::numeric_limits<double>::infinity();
  double v = 0;
  for (int attempt = 0; attempt < kRedraws; ++attempt) {
    switch (kind) {
    case Kind::Constant: return value;
    case Kind::Uniform: return min + (max - min) * rng.uniform();
    case Kind::Exponential: v = rng.exponential(mean); break;
    case Kind::LogNormal: v = std::exp(std::log(median) + sigma * rng.normal()); break;
    case Kind::Geometric: {
      if (mean <= 1) return 1;
      const double p = 1.0 / mean;
      v = 1 + std::floor(std::log(rng.uniformPositive()) / std::log1p(-p));
      break;
    }
    }
    if (v >= min && v <= hi) return v;
  }
  return std::clamp(v, min, hi);
}

uint32_t Distribution::sampleCount(Rng& rng) const {
  const double v = std::round(sample(rng));
  if (v < 1) return 1;
  if (v > 1e9) return 1000000000u;
  return static_cast<uint32_t>(v);
}

double Distribution::upperBound() const {
  if (kind == Kind::Constant) return value;
  return max > 0 ? max : std::numeric_limits<double>::infinity();
}

std::string Distribution::describe(bool seconds) const {
  std::string s = distributionKindName(kind);
  std::string args;
  auto add = [&](const char* name, double v) {
    if (!args.empty()) args += ", ";
    args += name;
    args += ' ';
    args += number(v, seconds);
  };
  switch (kind) {
  case Kind::Constant: add("value", value); break;
  case Kind::Uniform: add("min", min); add("max", max); break;
  case Kind::Exponential: add("mean", mean); break;
  case Kind::LogNormal: add("median", median); args += ", sigma " + number(sigma, false); break;
  case Kind::Geometric: add("mean", mean); break;
  }
  if (kind != Kind::Constant && kind != Kind::Uniform) {
    if (min > 0) add("min", min);
    if (max > 0) add("max", max);
  }
  return s + "(" + args + ")";
}

} // namespace tether::lab
