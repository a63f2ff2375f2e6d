#include "proxy/access_log.h"

#include <spdlog/async.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace tether::proxy {

namespace {

// JSON string escaping for the few fields that carry client-controlled bytes.
std::string jsonEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < 0x20 || c >= 0x7f) {
      fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

} // namespace

std::unique_ptr<AccessLog> AccessLog::create(const config::LoggingConfig& config,
                                             std::string* error) {
  std::unique_ptr<AccessLog> log(new AccessLog());
  if (config.access_log == "off") return log;
  log->json_ = config.format == config::LoggingConfig::Format::Json;
  // One background thread formats and writes; 8192 queued lines absorb bursts.
  static std::once_flag pool_once;
  std::call_once(pool_once, [] { spdlog::init_thread_pool(8192, 1); });
  spdlog::sink_ptr sink;
  try {  // spdlog reports a file it cannot open by throwing; keep that inside this function
    if (config.access_log == "stdout") {
      sink = std::make_shared<spdlog::sinks::stdout_sink_mt>();
    } else {
      sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(config.access_log);
    }
  } catch (const spdlog::spdlog_ex& e) {
    if (error) *error = e.what();
    return nullptr;
  }
  log->logger_ = std::make_shared<spdlog::async_logger>(
      "access", sink, spdlog::thread_pool(), spdlog::async_overflow_policy::overrun_oldest);
  // The time is formatted on the logging thread, not on the loop.
  log->logger_->set_pattern(log->json_ ? "{\"time\":\"%Y-%m-%dT%H:%M:%S.%e%z\",%v}"
                                       : "%Y-%m-%dT%H:%M:%S.%e%z %v");
  log->logger_->set_level(spdlog::level::info);
  return log;
}

AccessLog::~AccessLog() {
  if (logger_) logger_->flush();
}

void AccessLog::flush() {
  if (logger_) logger_->flush();
}

void AccessLog::log(const AccessRecord& r) {
  if (!logger_) return;
  const double ms = static_cast<double>(r.duration.count()) / 1000.0;
  if (json_) {
    // The pattern set in create() opens the object with the time and closes it after this.
    logger_->info(
        "\"client\":\"{}\",\"method\":\"{}\",\"target\":\"{}\",\"status\":{},\"bytes_in\":{},"
        "\"bytes_out\":{},\"duration_ms\":{:.3f},\"backend\":\"{}\",\"reason\":\"{}\"",
        r.client, jsonEscape(r.method), jsonEscape(r.target), r.status, r.bytes_in, r.bytes_out,
        ms, jsonEscape(r.backend), r.reason);
  } else {
    logger_->info("{} \"{} {}\" {} in={} out={} {:.3f}ms backend={} reason={}", r.client, r.method,
                  r.target, r.status, r.bytes_in, r.bytes_out, ms, r.backend, r.reason);
  }
}

} // namespace tether::proxy
