#include "bench/lab/yaml_reader.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "config/validate.h"

namespace tether::lab {

YAML::Mark YamlField::mark() const {
  const YAML::Mark m = node.Mark();
  if (m.is_null() || node.IsNull()) return anchor;
  return m;
}

YamlField YamlField::child(const YAML::Node& key, const YAML::Node& value) const {
  const std::string name = key.IsScalar() ? key.Scalar() : "?";
  return {value, path.empty() ? name : path + "." + name, key.Mark()};
}

YamlField YamlField::item(const YAML::Node& value, size_t index) const {
  return {value, path + "[" + std::to_string(index) + "]", mark()};
}

std::string describeYaml(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "nothing";
  if (node.IsMap()) return "a map";
  if (node.IsSequence()) return "a list";
  return "'" + node.Scalar() + "'";
}

void YamlReader::error(const YAML::Mark& at, std::string message) {
  const bool null = at.is_null();
  errors_.push_back({file_, null ? 0 : at.line + 1, null ? 0 : at.column + 1, std::move(message)});
}

void YamlReader::error(const YamlField& f, const std::string& message) {
  error(f.mark(), (f.path.empty() ? std::string("top level") : f.path) + ": " + message);
}

bool YamlReader::expectMap(const YamlField& f) {
  if (f.node.IsMap()) return true;
  error(f, "expected a map, got " + describeYaml(f.node));
  return false;
}

bool YamlReader::expectList(const YamlField& f) {
  if (f.node.IsSequence()) return true;
  error(f, "expected a list, got " + describeYaml(f.node));
  return false;
}

bool YamlReader::expectScalar(const YamlField& f, const std::string& expected) {
  if (f.node.IsScalar()) return true;
  error(f, "expected " + expected + ", got " + describeYaml(f.node));
  return false;
}

std::set<std::string> YamlReader::readMap(const YamlField& f, const std::vector<YamlRule>& rules) {
  std::set<std::string> seen;
  if (!expectMap(f)) return seen;
  for (auto it = f.node.begin(); it != f.node.end(); ++it) {
    // Copies: yaml-cpp's iterator hands out a temporary pair, so references into it dangle.
    const YAML::Node key = it->first;
    const YAML::Node value = it->second;
    if (!key.IsScalar()) {
      error(key.Mark(), (f.path.empty() ? "top level" : f.path) + ": keys must be plain names");
      continue;
    }
    const std::string name = key.Scalar();
    const YamlField child = f.child(key, value);
    if (!seen.insert(name).second) {
      error(key.Mark(), child.path + ": duplicate key");
      continue;
    }
    bool known = false;
    for (const auto& rule : rules) {
      if (rule.key == name) {
        known = true;
        rule.read(child);
        break;
      }
    }
    if (!known) {
      std::string list;
      for (const auto& rule : rules) list += (list.empty() ? "" : ", ") + std::string(rule.key);
      error(key.Mark(), child.path + ": unknown key (expected one of: " + list + ")");
    }
  }
  return seen;
}

void YamlReader::requireKeys(const YamlField& f, const std::set<std::string>& seen,
                             std::initializer_list<std::string_view> required) {
  if (!f.node.IsMap()) return;
  for (auto key : required) {
    if (!seen.count(std::string(key))) error(f, "missing required key '" + std::string(key) + "'");
  }
}

void YamlReader::readString(const YamlField& f, std::string& out) {
  if (expectScalar(f, "a string")) out = f.node.Scalar();
}

void YamlReader::readBool(const YamlField& f, bool& out) {
  if (!expectScalar(f, "true or false")) return;
  const auto r = config::parseBool(f.node.Scalar());
  if (r.ok()) out = *r.value;
  else error(f, r.error);
}

void YamlReader::readUnsigned(const YamlField& f, uint64_t min, uint64_t max, uint64_t& out) {
  const std::string expected =
      "a whole number in " + std::to_string(min) + ".." + std::to_string(max);
  if (!expectScalar(f, expected)) return;
  const auto r = config::parseUnsigned(f.node.Scalar(), min, max);
  if (r.ok()) out = *r.value;
  else error(f, "expected " + expected + ", got '" + f.node.Scalar() + "'");
}

void YamlReader::readUnsigned(const YamlField& f, uint32_t min, uint32_t max, uint32_t& out) {
  uint64_t v = out;
  const size_t before = errorCount();
  readUnsigned(f, uint64_t{min}, uint64_t{max}, v);
  if (errorCount() == before) out = static_cast<uint32_t>(v);
}

void YamlReader::readNumber(const YamlField& f, double min, double max, double& out,
                            bool exclusive_min) {
  char range[96];
  std::snprintf(range, sizeof range, "a number %s %g and <= %g", exclusive_min ? ">" : ">=", min,
                max);
  if (!expectScalar(f, range)) return;
  const std::string& text = f.node.Scalar();
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  const bool parsed = !text.empty() && end == text.c_str() + text.size() && errno == 0 &&
                      std::isfinite(v) && text.find_first_of("xXnN") == std::string::npos;
  if (!parsed || v > max || (exclusive_min ? v <= min : v < min)) {
    error(f, std::string("expected ") + range + ", got '" + text + "'");
    return;
  }
  out = v;
}

void YamlReader::readDuration(const YamlField& f, int64_t& out_us, bool allow_zero) {
  if (!expectScalar(f, "a duration such as 250ms, 10s, 2m or 1h")) return;
  const auto r = allow_zero ? config::parseDurationOrZero(f.node.Scalar())
                            : config::parseDuration(f.node.Scalar());
  if (r.ok()) out_us = static_cast<int64_t>(r.value->count()) * 1000;
  else error(f, r.error);
}

void YamlReader::readStringList(const YamlField& f, std::vector<std::string>& out) {
  if (!expectList(f)) return;
  out.clear();
  size_t i = 0;
  for (auto it = f.node.begin(); it != f.node.end(); ++it, ++i) {
    const YAML::Node node = *it;
    const YamlField item = f.item(node, i);
    std::string s;
    const size_t before = errorCount();
    readString(item, s);
    if (errorCount() == before) out.push_back(std::move(s));
  }
}

} // namespace tether::lab
