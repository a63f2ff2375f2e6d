#include "proxy/admin/prometheus_writer.h"

#include <cassert>
#include <charconv>
#include <cmath>

namespace tether::proxy::admin {

namespace {

std::string_view typeName(PrometheusWriter::Type type) {
  switch (type) {
  case PrometheusWriter::Type::Counter: return "counter";
  case PrometheusWriter::Type::Gauge: return "gauge";
  case PrometheusWriter::Type::Histogram: return "histogram";
  }
  return "untyped";
}

bool isAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool isDigit(char c) { return c >= '0' && c <= '9'; }

template <typename Int>
void appendInt(std::string& out, Int v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

} // namespace

bool PrometheusWriter::validMetricName(std::string_view name) {
  // [a-zA-Z_:][a-zA-Z0-9_:]*
  if (name.empty() || isDigit(name[0])) return false;
  for (char c : name) {
    if (!isAlpha(c) && !isDigit(c) && c != '_' && c != ':') return false;
  }
  return true;
}

bool PrometheusWriter::validLabelName(std::string_view name) {
  // [a-zA-Z_][a-zA-Z0-9_]*; names starting with "__" are reserved for Prometheus itself.
  if (name.empty() || isDigit(name[0]) || name.starts_with("__")) return false;
  for (char c : name) {
    if (!isAlpha(c) && !isDigit(c) && c != '_') return false;
  }
  return true;
}

void PrometheusWriter::appendValue(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
    return;
  }
  if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
    return;
  }
  char buf[64];
  // Integral values below 1e21 as plain digits (a counter of 1e6 reads "1000000", not "1e+06");
  // everything else in the shortest form that parses back to the same double.
  const bool integral = value == std::trunc(value) && std::fabs(value) < 1e21;
  const auto r = integral ? std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed)
                          : std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, r.ptr);
}

void PrometheusWriter::appendLabelValue(std::string& out, std::string_view value) {
  for (char c : value) {
    switch (c) {
    case '\\': out += "\\\\"; break;
    case '"': out += "\\\""; break;
    case '\n': out += "\\n"; break;
    default: out += c;
    }
  }
}

void PrometheusWriter::appendHelp(std::string& out, std::string_view help) {
  for (char c : help) {
    switch (c) {
    case '\\': out += "\\\\"; break;
    case '\n': out += "\\n"; break;
    default: out += c;
    }
  }
}

void PrometheusWriter::family(std::string_view name, Type type, std::string_view help) {
  assert(validMetricName(name));
  [[maybe_unused]] const bool inserted = families_.emplace(name).second;
  assert(inserted && "each family is written once");
  current_.assign(name);
  current_type_ = type;
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  appendHelp(out_, help);
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += typeName(type);
  out_ += '\n';
}

void PrometheusWriter::beginSample(std::string_view name, std::string_view suffix,
                                   const Labels& labels, std::string_view le) {
  assert(name == current_ && "a sample belongs to the family written last");
  out_ += name;
  out_ += suffix;
  if (!labels.empty() || !le.empty()) {
    out_ += '{';
    bool first = true;
    for (const auto& [k, v] : labels) {
      assert(validLabelName(k) && k != "le");
      if (!first) out_ += ',';
      first = false;
      out_ += k;
      out_ += "=\"";
      appendLabelValue(out_, v);
      out_ += '"';
    }
    if (!le.empty()) {
      if (!first) out_ += ',';
      out_ += "le=\"";
      out_ += le;
      out_ += '"';
    }
    out_ += '}';
  }
  out_ += ' ';
}

void PrometheusWriter::sample(std::string_view name, const Labels& labels, double value) {
  assert(current_type_ != Type::Histogram);
  beginSample(name, {}, labels);
  appendValue(out_, value);
  out_ += '\n';
}

void PrometheusWriter::sample(std::string_view name, const Labels& labels, uint64_t value) {
  assert(current_type_ != Type::Histogram);
  beginSample(name, {}, labels);
  appendInt(out_, value);
  out_ += '\n';
}

void PrometheusWriter::sample(std::string_view name, const Labels& labels, int64_t value) {
  assert(current_type_ != Type::Histogram);
  assert(current_type_ != Type::Counter || value >= 0);
  beginSample(name, {}, labels);
  appendInt(out_, value);
  out_ += '\n';
}

void PrometheusWriter::histogram(std::string_view name, const Labels& labels,
                                 std::span<const double> upper_bounds,
                                 std::span<const uint64_t> cumulative_counts, double sum,
                                 uint64_t count) {
  assert(current_type_ == Type::Histogram);
  assert(upper_bounds.size() == cumulative_counts.size());
  std::string le;
  for (size_t i = 0; i < upper_bounds.size() && i < cumulative_counts.size(); ++i) {
    assert(std::isfinite(upper_bounds[i]) && (i == 0 || upper_bounds[i - 1] < upper_bounds[i]));
    assert(cumulative_counts[i] <= count &&
           (i == 0 || cumulative_counts[i - 1] <= cumulative_counts[i]));
    le.clear();
    appendValue(le, upper_bounds[i]);
    beginSample(name, "_bucket", labels, le);
    appendInt(out_, cumulative_counts[i]);
    out_ += '\n';
  }
  beginSample(name, "_bucket", labels, "+Inf");
  appendInt(out_, count);
  out_ += '\n';
  beginSample(name, "_sum", labels);
  appendValue(out_, sum);
  out_ += '\n';
  beginSample(name, "_count", labels);
  appendInt(out_, count);
  out_ += '\n';
}

std::string PrometheusWriter::take() {
  std::string out;
  out.swap(out_);
  current_.clear();
  families_.clear();
  return out;
}

} // namespace tether::proxy::admin
