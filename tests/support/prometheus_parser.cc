#include "tests/support/prometheus_parser.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <set>

namespace tether::test {

namespace {

bool isAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isBlank(char c) { return c == ' ' || c == '\t'; }

using Labels = std::map<std::string, std::string>;

// Go's strconv.ParseFloat forms the exposition format uses, minus hex and underscores.
std::optional<double> parseFloat(std::string_view s) {
  if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (s == "+Inf" || s == "Inf") return std::numeric_limits<double>::infinity();
  if (s == "-Inf") return -std::numeric_limits<double>::infinity();
  size_t i = 0;
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  const size_t start = i;
  size_t digits = 0;
  while (i < s.size() && isDigit(s[i])) ++i, ++digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && isDigit(s[i])) ++i, ++digits;
  }
  if (digits == 0) return std::nullopt;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    size_t exp_digits = 0;
    while (i < s.size() && isDigit(s[i])) ++i, ++exp_digits;
    if (exp_digits == 0) return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  double v = 0;
  const auto r = std::from_chars(s.data() + start, s.data() + s.size(), v);
  // Out of range is still a number to Go (±Inf or 0); only malformed text is an error here.
  if (r.ptr != s.data() + s.size()) return std::nullopt;
  return negative ? -v : v;
}

class Parser {
public:
  explicit Parser(std::string_view text) : text_(text) {}

  PromParseResult run();

private:
  struct Family {
    PromFamily info;
    bool has_help = false;
    bool has_type = false;
    size_t first_line = 0;
  };

  bool fail(std::string message) {
    if (result_.error.empty()) {
      result_.error_line = line_no_;
      result_.error = "line " + std::to_string(line_no_) + ": " + message;
    }
    return false;
  }
  bool failAt(size_t line, std::string message) {
    line_no_ = line;
    return fail(std::move(message));
  }

  bool parseLine(std::string_view line);
  bool parseComment(std::string_view line);
  bool parseSample(std::string_view line);
  bool enterFamily(const std::string& name);
  std::string familyOf(const std::string& sample_name) const;
  bool checkFamilies();
  bool checkHistogram(const Family& f);
  bool checkSummary(const Family& f);

  static size_t metricNameLength(std::string_view s);
  static bool validLabelName(std::string_view s);

  std::string_view text_;
  size_t line_no_ = 0;
  PromParseResult result_;
  std::map<std::string, Family> families_;
  std::string current_;                  // family of the previous HELP/TYPE/sample line
  std::set<std::string> left_;           // families whose block has ended
  std::set<std::string> sample_names_;   // every sample name seen so far
  std::set<std::pair<std::string, Labels>> series_;
  std::vector<std::string> sample_family_;  // parallel to result_.samples
};

PromParseResult Parser::run() {
  size_t pos = 0;
  while (pos < text_.size()) {
    ++line_no_;
    const size_t nl = text_.find('\n', pos);
    if (nl == std::string_view::npos) {
      fail("last line does not end in a line feed");
      return std::move(result_);
    }
    if (!parseLine(text_.substr(pos, nl - pos))) return std::move(result_);
    pos = nl + 1;
  }
  checkFamilies();
  if (!result_.ok()) result_.samples.clear();
  for (auto& [name, f] : families_) result_.families.emplace(name, f.info);
  return std::move(result_);
}

bool Parser::parseLine(std::string_view line) {
  if (line.find('\r') != std::string_view::npos) return fail("carriage return in line");
  size_t i = 0;
  while (i < line.size() && isBlank(line[i])) ++i;
  if (i == line.size()) return true;  // blank line
  if (line[i] == '#') return parseComment(line.substr(i + 1));
  return parseSample(line.substr(i));
}

size_t Parser::metricNameLength(std::string_view s) {
  size_t i = 0;
  if (s.empty() || !(isAlpha(s[0]) || s[0] == '_' || s[0] == ':')) return 0;
  while (i < s.size() && (isAlpha(s[i]) || isDigit(s[i]) || s[i] == '_' || s[i] == ':')) ++i;
  return i;
}

