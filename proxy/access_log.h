#pragma once
// AccessLog: one line per finished exchange, written by spdlog's async logger so the event loops
// never block on a write. When the queue is full the oldest line is dropped (overrun_oldest):
// losing a log line under overload is better than stalling every connection of a worker.
// Thread-safe; shared by all workers.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "config/config_model.h"

namespace spdlog {
class logger;
}

namespace tether::proxy {

struct AccessRecord {
  std::string_view client;   // peer address
  std::string_view method;
  std::string_view target;
  int status = 0;            // 0 when the client left before any response
  uint64_t bytes_in = 0;     // request body bytes received
  uint64_t bytes_out = 0;    // response body bytes sent
  std::chrono::microseconds duration{0};
  std::string_view backend;  // backend key, "-" when none
  std::string_view reason;   // routing reason or error name
};

class AccessLog {
public:
  // nullptr with `error` set when the file cannot be opened. access_log: off gives a disabled log.
  static std::unique_ptr<AccessLog> create(const config::LoggingConfig& config, std::string* error);
  ~AccessLog();

  bool enabled() const { return logger_ != nullptr; }
  void log(const AccessRecord& record);
  void flush();

private:
  AccessLog() = default;
  std::shared_ptr<spdlog::logger> logger_;
  bool json_ = false;
};

} // namespace tether::proxy
