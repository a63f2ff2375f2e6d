#include "bench/lab/results_writer.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <fstream>

namespace tether::lab {

namespace {

std::string jsonNumber(double v, int decimals) {
  return std::isnan(v) ? "null" : formatNumber(v, decimals);
}

std::string seconds(Micros us) { return formatNumber(static_cast<double>(us) / 1e6, 3); }

std::string jsonString(const std::string& s) { return "\"" + jsonEscape(s) + "\""; }

} // namespace

std::string formatNumber(double v, int decimals) {
  if (std::isnan(v)) return "";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string jsonEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
    case '"': out += "\\\""; break;
    case '\\': out += "\\\\"; break;
    case '\n': out += "\\n"; break;
    case '\t': out += "\\t"; break;
    case '\r': out += "\\r"; break;
    default:
      if (static_cast<unsigned char>(c) < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out += buf;
      } else {
        out += c;
      }
    }
  }
  return out;
}

std::string windowColumn(const std::string& prefix, const std::string& label) {
  std::string out = prefix + "_";
  for (char c : label) out += (std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
  return out;
}

std::string resultsCsv(const LabRun& run) {
  std::string out =
      "strategy,binding,balance_factor,tether_default,sessions,requests,unrouted,broken,"
      "broken_lost,broken_moved,sessions_broken,moved_factor,peak_avg_sessions_steady,"
      "peak_avg_sessions_mean,peak_avg_sessions_max,peak_avg_requests_steady,"
      "peak_avg_requests_mean,peak_avg_requests_max";
  const auto& windows = run.results.empty() ? std::vector<WindowMetrics>{} : run.results[0].windows;
  for (const auto& w : windows) {
    out += "," + windowColumn("broken", w.label) + "," + windowColumn("lost", w.label);
    if (w.event >= 0) out += "," + windowColumn("moved_factor", w.label);
  }
  out += "\n";
  for (const auto& r : run.results) {
    out += r.config.strategyName() + "," + std::string(bindingName(r.config.binding)) + "," +
           balanceName(r.config.balance_factor) + "," + (r.is_default ? "yes" : "no") + "," +
           std::to_string(r.sessions) + "," + std::to_string(r.requests) + "," +
           std::to_string(r.unrouted) + "," + std::to_string(r.broken) + "," +
           std::to_string(r.broken_lost) + "," + std::to_string(r.broken_moved) + "," +
           std::to_string(r.sessions_broken) + "," + formatNumber(r.movedFactorTotal(), 3) + "," +
           formatNumber(r.sessions_load.steady, 3) + "," + formatNumber(r.sessions_load.mean, 3) +
           "," + formatNumber(r.sessions_load.max, 3) + "," + formatNumber(r.requests_load.steady, 3) +
           "," + formatNumber(r.requests_load.mean, 3) + "," + formatNumber(r.requests_load.max, 3);
    for (const auto& w : r.windows) {
      out += "," + std::to_string(w.broken) + "," + std::to_string(w.broken_lost);
      if (w.event >= 0) out += "," + formatNumber(w.movedFactor(r.sticky), 3);
    }
    out += "\n";
  }
  return out;
}

std::string resultsJson(const LabRun& run) {
  const Scenario& s = run.scenario;
  const WorkloadPlan& p = run.plan;
  std::string o = "{\n";
  o += "  \"scenario\": {\"name\": " + jsonString(s.name) + ", \"file\": " + jsonString(s.file) +
       ", \"seed\": " + std::to_string(s.seed) + ", \"quick\": " + (run.quick ? "true" : "false") +
       ", \"reproduce\": " + jsonString(run.reproduceCommand()) + ", \"duration_s\": " +
       seconds(s.duration) + ", \"warmup_s\": " + seconds(s.warmup) + ", \"sample_interval_s\": " +
       seconds(s.sample_interval) + ", \"initial_backends\": " + std::to_string(s.initial_backends) +
       ", \"app_session_idle_timeout_s\": " + seconds(s.app_session_timeout) + "},\n";
  o += "  \"workload\": {\"arrival_rate\": " + formatNumber(p.arrival_rate, 4) +
       ", \"requests_per_session\": " + jsonString(s.workload.requests_per_session.describe(false)) +
       ", \"think_time\": " + jsonString(s.workload.think_time.describe(true)) +
       ", \"sessions\": {\"plain\": " + std::to_string(p.sessions_by_kind[0]) + ", \"nat\": " +
       std::to_string(p.sessions_by_kind[1]) + ", \"mobile\": " + std::to_string(p.sessions_by_kind[2]) +
       ", \"hot\": " + std::to_string(p.sessions_by_kind[3]) + "}, \"requests\": {\"plain\": " +
       std::to_string(p.requests_by_kind[0]) + ", \"nat\": " + std::to_string(p.requests_by_kind[1]) +
       ", \"mobile\": " + std::to_string(p.requests_by_kind[2]) + ", \"hot\": " +
       std::to_string(p.requests_by_kind[3]) + "}},\n";
  o += "  \"events\": [";
  for (size_t i = 0; i < s.events.size(); ++i) {
    const EventSpec& e = s.events[i];
    o += std::string(i ? ",\n    " : "\n    ") + "{\"label\": " + jsonString(e.label) + ", \"kind\": " +
         jsonString(std::string(eventKindName(e.kind))) + ", \"at_s\": " + seconds(e.at) + "}";
  }
  o += "\n  ],\n";
  o += "  \"default\": {\"strategy\": " + jsonString(s.default_config.strategyName()) + ", \"binding\": " +
       jsonString(std::string(bindingName(s.default_config.binding))) + ", \"balance_factor\": " +
       jsonString(balanceName(s.default_config.balance_factor)) + "},\n";
  o += "  \"targets\": [";
  if (const RunResult* d = run.defaultResult()) {
    const auto checks = checkTargets(s, *d);
    for (size_t i = 0; i < checks.size(); ++i) {
      o += std::string(i ? ",\n    " : "\n    ") + "{\"target\": " + jsonString(checks[i].target) +
           ", \"window\": " + jsonString(checks[i].window) + ", \"pass\": " +
           (checks[i].pass ? "true" : "false") + ", \"detail\": " + jsonString(checks[i].detail) + "}";
    }
  }
  o += "\n  ],\n  \"configurations\": [";
  for (size_t c = 0; c < run.results.size(); ++c) {
    const RunResult& r = run.results[c];
    auto pa = [](const PeakToAverage& x) {
      return "{\"steady\": " + formatNumber(x.steady, 4) + ", \"steady_max\": " + formatNumber(x.steady_max, 4) +
             ", \"mean\": " + formatNumber(x.mean, 4) + ", \"max\": " + formatNumber(x.max, 4) + "}";
    };
    o += std::string(c ? ",\n    " : "\n    ") + "{\"label\": " + jsonString(r.config.label()) +
         ", \"strategy\": " + jsonString(r.config.strategyName()) + ", \"binding\": " +
         jsonString(std::string(bindingName(r.config.binding))) + ", \"balance_factor\": " +
         jsonString(balanceName(r.config.balance_factor)) + ", \"tether_default\": " +
         (r.is_default ? "true" : "false") + ",\n     \"sessions\": " + std::to_string(r.sessions) +
         ", \"requests\": " + std::to_string(r.requests) + ", \"unrouted\": " + std::to_string(r.unrouted) +
         ", \"broken\": " + std::to_string(r.broken) + ", \"broken_lost\": " + std::to_string(r.broken_lost) +
         ", \"broken_moved\": " + std::to_string(r.broken_moved) + ", \"sessions_broken\": " +
         std::to_string(r.sessions_broken) + ", \"moved_factor\": " + jsonNumber(r.movedFactorTotal(), 4) +
         ",\n     \"peak_to_average_sessions\": " + pa(r.sessions_load) +
         ", \"peak_to_average_requests\": " + pa(r.requests_load) + ",\n     \"windows\": [";
    for (size_t i = 0; i < r.windows.size(); ++i) {
      const WindowMetrics& w = r.windows[i];
      o += std::string(i ? ",\n       " : "\n       ") + "{\"label\": " + jsonString(w.label) +
           ", \"start_s\": " + seconds(w.start) + ", \"requests\": " + std::to_string(w.requests) +
           ", \"broken\": " + std::to_string(w.broken) + ", \"lost\": " + std::to_string(w.broken_lost) +
           ", \"moved\": " + std::to_string(w.broken_moved) + ", \"unrouted\": " + std::to_string(w.unrouted) +
           ", \"keys_moved\": " + formatNumber(w.moved, 4) + ", \"keys_moved_minimum\": " +
           formatNumber(w.ideal, 4) + ", \"moved_factor\": " + jsonNumber(w.movedFactor(r.sticky), 4) +
           ", \"at_risk\": " + (w.at_risk >= 0 ? std::to_string(w.at_risk) : "null") +
           ", \"finished_s\": " + (w.finished >= 0 ? seconds(w.finished) : "null") +
           ", \"drain_timeouts\": " + std::to_string(w.drain_timeouts) + ", \"cut_sessions\": " +
           std::to_string(w.cut_sessions) + ", \"peak_avg_sessions_mean\": " +
           formatNumber(w.sessions_load.mean, 4) + ", \"peak_avg_sessions_max\": " +
           formatNumber(w.sessions_load.max, 4) + ", \"peak_avg_requests_mean\": " +
           formatNumber(w.requests_load.mean, 4) + ", \"peak_avg_requests_max\": " +
           formatNumber(w.requests_load.max, 4) + "}";
    }
    o += "]}";
  }
  o += "\n  ],\n  \"series\": [";
  bool first = true;
  for (const auto& r : run.results) {
    if (r.series.empty()) continue;
    o += std::string(first ? "\n    " : ",\n    ") + "{\"label\": " + jsonString(r.config.label()) +
         ", \"backends\": [";
    first = false;
    for (size_t i = 0; i < r.slot_names.size(); ++i) o += (i ? ", " : "") + jsonString(r.slot_names[i]);
    o += "], \"samples\": [";
    for (size_t k = 0; k < r.series.size(); ++k) {
      const LoadSample& ls = r.series[k];
      o += std::string(k ? ",\n      " : "\n      ") + "{\"t\": " + seconds(ls.at) +
           ", \"peak_avg_sessions\": " + formatNumber(ls.ratio_sessions, 4) +
           ", \"peak_avg_requests\": " + formatNumber(ls.ratio_requests, 4) + ", \"sessions\": [";
      for (size_t i = 0; i < ls.sessions.size(); ++i) {
        o += (i ? "," : "") + (ls.phase[i] == 255 ? std::string("null") : std::to_string(ls.sessions[i]));
      }
      o += "], \"requests\": [";
      for (size_t i = 0; i < ls.requests.size(); ++i) {
        o += (i ? "," : "") + (ls.phase[i] == 255 ? std::string("null") : std::to_string(ls.requests[i]));
      }
      o += "]}";
    }
    o += "]}";
  }
  o += "\n  ]\n}\n";
  return o;
}

std::string timingCsv(const LabRun& run) {
  std::string out = "strategy,binding,balance_factor,route_calls,ns_mean,ns_median,ns_p99\n";
  for (const auto& r : run.results) {
    out += r.config.strategyName() + "," + std::string(bindingName(r.config.binding)) + "," +
           balanceName(r.config.balance_factor) + "," + std::to_string(r.route_calls) + "," +
           formatNumber(r.route_ns, 1) + "," + formatNumber(r.route_ns_median, 0) + "," +
           formatNumber(r.route_ns_p99, 0) + "\n";
  }
  return out;
}

bool writeTextFile(const std::string& path, const std::string& content, std::string& error) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) {
    error = "cannot write " + path;
    return false;
  }
  out << content;
  out.close();
  if (!out) {
    error = "error writing " + path;
    return false;
  }
  return true;
}

} // namespace tether::lab