bool Parser::validLabelName(std::string_view s) {
  if (s.empty() || !(isAlpha(s[0]) || s[0] == '_') || s.starts_with("__")) return false;
  for (char c : s) {
    if (!isAlpha(c) && !isDigit(c) && c != '_') return false;
  }
  return true;
}

bool Parser::enterFamily(const std::string& name) {
  if (name == current_) return true;
  if (left_.count(name)) return fail("lines of family " + name + " are not contiguous");
  if (!current_.empty()) left_.insert(current_);
  current_ = name;
  auto& f = families_[name];
  if (f.info.name.empty()) {
    f.info.name = name;
    f.first_line = line_no_;
  }
  return true;
}

bool Parser::parseComment(std::string_view rest) {
  size_t i = 0;
  while (i < rest.size() && isBlank(rest[i])) ++i;
  size_t j = i;
  while (j < rest.size() && !isBlank(rest[j])) ++j;
  const std::string_view keyword = rest.substr(i, j - i);
  if (keyword != "HELP" && keyword != "TYPE") return true;  // a plain comment
  while (j < rest.size() && isBlank(rest[j])) ++j;
  rest.remove_prefix(j);
  const size_t n = metricNameLength(rest);
  if (n == 0) return fail("invalid metric name in " + std::string(keyword));
  if (n < rest.size() && !isBlank(rest[n])) {
    return fail("invalid metric name in " + std::string(keyword));
  }
  const std::string name(rest.substr(0, n));
  rest.remove_prefix(n);
  if (!rest.empty()) rest.remove_prefix(1);  // the one blank separating name and text

  if (keyword == "HELP") {
    std::string help;
    for (size_t k = 0; k < rest.size(); ++k) {
      if (rest[k] != '\\') {
        help += rest[k];
        continue;
      }
      if (++k == rest.size()) return fail("HELP ends in a lone backslash");
      if (rest[k] == '\\') {
        help += '\\';
      } else if (rest[k] == 'n') {
        help += '\n';
      } else {
        return fail(std::string("invalid escape \\") + rest[k] + " in HELP");
      }
    }
    if (!enterFamily(name)) return false;
    auto& f = families_[name];
    if (f.has_help) return fail("second HELP for " + name);
    f.has_help = true;
    f.info.help = std::move(help);
    return true;
  }

  size_t k = 0;
  while (k < rest.size() && isBlank(rest[k])) ++k;
  size_t e = k;
  while (e < rest.size() && !isBlank(rest[e])) ++e;
  const std::string type(rest.substr(k, e - k));
  while (e < rest.size() && isBlank(rest[e])) ++e;
  if (e != rest.size()) return fail("trailing text after TYPE");
  static const std::set<std::string> kTypes = {"counter", "gauge", "histogram", "summary",
                                               "untyped"};
  if (!kTypes.count(type)) return fail("unknown metric type \"" + type + "\"");
  if (!enterFamily(name)) return false;
  auto& f = families_[name];
  if (f.has_type) return fail("second TYPE for " + name);
  // The TYPE must precede every sample of the family, whatever its suffix.
  std::vector<std::string> names = {name};
  if (type == "histogram") names.push_back(name + "_bucket");
  if (type == "histogram" || type == "summary") {
    names.push_back(name + "_sum");
    names.push_back(name + "_count");
  }
  for (const auto& s : names) {
    if (sample_names_.count(s)) return fail("TYPE for " + name + " after its samples");
  }
  f.has_type = true;
  f.info.type = type;
  return true;
}

std::string Parser::familyOf(const std::string& sample_name) const {
  const auto exact = families_.find(sample_name);
  if (exact != families_.end() && exact->second.has_type) return sample_name;
  for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
    if (!std::string_view(sample_name).ends_with(suffix)) continue;
    const std::string base = sample_name.substr(0, sample_name.size() - suffix.size());
    const auto it = families_.find(base);
    if (it == families_.end()) continue;
    const std::string& type = it->second.info.type;
    if (type == "histogram" || (type == "summary" && suffix != "_bucket")) return base;
  }
  return sample_name;
}

