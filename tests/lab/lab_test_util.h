#pragma once
// Helpers for the lab tests: the checked-in scenarios, and hand-made workload plans small enough
// to reason about request by request.

#include <catch2/catch.hpp>

#include <string>

#include "bench/lab/scenario_loader.h"
#include "bench/lab/workload.h"

namespace tether::lab::testing {

inline std::string scenarioPath(const std::string& name) {
  return std::string(TETHER_LAB_SCENARIOS) + "/" + name;
}

inline Scenario loadChecked(const std::string& name) {
  auto loaded = loadScenario(scenarioPath(name));
  INFO((loaded.errors.empty() ? std::string() : loaded.errors[0].toString()));
  REQUIRE(loaded.ok());
  return std::move(*loaded.scenario);
}

// A scenario shell for hand-made plans: `backends` backends, no workload of its own, one-second
// samples, and a 10-minute application timeout.
inline Scenario tinyScenario(uint32_t backends, Micros duration) {
  auto loaded = parseScenario(R"(
name: tiny
duration: 1h
sample_interval: 1s
workload:
  arrival_rate: 1
  requests_per_session: {dist: constant, value: 1}
  think_time: {dist: constant, value: 1s}
app: {session_idle_timeout: 10m}
compare:
  strategies: [ring]
  bindings: [none]
  balance_factors: [off]
  default: {strategy: ring, binding: cookie, balance_factor: off}
)", "tiny.yaml");
  REQUIRE(loaded.ok());
  Scenario s = std::move(*loaded.scenario);
  s.initial_backends = backends;
  s.duration = duration;
  return s;
}

// Appends a session whose requests come at `times` (seconds) from `ips` (one per request, or
// one for all).
inline uint32_t addSession(WorkloadPlan& plan, uint64_t sid, const std::vector<double>& times,
                           std::vector<uint32_t> ips, ClientKind kind = ClientKind::Plain) {
  const auto index = static_cast<uint32_t>(plan.sessions.size());
  PlannedSession s;
  s.sid = sid;
  s.arrival = static_cast<Micros>(times.front() * 1e6);
  s.requests = static_cast<uint32_t>(times.size());
  s.kind = kind;
  plan.sessions.push_back(s);
  for (size_t i = 0; i < times.size(); ++i) {
    plan.requests.push_back({static_cast<Micros>(times[i] * 1e6), index, ips.size() == 1 ? ips[0] : ips[i]});
  }
  return index;
}

inline void sortPlan(WorkloadPlan& plan) {
  std::sort(plan.requests.begin(), plan.requests.end(), [](const PlannedRequest& a, const PlannedRequest& b) {
    return a.at != b.at ? a.at < b.at : a.session < b.session;
  });
}

} // namespace tether::lab::testing
