#include "bench/lab/scenario.h"

#include <algorithm>
#include <set>

namespace tether::lab {

std::string_view eventKindName(EventKind kind) {
  switch (kind) {
  case EventKind::HotKey: return "hot_key";
  case EventKind::ScaleOut: return "scale_out";
  case EventKind::ScaleIn: return "scale_in";
  case EventKind::Crash: return "crash";
  case EventKind::Recover: return "recover";
  case EventKind::RollingRestart: return "rolling_restart";
  case EventKind::Weight: return "weight";
  }
  return "?";
}

std::string Scenario::backendName(uint32_t index) const {
  return backend_prefix + std::to_string(index + 1);
}

std::vector<LabConfig> Scenario::configurations() const {
  std::vector<LabConfig> out;
  auto add = [&](const LabConfig& c) {
    if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
  };
  for (const auto& strategy : strategies) {
    for (Binding b : bindings) {
      for (double f : balance_factors) add({strategy, b, f});
    }
  }
  add(default_config);
  for (const auto& c : charts) add(c);
  return out;
}

std::vector<std::string> namesToAdd(const Scenario& s, const std::vector<std::string>& present,
                                    uint32_t count) {
  std::vector<std::string> out;
  std::set<std::string> taken(present.begin(), present.end());
  for (uint32_t i = 0; out.size() < count; ++i) {
    std::string name = s.backendName(i);
    if (taken.insert(name).second) out.push_back(std::move(name));
  }
  return out;
}

std::vector<TimelineProblem> checkTimeline(const Scenario& s) {
  std::vector<TimelineProblem> problems;
  std::vector<std::string> present;
  for (uint32_t i = 0; i < s.initial_backends; ++i) present.push_back(s.backendName(i));
  std::set<std::string> crashed, labels;
  auto has = [&](const std::string& n) {
    return std::find(present.begin(), present.end(), n) != present.end();
  };
  for (size_t i = 0; i < s.events.size(); ++i) {
    const EventSpec& e = s.events[i];
    auto problem = [&](std::string m) { problems.push_back({i, std::move(m)}); };
    if (!labels.insert(e.label).second) problem("the label '" + e.label + "' is used twice; give one a name:");
    if (i == 0 && e.at <= s.warmup) problem("the first event must come after the warm-up");
    if (i > 0 && e.at <= s.events[i - 1].at) problem("events must be in strictly increasing time order");
    if (e.at >= s.duration) problem("comes at or after the end of the run (duration)");
    const auto count = static_cast<uint32_t>(present.size());
    switch (e.kind) {
    case EventKind::HotKey: break;
    case EventKind::RollingRestart:
      if (!e.drain && e.restart_time == 0) problem("a restart without drain needs a restart_time");
      break;
    case EventKind::ScaleOut: {
      if (e.to <= count) {
        problem("scale_out to " + std::to_string(e.to) + " but " + std::to_string(count) +
                " backends are configured then");
        break;
      }
      for (auto& n : namesToAdd(s, present, e.to - count)) present.push_back(std::move(n));
      break;
    }
    case EventKind::ScaleIn:
      if (e.to >= count) {
        problem("scale_in to " + std::to_string(e.to) + " but only " + std::to_string(count) +
                " backends are configured then");
        break;
      }
      while (present.size() > e.to) {
        crashed.erase(present.back());
        present.pop_back();
      }
      break;
    case EventKind::Crash:
      if (!has(e.backend)) problem("no backend '" + e.backend + "' at that time");
      else if (!crashed.insert(e.backend).second) problem("'" + e.backend + "' is already down");
      break;
    case EventKind::Recover:
      if (!crashed.erase(e.backend)) problem("'" + e.backend + "' is not down at that time");
      break;
    case EventKind::Weight:
      if (!has(e.backend)) problem("no backend '" + e.backend + "' at that time");
      break;
    }
  }
  return problems;
}

} // namespace tether::lab
