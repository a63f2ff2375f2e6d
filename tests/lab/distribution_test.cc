// Rng, Distribution, ZipfTable and the workload plan's arrival process: the randomness every lab
// figure rests on.

#include <catch2/catch.hpp>

#include <cmath>
#include <algorithm>
#include <map>
#include <set>
#include <vector>

#include "bench/lab/distribution.h"
#include "bench/lab/workload.h"
#include "lab_test_util.h"

namespace tether::lab {
namespace {

struct Moments {
  double mean = 0;
  double variance = 0;
};

template <class F> Moments moments(int n, F&& draw) {
  double sum = 0, sq = 0;
  for (int i = 0; i < n; ++i) {
    const double v = draw();
    sum += v;
    sq += v * v;
  }
  const double mean = sum / n;
  return {mean, sq / n - mean * mean};
}

TEST_CASE("Rng is a pure function of its seed", "[lab]") {
  // Given two generators with one seed and one with another, expect equal and different streams.
  Rng a(7), b(7), c(8);
  bool differs = false;
  for (int i = 0; i < 1000; ++i) {
    const uint64_t x = a.next();
    REQUIRE(x == b.next());
    differs = differs || x != c.next();
  }
  CHECK(differs);
  CHECK(Rng::stream(1, 2, 3) == Rng::stream(1, 2, 3));
  CHECK(Rng::stream(1, 2, 3) != Rng::stream(1, 2, 4));
}

TEST_CASE("uniform and exponential draws have the textbook moments", "[lab]") {
  Rng rng(42);
  const auto u = moments(200000, [&] { return rng.uniform(); });
  CHECK(u.mean == Approx(0.5).margin(0.005));
  CHECK(u.variance == Approx(1.0 / 12).margin(0.002));
  // Exponential(mean 3): mean 3, variance 9.
  const auto e = moments(200000, [&] { return rng.exponential(3.0); });
  CHECK(e.mean == Approx(3.0).epsilon(0.02));
  CHECK(e.variance == Approx(9.0).epsilon(0.05));
  const auto n = moments(200000, [&] { return rng.normal(); });
  CHECK(n.mean == Approx(0.0).margin(0.01));
  CHECK(n.variance == Approx(1.0).epsilon(0.02));
}

TEST_CASE("distributions: means, medians and truncation", "[lab]") {
  Rng rng(3);
  Distribution geo;
  geo.kind = Distribution::Kind::Geometric;
  geo.mean = 10;
  const auto g = moments(200000, [&] { return static_cast<double>(geo.sampleCount(rng)); });
  CHECK(g.mean == Approx(10).epsilon(0.02));
  CHECK(g.variance == Approx(90).epsilon(0.06));  // (1 - p) / p^2 with p = 0.1

  Distribution logn;
  logn.kind = Distribution::Kind::LogNormal;
  logn.median = 20;
  logn.sigma = 1;
  std::vector<double> v;
  for (int i = 0; i < 100001; ++i) v.push_back(logn.sample(rng));
  std::nth_element(v.begin(), v.begin() + 50000, v.end());
  CHECK(v[50000] == Approx(20).epsilon(0.03));

  // Truncation redraws: nothing above max, and the mean drops below the untruncated one.
  Distribution capped;
  capped.kind = Distribution::Kind::Exponential;
  capped.mean = 20;
  capped.max = 30;
  double top = 0;
  const auto c = moments(100000, [&] {
    const double x = capped.sample(rng);
    top = std::max(top, x);
    return x;
  });
  CHECK(top <= 30);
  CHECK(c.mean < 20);
  CHECK(capped.upperBound() == 30);

  Distribution uni;
  uni.kind = Distribution::Kind::Uniform;
  uni.min = 2;
  uni.max = 4;
  const auto un = moments(100000, [&] { return uni.sample(rng); });
  CHECK(un.mean == Approx(3).epsilon(0.01));
  CHECK(uni.describe(true) == "uniform(min 2s, max 4s)");
}

TEST_CASE("Zipf table: item shares follow 1/rank^s", "[lab]") {
  // Given 4 items and s = 1, expect shares proportional to 1, 1/2, 1/3, 1/4 (sum 25/12).
  ZipfTable zipf(4, 1.0);
  Rng rng(9);
  std::map<uint32_t, int> counts;
  constexpr int kDraws = 200000;
  for (int i = 0; i < kDraws; ++i) ++counts[zipf.sample(rng)];
  for (uint32_t i = 0; i < 4; ++i) {
    const double expected = (1.0 / (i + 1)) / (25.0 / 12);
    CHECK(static_cast<double>(counts[i]) / kDraws == Approx(expected).epsilon(0.03));
  }
}

TEST_CASE("session arrivals are a Poisson process of the configured rate", "[lab]") {
  // Given 5 sessions/s for 2 hours, expect ~36000 sessions, exponential gaps (coefficient of
  // variation 1) and per-minute counts whose variance equals their mean (dispersion ~1).
  Scenario s = testing::tinyScenario(4, 120 * kMinute);
  s.workload.arrival_rate = 5;
  const WorkloadPlan plan = buildPlan(s);
  const double n = static_cast<double>(plan.sessions.size());
  CHECK(n == Approx(36000).epsilon(0.02));
  std::vector<double> gaps;
  std::vector<double> per_minute(120, 0);
  for (size_t i = 0; i < plan.sessions.size(); ++i) {
    const Micros at = plan.sessions[i].arrival;
    per_minute[static_cast<size_t>(at / kMinute)] += 1;
    if (i > 0) gaps.push_back(static_cast<double>(at - plan.sessions[i - 1].arrival) / 1e6);
  }
  size_t k = 0;
  const auto g = moments(static_cast<int>(gaps.size()), [&] { return gaps[k++]; });
  CHECK(g.mean == Approx(0.2).epsilon(0.02));
  CHECK(std::sqrt(g.variance) / g.mean == Approx(1.0).epsilon(0.05));
  k = 0;
  const auto m = moments(120, [&] { return per_minute[k++]; });
  CHECK(m.mean == Approx(300).epsilon(0.02));
  CHECK(m.variance / m.mean == Approx(1.0).margin(0.45));  // 120 windows: the ratio's sd is ~0.13
}

TEST_CASE("workload plan: shares of NAT, mobile and hot-key traffic", "[lab]") {
  Scenario s = testing::tinyScenario(4, 60 * kMinute);
  s.workload.arrival_rate = 4;
  s.workload.requests_per_session.kind = Distribution::Kind::Geometric;
  s.workload.requests_per_session.mean = 5;
  s.workload.nat = {0.3, 4, 1.0};
  s.workload.mobile = {0.2, 0.5};
  EventSpec hot;
  hot.kind = EventKind::HotKey;
  hot.label = "hot_key";
  hot.at = 20 * kMinute;
  hot.share = 0.2;
  hot.duration = 10 * kMinute;
  s.events.push_back(hot);
  const WorkloadPlan plan = buildPlan(s);
  const double sessions = static_cast<double>(plan.sessions.size());
  CHECK(plan.sessions_by_kind[1] / sessions == Approx(0.3).epsilon(0.05));
  CHECK(plan.sessions_by_kind[2] / sessions == Approx(0.2).epsilon(0.06));
  CHECK(plan.sessions_by_kind[3] == 1);
  // Within the hot window the hot session carries ~20% of the requests.
  uint64_t hot_requests = 0, window = 0;
  std::map<uint32_t, std::set<uint32_t>> ips_by_session;
  for (const auto& r : plan.requests) {
    if (r.at >= hot.at && r.at < hot.at + hot.duration) {
      ++window;
      hot_requests += plan.sessions[r.session].kind == ClientKind::Hot;
    }
    ips_by_session[r.session].insert(r.ip);
  }
  CHECK(static_cast<double>(hot_requests) / window == Approx(0.2).epsilon(0.08));
  // NAT sessions use at most 4 addresses between them; some mobile sessions change address,
  // plain ones never do.
  std::set<uint32_t> nat_ips;
  size_t mobile_changed = 0;
  for (const auto& [session, ips] : ips_by_session) {
    const ClientKind kind = plan.sessions[session].kind;
    if (kind == ClientKind::Nat) nat_ips.insert(ips.begin(), ips.end());
    if (kind == ClientKind::Plain) REQUIRE(ips.size() == 1);
    if (kind == ClientKind::Mobile && ips.size() > 1) ++mobile_changed;
  }
  CHECK(nat_ips.size() <= 4);
  CHECK(mobile_changed > 0);
  // Time order.
  for (size_t i = 1; i < plan.requests.size(); ++i) REQUIRE(plan.requests[i - 1].at <= plan.requests[i].at);
}

} // namespace
} // namespace tether::lab
