// FieldReader (see field_reader.h): shape checks and typed reads shared by every key of a schema.

#include "config/field_reader.h"

#include <algorithm>
#include <map>

#include "config/validate.h"

namespace tether::config {

YAML::Mark Field::mark() const {
  // yaml-cpp gives an implicit null ("connect:" with nothing after it) the position of the NEXT
  // token, possibly lines below; the key is where the reader should look.
  if (!node.IsDefined() || node.IsNull() || node.Mark().is_null()) return anchor;
  return node.Mark();
}

std::string Field::label() const { return path.empty() ? "top level" : path; }

Field Field::child(const YAML::Node& key, const YAML::Node& value) const {
  return {value, path.empty() ? key.Scalar() : path + "." + key.Scalar(), key.Mark()};
}

Field Field::item(const YAML::Node& value, size_t index) const {
  return {value, path + "[" + std::to_string(index) + "]", mark()};
}

std::string describeNode(const YAML::Node& node) {
  switch (node.Type()) {
  case YAML::NodeType::Map: return "a map";
  case YAML::NodeType::Sequence: return "a list";
  case YAML::NodeType::Scalar: return "'" + node.Scalar() + "'";
  case YAML::NodeType::Null: return "nothing";
  case YAML::NodeType::Undefined: return "nothing";
  }
  return "something else";
}

void FieldReader::error(const YAML::Mark& at, std::string message) {
  // A null mark (-1) becomes 0:0, the "no position" convention of loadConfigFile.
  const bool known = !at.is_null();
  errors_.push_back({file_, known ? at.line + 1 : 0, known ? at.column + 1 : 0,
                     std::move(message)});
}

void FieldReader::error(const Field& f, const std::string& message) {
  error(f.mark(), f.label() + ": " + message);
}

// Duplicate keys are errors: yaml-cpp keeps both pairs, and which one "wins" would depend on
// whether a reader iterates or looks up.
std::set<std::string> FieldReader::readMap(const Field& f, const std::vector<KeyRule>& rules) {
  std::set<std::string> seen;
  checkRules(f, rules);
  if (!f.node.IsMap()) {
    error(f, "expected a map, got " + describeNode(f.node));
    return seen;
  }
  const std::string where = f.path.empty() ? "at top level" : "in " + f.path;
  std::map<std::string, int> first_line;
  for (auto it = f.node.begin(); it != f.node.end(); ++it) {
    // Copies, not references: the iterator's operator-> hands out a temporary pair.
    const YAML::Node key = it->first;
    const YAML::Node value = it->second;
    if (!key.IsScalar()) {
      error(key.Mark(), "keys must be plain names " + where + ", got " + describeNode(key));
      continue;
    }
    const std::string& name = key.Scalar();
    const auto rule = std::find_if(rules.begin(), rules.end(),
                                   [&](const KeyRule& r) { return r.name == name; });
    if (rule == rules.end()) {
      std::vector<std::string_view> names;
      for (const auto& r : rules) names.push_back(r.name);
      error(key.Mark(), "unknown key '" + name + "' " + where +
                            " (expected one of: " + joinNames(names) + ")");
      continue;
    }
    const auto [first, inserted] = first_line.emplace(name, key.Mark().line + 1);
    if (!inserted) {
      error(key.Mark(), "duplicate key '" + name + "' " + where + " (first at line " +
                            std::to_string(first->second) + ")");
      continue;
    }
    seen.insert(name);
    rule->read(f.child(key, value));
  }
  return seen;
}

void FieldReader::requireKeys(const Field& f, const std::set<std::string>& seen,
                              std::initializer_list<std::string_view> required) {
  if (!f.node.IsMap()) return;  // readMap said so already
  for (auto key : required) {
    if (!seen.count(std::string(key))) error(f, "missing required key '" + std::string(key) + "'");
  }
}

bool FieldReader::expectScalar(const Field& f, const std::string& expected) {
  if (f.node.IsScalar()) return true;
  error(f, "expected " + expected + ", got " + describeNode(f.node));
  return false;
}

void FieldReader::readString(const Field& f, std::string& out) {
  if (expectScalar(f, "text")) out = f.node.Scalar();
}

void FieldReader::readDuration(const Field& f, Duration& out) {
  if (!expectScalar(f, "a duration such as 250ms, 10s, 2m or 1h")) return;
  const auto r = parseDuration(f.node.Scalar());
  if (r.ok()) out = *r.value;
  else error(f, r.error);
}

void FieldReader::readDurationOrZero(const Field& f, Duration& out) {
  if (!expectScalar(f, "a duration such as 30s, or 0s for none")) return;
  const auto r = parseDurationOrZero(f.node.Scalar());
  if (r.ok()) out = *r.value;
  else error(f, r.error);
}

void FieldReader::readUnsigned(const Field& f, uint64_t min, uint64_t max, uint64_t& out) {
  if (!expectScalar(f, "a whole number in " + std::to_string(min) + ".." + std::to_string(max))) {
    return;
  }
  const auto r = parseUnsigned(f.node.Scalar(), min, max);
  if (r.ok()) out = *r.value;
  else error(f, r.error);
}

void FieldReader::readUnsigned(const Field& f, uint32_t min, uint32_t max, uint32_t& out) {
  uint64_t wide = out;
  readUnsigned(f, uint64_t{min}, uint64_t{max}, wide);
  out = static_cast<uint32_t>(wide);  // in [min, max] or untouched, so it fits
}

void FieldReader::readBool(const Field& f, bool& out) {
  if (!expectScalar(f, "true or false")) return;
  const auto r = parseBool(f.node.Scalar());
  if (r.ok()) out = *r.value;
  else error(f, r.error);
}

void FieldReader::readChoice(const Field& f, const std::vector<std::string_view>& choices,
                             std::string& out) {
  if (auto i = readChoiceIndex(f, choices)) out = choices[*i];
}

std::optional<size_t> FieldReader::readChoiceIndex(const Field& f,
                                                   std::span<const std::string_view> choices) {
  if (!expectScalar(f, "one of: " + joinNames(choices))) return std::nullopt;
  const std::string& v = f.node.Scalar();
  const auto it = std::find(choices.begin(), choices.end(), v);
  if (it != choices.end()) return static_cast<size_t>(it - choices.begin());
  error(f, "invalid value '" + v + "' (expected one of: " + joinNames(choices) + ")");
  return std::nullopt;
}

void FieldReader::readNetworks(const Field& f, std::vector<routing::Cidr>& out) {
  if (!f.node.IsSequence()) {
    error(f, "expected a list of networks such as [10.0.0.0/8, \"::1\"], got " +
                 describeNode(f.node));
    return;
  }
  size_t i = 0;
  for (auto it = f.node.begin(); it != f.node.end(); ++it) {
    const Field net = f.item(*it, i++);
    if (!expectScalar(net, "a network such as 10.0.0.0/8")) continue;
    if (auto cidr = routing::Cidr::parse(net.node.Scalar())) {
      out.push_back(*cidr);
    } else {
      error(net, "invalid network '" + net.node.Scalar() + "' (expected a CIDR such as " +
                     "10.0.0.0/8 or fd00::/8, or an address such as ::1)");
    }
  }
}

} // namespace tether::config
