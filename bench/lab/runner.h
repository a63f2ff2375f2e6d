#pragma once
// runLab: one lab run — builds the workload plan once, then simulates every configuration of the
// scenario against it, one after another on the calling thread (a run is meant to be compared
// with itself, so nothing else competes for the core while route() calls are timed).
//
// Also the targets tether's default configuration must meet (checkTargets). Used by
// main.cc and the tests. Not thread-safe.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bench/lab/metrics.h"
#include "bench/lab/scenario.h"
#include "bench/lab/workload.h"

namespace tether::lab {

struct RunnerOptions {
  bool quick = false;                      // scale arrival rate and key sample by quick_scale
  std::optional<uint64_t> seed;            // overrides the scenario's seed
  std::vector<std::string> strategies;     // empty = the scenario's; filters the matrix
  std::vector<std::string> bindings;       // empty = the scenario's
  std::vector<double> balance_factors;     // empty = the scenario's
  bool only_default = false;               // run tether's default configuration alone (tests)
  bool measure_time = true;
  // Called before each configuration starts and once at the end (done == total).
  std::function<void(size_t done, size_t total, const std::string& label)> progress;
};

struct LabRun {
  Scenario scenario;                       // as run: seed and --quick applied
  bool quick = false;
  WorkloadPlan plan;
  std::vector<RunResult> results;          // in Scenario::configurations() order, filtered
  double wall_seconds = 0;                 // measured, not deterministic

  const RunResult* find(const LabConfig& config) const;
  const RunResult* defaultResult() const { return find(scenario.default_config); }
  // The command that reproduces this run (without --out).
  std::string reproduceCommand() const;
};

LabRun runLab(Scenario scenario, const RunnerOptions& options);

struct TargetCheck {
  std::string target;   // "zero sessions broken on scale out"
  std::string window;   // event label, or "steady"
  bool pass = false;
  std::string detail;   // the measured value, in words
};

// The simulator's targets, checked on `result` (tether's default configuration).
std::vector<TargetCheck> checkTargets(const Scenario& scenario, const RunResult& result);

} // namespace tether::lab
