#pragma once
// A strict parser of the Prometheus text exposition format 0.0.4, so integration tests can assert
// that /metrics is something Prometheus would scrape, and read values out of it. Written from the
// format documentation, independently of tether's PrometheusWriter, so the tests do not judge the
// writer with its own assumptions.
//
// Checks, each failing with the line number:
// - every line ends in '\n' (the last one too); no '\r'; blank lines allowed;
// - "# HELP name text" (escapes \\ and \n only) and "# TYPE name type" (counter, gauge,
//   histogram, summary, untyped); other '#' lines are comments;
// - metric names [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]* not starting with
//   "__"; label values quoted with escapes \\, \" and \n only; no duplicate label in a sample;
// - values: Go-style floats, NaN, +Inf, -Inf (Inf); optional int64 millisecond timestamp;
// - per family: at most one HELP and one TYPE, the TYPE before any of its samples, all its lines
//   contiguous; no duplicate series; counters not negative;
// - histograms: only name_bucket (with a float "le", "+Inf" included, counts non-decreasing),
//   name_sum and name_count (= the +Inf bucket) per label set; summaries: name, name_sum,
//   name_count.
// Test-only; pure function; any thread.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tether::test {

struct PromSample {
  std::string name;
  std::map<std::string, std::string> labels;  // unescaped
  double value = 0;
  std::optional<int64_t> timestamp_ms;
  size_t line = 0;
};

struct PromFamily {
  std::string name;
  std::string type = "untyped";  // as written in TYPE, or "untyped" when there was none
  std::string help;              // unescaped
};

struct PromParseResult {
  std::vector<PromSample> samples;  // in input order
  std::map<std::string, PromFamily> families;
  std::string error;                // empty on success; "line N: message"
  size_t error_line = 0;

  bool ok() const { return error.empty(); }
  // The sample with exactly this name and label set.
  const PromSample* find(std::string_view name,
                         const std::map<std::string, std::string>& labels = {}) const;
  std::optional<double> value(std::string_view name,
                              const std::map<std::string, std::string>& labels = {}) const;
  // Every sample with this name.
  std::vector<const PromSample*> all(std::string_view name) const;
};

PromParseResult parsePrometheusText(std::string_view text);

} // namespace tether::test
