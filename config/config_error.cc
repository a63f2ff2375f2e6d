#include "config/config_error.h"

namespace tether::config {

std::string ConfigError::toString() const {
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

} // namespace tether::config