bool Parser::parseSample(std::string_view line) {
  PromSample s;
  s.line = line_no_;
  const size_t n = metricNameLength(line);
  if (n == 0) return fail("invalid metric name");
  s.name.assign(line.substr(0, n));
  size_t i = n;
  if (i < line.size() && line[i] == '{') {
    ++i;
    for (;;) {
      while (i < line.size() && isBlank(line[i])) ++i;
      if (i < line.size() && line[i] == '}') {
        ++i;
        break;
      }
      size_t e = i;
      while (e < line.size() && line[e] != '=' && !isBlank(line[e])) ++e;
      const std::string label(line.substr(i, e - i));
      if (!validLabelName(label)) return fail("invalid label name \"" + label + "\"");
      i = e;
      while (i < line.size() && isBlank(line[i])) ++i;
      if (i >= line.size() || line[i] != '=') return fail("expected '=' after label " + label);
      ++i;
      while (i < line.size() && isBlank(line[i])) ++i;
      if (i >= line.size() || line[i] != '"') {
        return fail("label value of " + label + " not quoted");
      }
      ++i;
      std::string value;
      bool closed = false;
      while (i < line.size()) {
        const char c = line[i++];
        if (c == '"') {
          closed = true;
          break;
        }
        if (c != '\\') {
          value += c;
          continue;
        }
        if (i >= line.size()) break;
        const char esc = line[i++];
        if (esc == '\\') {
          value += '\\';
        } else if (esc == '"') {
          value += '"';
        } else if (esc == 'n') {
          value += '\n';
        } else {
          return fail(std::string("invalid escape \\") + esc + " in label value");
        }
      }
      if (!closed) return fail("unterminated label value of " + label);
      if (!s.labels.emplace(label, std::move(value)).second) {
        return fail("duplicate label " + label);
      }
      while (i < line.size() && isBlank(line[i])) ++i;
      if (i < line.size() && line[i] == ',') {
        ++i;
        continue;
      }
      if (i < line.size() && line[i] == '}') {
        ++i;
        break;
      }
      return fail("expected ',' or '}' after label " + label);
    }
  }
  if (i >= line.size() || !isBlank(line[i])) return fail("expected a blank before the value");
  while (i < line.size() && isBlank(line[i])) ++i;
  size_t e = i;
  while (e < line.size() && !isBlank(line[e])) ++e;
  const auto value = parseFloat(line.substr(i, e - i));
  if (!value) return fail("invalid value \"" + std::string(line.substr(i, e - i)) + "\"");
  s.value = *value;
  i = e;
  while (i < line.size() && isBlank(line[i])) ++i;
  if (i < line.size()) {
    e = i;
    while (e < line.size() && !isBlank(line[e])) ++e;
    int64_t ts = 0;
    const auto r = std::from_chars(line.data() + i, line.data() + e, ts);
    if (r.ec != std::errc() || r.ptr != line.data() + e) {
      return fail("invalid timestamp \"" + std::string(line.substr(i, e - i)) + "\"");
    }
    s.timestamp_ms = ts;
    i = e;
    while (i < line.size() && isBlank(line[i])) ++i;
    if (i < line.size()) return fail("trailing text after the timestamp");
  }

  const std::string family = familyOf(s.name);
  if (!enterFamily(family)) return false;
  const auto& f = families_[family];
  const std::string& type = f.info.type;
  if (type == "histogram" || type == "summary") {
    const bool bucket = s.name == family + "_bucket";
    if (s.name == family && type == "histogram") {
      return fail("histogram " + family + " sample without _bucket, _sum or _count");
    }
    if (bucket != (s.labels.count("le") == 1)) {
      return fail(bucket ? "_bucket sample without le label" : "le label outside _bucket");
    }
    if (const auto le = bucket ? parseFloat(s.labels["le"]) : 0.0; !le || std::isnan(*le)) {
      return fail("invalid le \"" + s.labels["le"] + "\"");
    }
    if (type == "summary" && s.name == family && s.labels.count("quantile") != 1) {
      return fail("summary " + family + " sample without quantile");
    }
  }
  if (type == "counter" && s.value < 0) return fail("negative counter " + s.name);
  if (!series_.emplace(s.name, s.labels).second) return fail("duplicate series " + s.name);
  sample_names_.insert(s.name);
  sample_family_.push_back(family);
  result_.samples.push_back(std::move(s));
  return true;
}

