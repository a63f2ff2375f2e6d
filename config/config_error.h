#pragma once
// ConfigError: one problem in a config file, positioned for humans as "FILE:LINE:COL: message".
// Lines and columns are 1-based. Errors are values; config/ never throws past its loader.

#include <string>
#include <vector>

namespace tether::config {

struct ConfigError {
  std::string file;
  int line = 0;
  int column = 0;
  std::string message;

  std::string toString() const;
};

using ConfigErrors = std::vector<ConfigError>;

} // namespace tether::config
