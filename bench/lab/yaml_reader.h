#pragma once
// YamlReader: typed reads of yaml-cpp nodes for the scenario loader, every problem a positioned
// config::ConfigError ("FILE:LINE:COL: path: message", 1-based, like tether's own config/).
//
// The walk never stops at the first problem: each reader reports and leaves its output untouched,
// so one run of the loader lists every mistake in a file. Unknown keys are errors (a typo must
// not silently keep a default). Durations use tether's syntax (config::parseDuration: "250ms",
// "10s", "2m", "1h"). Internal to the lab; single-threaded.

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_error.h"

namespace tether::lab {

struct YamlField {
  YAML::Node node;
  std::string path;   // "workload.think_time.mean", "events[2].at"
  YAML::Mark anchor;  // the owning key's position (used when the node has none)

  YAML::Mark mark() const;
  YamlField child(const YAML::Node& key, const YAML::Node& value) const;
  YamlField item(const YAML::Node& value, size_t index) const;
};

struct YamlRule {
  std::string_view key;
  std::function<void(const YamlField&)> read;
};

class YamlReader {
public:
  explicit YamlReader(std::string file) : file_(std::move(file)) {}

  void error(const YAML::Mark& at, std::string message);
  void error(const YamlField& f, const std::string& message);
  size_t errorCount() const { return errors_.size(); }
  config::ConfigErrors take() { return std::move(errors_); }

  // Runs each key's rule; unknown and duplicate keys are errors. Returns the keys seen.
  std::set<std::string> readMap(const YamlField& f, const std::vector<YamlRule>& rules);
  // Reports every key of `required` missing from `seen`, at the map.
  void requireKeys(const YamlField& f, const std::set<std::string>& seen,
                   std::initializer_list<std::string_view> required);
  bool expectScalar(const YamlField& f, const std::string& expected);
  bool expectMap(const YamlField& f);
  bool expectList(const YamlField& f);

  void readString(const YamlField& f, std::string& out);
  void readBool(const YamlField& f, bool& out);
  void readUnsigned(const YamlField& f, uint64_t min, uint64_t max, uint64_t& out);
  void readUnsigned(const YamlField& f, uint32_t min, uint32_t max, uint32_t& out);
  // A decimal number in [min, max] (inclusive unless `exclusive_min`).
  void readNumber(const YamlField& f, double min, double max, double& out,
                  bool exclusive_min = false);
  // A duration in microseconds; `allow_zero` also accepts "0".
  void readDuration(const YamlField& f, int64_t& out_us, bool allow_zero = false);
  void readStringList(const YamlField& f, std::vector<std::string>& out);

private:
  std::string file_;
  config::ConfigErrors errors_;
};

// "a map", "a list", "'text'", "nothing": for "expected X, got Y".
std::string describeYaml(const YAML::Node& node);

} // namespace tether::lab
