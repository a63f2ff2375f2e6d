#pragma once
// ConfigLoader: YAML text -> validated Config, or every problem found (not just the first).
//
// This is the only place in tether that catches yaml-cpp exceptions; they become ConfigErrors with
// the YAML mark's line and column. Unknown keys, wrong types, bad durations ("250ms", "10s", "2m",
// "1h"), bad addresses, out-of-range numbers and duplicate backend names are all errors: nothing is
// silently defaulted. Blocking (reads a file): call it off the event loops.

#include <string>
#include <variant>

#include "config/config_error.h"
#include "config/config_model.h"

namespace tether::config {

struct LoadResult {
  std::variant<Config, ConfigErrors> value;

  bool ok() const { return std::holds_alternative<Config>(value); }
  const Config& config() const { return std::get<Config>(value); }
  Config& config() { return std::get<Config>(value); }
  const ConfigErrors& errors() const { return std::get<ConfigErrors>(value); }
};

// Parses `text` as if read from `file_name` (used in error positions).
LoadResult loadConfigString(const std::string& text, const std::string& file_name);
// Reads and parses a file; an unreadable file is one error at 0:0 naming errno's text.
LoadResult loadConfigFile(const std::string& path);

} // namespace tether::config
