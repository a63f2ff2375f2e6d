#include "bench/lab/runner.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "bench/lab/simulation.h"

namespace tether::lab {

namespace {

bool allowed(const std::vector<std::string>& filter, const std::string& value) {
  return filter.empty() || std::find(filter.begin(), filter.end(), value) != filter.end();
}

bool allowedFactor(const std::vector<double>& filter, double value) {
  return filter.empty() || std::find(filter.begin(), filter.end(), value) != filter.end();
}

std::string count(uint64_t n) { return std::to_string(n); }

} // namespace

const RunResult* LabRun::find(const LabConfig& config) const {
  for (const auto& r : results) {
    if (r.config == config) return &r;
  }
  return nullptr;
}

std::string LabRun::reproduceCommand() const {
  std::string cmd = "tether-lab --scenario " + scenario.file + " --seed " +
                    std::to_string(scenario.seed);
  if (quick) cmd += " --quick";
  return cmd;
}

LabRun runLab(Scenario scenario, const RunnerOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  LabRun run;
  if (options.seed) scenario.seed = *options.seed;
  run.quick = options.quick;
  const double scale = options.quick ? scenario.quick_scale : 1.0;
  run.plan = buildPlan(scenario, scale);

  std::vector<LabConfig> configs;
  for (const auto& c : scenario.configurations()) {
    const bool is_default = c == scenario.default_config;
    if (options.only_default && !is_default) continue;
    const bool matches = allowed(options.strategies, c.strategyName()) &&
                         allowed(options.bindings, std::string(bindingName(c.binding))) &&
                         allowedFactor(options.balance_factors, c.balance_factor);
    if (is_default || matches) configs.push_back(c);
  }
  RunOptions ro;
  ro.measure_time = options.measure_time;
  ro.moved_sample_keys = std::max<uint32_t>(
      100, static_cast<uint32_t>(scenario.moved_sample_keys * scale));
  for (size_t i = 0; i < configs.size(); ++i) {
    if (options.progress) options.progress(i, configs.size(), configs[i].label());
    ro.keep_series = configs[i] == scenario.default_config ||
                     std::find(scenario.charts.begin(), scenario.charts.end(), configs[i]) !=
                         scenario.charts.end();
    Simulation sim(scenario, run.plan, configs[i], ro);
    run.results.push_back(sim.run());
  }
  if (options.progress) options.progress(configs.size(), configs.size(), "");
  run.scenario = std::move(scenario);
  run.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return run;
}

std::vector<TargetCheck> checkTargets(const Scenario& scenario, const RunResult& result) {
  std::vector<TargetCheck> out;
  for (size_t i = 0; i < scenario.events.size(); ++i) {
    const EventSpec& e = scenario.events[i];
    const WindowMetrics& w = result.windows[i + 1];
    TargetCheck t;
    t.window = e.label;
    const std::string broken = count(w.broken) + " broken (" + count(w.broken_lost) + " lost with a backend, " +
                               count(w.broken_moved) + " moved)";
    switch (e.kind) {
    case EventKind::ScaleOut:
      t.target = "zero sessions broken on scale out";
      t.pass = w.broken == 0;
      t.detail = broken;
      break;
    case EventKind::ScaleIn:
      if (!e.drain) continue;
      t.target = "zero sessions broken on scale in with drain";
      t.pass = w.broken == 0;
      t.detail = broken + (w.drain_timeouts ? ", drain timed out with " + count(w.cut_sessions) +
                                                  " sessions active"
                                            : "");
      break;
    case EventKind::Recover:
      t.target = "zero sessions broken on recovery";
      t.pass = w.broken == 0;
      t.detail = broken;
      break;
    case EventKind::RollingRestart:
      if (!e.drain) continue;
      t.target = "zero sessions broken on a rolling restart with drain";
      t.pass = w.broken == 0 && w.finished >= 0;
      t.detail = broken + (w.finished < 0 ? ", did not finish before the end of the run" : "") +
                 (w.drain_timeouts ? ", " + count(w.drain_timeouts) + " drains timed out" : "");
      break;
    case EventKind::Crash:
      t.target = "a crash breaks only the crashed backend's sessions";
      t.pass = w.broken_moved == 0 && static_cast<int64_t>(w.broken_lost) <= w.at_risk;
      t.detail = broken + "; " + std::to_string(w.at_risk) + " sessions were active on " +
                 e.backend + " when it crashed";
      break;
    case EventKind::HotKey:
    case EventKind::Weight: continue;
    }
    out.push_back(std::move(t));
  }
  TargetCheck balance;
  balance.target = "peak-to-average sessions within 1.25 (placement, steady state)";
  balance.window = "steady";
  balance.pass = result.sessions_load.steady_samples > 0 && result.sessions_load.steady <= 1.25;
  char buf[160];
  std::snprintf(buf, sizeof buf, "%.3f mean over %u samples (worst %.3f); whole run: mean %.3f, worst %.3f",
                result.sessions_load.steady, result.sessions_load.steady_samples,
                result.sessions_load.steady_max, result.sessions_load.mean,
                result.sessions_load.max);
  balance.detail = buf;
  out.push_back(std::move(balance));
  return out;
}

} // namespace tether::lab
