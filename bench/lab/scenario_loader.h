#pragma once
// Scenario loading: YAML text -> checked Scenario, or every problem as "FILE:LINE:COL: message"
// (the same shape tether's --check prints). The schema is documented key by key in
// bench/scenarios/README.md. Only scenario_loader.cc sees yaml-cpp (through config's
// FieldReader); nothing throws past it. Pure; any thread.

#include <optional>
#include <string>
#include <string_view>

#include "bench/lab/scenario.h"
#include "config/config_error.h"

namespace tether::lab {

struct ScenarioLoad {
  std::optional<Scenario> scenario;  // set when errors is empty
  config::ConfigErrors errors;

  bool ok() const { return scenario.has_value(); }
};

// `file` names the text in messages and is stored in Scenario::file.
ScenarioLoad parseScenario(std::string_view text, const std::string& file);
// Reads and parses a file; an unreadable file is one error at 0:0.
ScenarioLoad loadScenario(const std::string& path);

} // namespace tether::lab
