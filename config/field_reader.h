#pragma once
// FieldReader: typed reads of yaml-cpp nodes with positioned, path-named errors, for any YAML file
// that wants tether's error style ("FILE:LINE:COL: path: message", every mistake of a file in one
// run, unknown keys refused). The config loader reads tether's config with it; tools read their
// own files with it (the affinity lab's scenarios), so they speak tether's duration syntax and
// report problems the way `tether --check` does. It exposes yaml-cpp types, which is acceptable
// for tools; the proxy itself only ever sees a loaded Config.
//
// The mechanics every key shares live here: shape checks, unknown and duplicate keys, "where to
// point" for implicit nulls, and 0-based marks turned 1-based; which keys exist is the caller's
// table of rules. Nothing here throws on bad content (yaml-cpp may still throw while parsing: the
// caller catches that); every problem becomes a ConfigError and the walk goes on.
// Single-threaded: one FieldReader per file read.

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_error.h"
#include "config/config_model.h"

namespace tether::config {

// A node of the document plus what to call it and where to point at it.
struct Field {
  YAML::Node node;
  std::string path;   // "timeouts.connect", "backends[1].address"; "" for the document itself
  YAML::Mark anchor;  // the owning key's (or list's) position

  // The node's own position, or the anchor's when the node has none worth showing.
  YAML::Mark mark() const;
  // The path, or "top level" for the document.
  std::string label() const;
  // Field for `value` under `key` in this map, e.g. "timeouts" + "connect".
  Field child(const YAML::Node& key, const YAML::Node& value) const;
  // Field for the `index`th element of this list, e.g. "backends[2]".
  Field item(const YAML::Node& value, size_t index) const;
};

// "a map", "a list", "'text'" or "nothing": for "expected X, got Y" messages.
std::string describeNode(const YAML::Node& node);

using FieldRead = std::function<void(const Field&)>;
struct KeyRule {
  std::string_view name;
  FieldRead read;
};

class FieldReader {
public:
  explicit FieldReader(std::string file) : file_(std::move(file)) {}
  virtual ~FieldReader() = default;

  // `at` is yaml-cpp's 0-based mark; a null mark becomes 0:0.
  void error(const YAML::Mark& at, std::string message);
  // "PATH: message" at the field's mark.
  void error(const Field& f, const std::string& message);
  bool failed() const { return !errors_.empty(); }
  const std::string& file() const { return file_; }
  // Errors so far: compare before and after a read to learn whether that read failed.
  size_t errorCount() const { return errors_.size(); }
  ConfigErrors take() { return std::move(errors_); }

  // Runs the rule for each key of the map `f`; unknown and duplicate keys are errors. Returns
  // the keys seen, so callers can report missing required ones.
  std::set<std::string> readMap(const Field& f, const std::vector<KeyRule>& rules);
  // Reports each of `required` missing from `seen` (what readMap returned), at the map.
  void requireKeys(const Field& f, const std::set<std::string>& seen,
                   std::initializer_list<std::string_view> required);
  // True when `f` is a scalar; otherwise reports "expected <expected>, got ...".
  bool expectScalar(const Field& f, const std::string& expected);

  // Each reader leaves `out` untouched on error.
  void readString(const Field& f, std::string& out);
  void readDuration(const Field& f, Duration& out);
  // A duration, or 0 ("0", "0s", ...) for keys where zero means "none".
  void readDurationOrZero(const Field& f, Duration& out);
  void readUnsigned(const Field& f, uint64_t min, uint64_t max, uint64_t& out);
  void readUnsigned(const Field& f, uint32_t min, uint32_t max, uint32_t& out);
  void readBool(const Field& f, bool& out);
  void readChoice(const Field& f, const std::vector<std::string_view>& choices, std::string& out);
  // One of `names` into an enum whose enumerators are 0, 1, 2, ... in the order of `names` (the
  // name tables beside the config_model.h enums are declared that way).
  template <class Enum>
  void readEnum(const Field& f, std::span<const std::string_view> names, Enum& out) {
    if (auto i = readChoiceIndex(f, names)) out = static_cast<Enum>(*i);
  }
  // The position in `choices` of the field's value; nullopt (and an error) when it is not one.
  std::optional<size_t> readChoiceIndex(const Field& f, std::span<const std::string_view> choices);
  // A list of CIDRs or bare addresses ("trusted_proxies"); each bad one is an error at its item.
  void readNetworks(const Field& f, std::vector<routing::Cidr>& out);

protected:
  // Called by readMap before it reads the map `f` with `rules`. A reader whose schema is also
  // written down elsewhere (tether's config: config_keys.h) checks here that the two agree.
  virtual void checkRules(const Field& f, const std::vector<KeyRule>& rules) {}

private:
  std::string file_;
  ConfigErrors errors_;
};

} // namespace tether::config