bool Parser::checkFamilies() {
  for (const auto& [name, f] : families_) {
    if (f.info.type == "histogram" && !checkHistogram(f)) return false;
    if (f.info.type == "summary" && !checkSummary(f)) return false;
  }
  return true;
}

bool Parser::checkHistogram(const Family& f) {
  struct Series {
    std::vector<std::pair<double, double>> buckets;  // (le, cumulative count)
    std::optional<double> sum, count;
    size_t line = 0;
  };
  std::map<Labels, Series> groups;
  for (size_t k = 0; k < result_.samples.size(); ++k) {
    const PromSample& s = result_.samples[k];
    if (sample_family_[k] != f.info.name) continue;
    const std::string_view suffix = std::string_view(s.name).substr(f.info.name.size());
    Labels key = s.labels;
    key.erase("le");
    Series& g = groups[key];
    if (g.line == 0) g.line = s.line;
    if (suffix == "_bucket") {
      g.buckets.emplace_back(*parseFloat(s.labels.at("le")), s.value);
    } else if (suffix == "_sum") {
      g.sum = s.value;
    } else {
      g.count = s.value;
    }
  }
  if (groups.empty()) return failAt(f.first_line, "histogram " + f.info.name + " has no samples");
  for (auto& [labels, g] : groups) {
    const std::string what = "histogram " + f.info.name;
    if (g.buckets.empty()) return failAt(g.line, what + " series without _bucket");
    if (!g.sum) return failAt(g.line, what + " series without _sum");
    if (!g.count) return failAt(g.line, what + " series without _count");
    std::sort(g.buckets.begin(), g.buckets.end());
    if (!std::isinf(g.buckets.back().first) || g.buckets.back().first < 0) {
      return failAt(g.line, what + " series without le=\"+Inf\" bucket");
    }
    for (size_t k = 1; k < g.buckets.size(); ++k) {
      if (g.buckets[k].second < g.buckets[k - 1].second) {
        return failAt(g.line, what + " bucket counts decrease");
      }
    }
    if (g.buckets.back().second != *g.count) {
      return failAt(g.line, what + " _count differs from the +Inf bucket");
    }
  }
  return true;
}

bool Parser::checkSummary(const Family& f) {
  bool sum = false, count = false;
  for (size_t k = 0; k < result_.samples.size(); ++k) {
    if (sample_family_[k] != f.info.name) continue;
    sum |= result_.samples[k].name == f.info.name + "_sum";
    count |= result_.samples[k].name == f.info.name + "_count";
  }
  if (!sum || !count) {
    return failAt(f.first_line, "summary " + f.info.name + " without _sum or _count");
  }
  return true;
}

} // namespace

const PromSample* PromParseResult::find(std::string_view name,
                                        const std::map<std::string, std::string>& labels) const {
  for (const auto& s : samples) {
    if (s.name == name && s.labels == labels) return &s;
  }
  return nullptr;
}

std::optional<double>
PromParseResult::value(std::string_view name,
                       const std::map<std::string, std::string>& labels) const {
  const PromSample* s = find(name, labels);
  if (!s) return std::nullopt;
  return s->value;
}

std::vector<const PromSample*> PromParseResult::all(std::string_view name) const {
  std::vector<const PromSample*> out;
  for (const auto& s : samples) {
    if (s.name == name) out.push_back(&s);
  }
  return out;
}

PromParseResult parsePrometheusText(std::string_view text) { return Parser(text).run(); }

} // namespace tether::test
