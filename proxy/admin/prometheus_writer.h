#pragma once
// PrometheusWriter: builds a /metrics body in the Prometheus text exposition format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/). Serve it with
// kPrometheusContentType.
//
//   PrometheusWriter w;
//   w.family("tether_requests_total", PrometheusWriter::Type::Counter, "Requests proxied.");
//   w.sample("tether_requests_total", {{"backend", "a"}}, uint64_t{12});
//   w.family("tether_request_seconds", PrometheusWriter::Type::Histogram, "Request latency.");
//   w.histogram("tether_request_seconds", {}, bounds, cumulative_counts, sum, count);
//   std::string body = w.take();
//
// The caller emits each family once, its samples right after it (the format requires a family's
// lines to be contiguous and its TYPE line first). Escaping follows the format: label values
// escape \\, \" and newline; HELP text escapes \\ and newline. Numbers: integers exactly; doubles
// integral and below 1e21 print as plain digits, others in the shortest form that round-trips;
// NaN, +Inf, -Inf as the format spells them.
// Metric and label names are the caller's constants, so an invalid name, a sample outside its
// family or a repeated family is a programming error, checked by assert() in debug builds only.
// Label values may come from config or the network; they are escaped, never checked.
// Pure value type; no I/O; any thread, one at a time.

#include <concepts>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

namespace tether::proxy::admin {

inline constexpr std::string_view kPrometheusContentType =
    "text/plain; version=0.0.4; charset=utf-8";

class PrometheusWriter {
public:
  enum class Type { Counter = 0, Gauge, Histogram };
  using Labels = std::vector<std::pair<std::string, std::string>>;

  // "# HELP name help" and "# TYPE name type". Starts a family; its samples follow.
  void family(std::string_view name, Type type, std::string_view help);

  // "name{k="v",...} value". `name` is the family name (for a histogram family use histogram()).
  void sample(std::string_view name, const Labels& labels, double value);
  void sample(std::string_view name, const Labels& labels, uint64_t value);
  void sample(std::string_view name, const Labels& labels, int64_t value);
  // Any other integer type without overload ambiguity (an int literal, size_t, uint32_t, ...).
  template <std::integral T>
  void sample(std::string_view name, const Labels& labels, T value) {
    if constexpr (std::is_signed_v<T>) {
      sample(name, labels, static_cast<int64_t>(value));
    } else {
      sample(name, labels, static_cast<uint64_t>(value));
    }
  }

  // One histogram series of the current Histogram family `name`: a name_bucket sample per upper
  // bound (label le, after `labels`) with its cumulative count, then le="+Inf" = `count`, then
  // name_sum and name_count. `upper_bounds` ascending and finite (+Inf is added here);
  // `cumulative_counts` has one entry per bound, non-decreasing and at most `count`.
  void histogram(std::string_view name, const Labels& labels, std::span<const double> upper_bounds,
                 std::span<const uint64_t> cumulative_counts, double sum, uint64_t count);

  // The text so far; the writer is empty and reusable afterwards.
  std::string take();
  const std::string& str() const { return out_; }

  // Format helpers, exposed for tests and other writers.
  static void appendValue(std::string& out, double value);
  static void appendLabelValue(std::string& out, std::string_view value);  // escaped, no quotes
  static void appendHelp(std::string& out, std::string_view help);         // escaped
  static bool validMetricName(std::string_view name);
  static bool validLabelName(std::string_view name);

private:
  void beginSample(std::string_view name, std::string_view suffix, const Labels& labels,
                   std::string_view le = {});

  std::string out_;
  std::string current_;  // family being written
  Type current_type_ = Type::Counter;
  std::unordered_set<std::string> families_;  // debug check: each family once
};

} // namespace tether::proxy::admin
