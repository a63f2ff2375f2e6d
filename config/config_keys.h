#pragma once
// ConfigKeys: every key of tether's config file, in one table. Each row says where the key lives
// (its dotted path, "[]" for list items: `backends[].weight`), what it holds in words, its default
// as the documentation states it, what it means in one line, and whether a reload applies it.
//
// The table is the schema: the loader refuses any key the table does not list, and refuses to
// start reading a map whose readers disagree with the table's keys for it (checkReaderKeys()),
// so a key cannot exist in one without the other. The documentation (README.md and
// docs/configuration-*.md) is checked against it by tests/config, and a manual page generator
// can print it as it stands: rows are in file order, sections before their keys.
//
// Plain constant data, no yaml-cpp; any thread.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tether::config {

struct ConfigKey {
  enum class Kind : uint8_t {
    Value,    // a setting: a scalar, a list, or a map read as one value (`source_ip: {}`)
    Section,  // a map whose presence turns a feature on (`stick_table: {}`); documented itself
    Group,    // a map that only holds keys (`timeouts`); documented through its keys
  };
  enum class Applies : uint8_t {
    OnReload,   // a reload (SIGHUP, POST /reload) applies the new value
    AtRestart,  // a reload keeps the running value and warns; the next start applies it
  };

  std::string_view path;           // "timeouts.connect", "backends[].weight"
  Kind kind = Kind::Value;
  std::string_view shape;          // what the value looks like, in words
  std::string_view default_value;  // the default written as YAML; "" when it is not a value
  std::string_view default_text;   // the default as documented when it is not just default_value
  std::string_view example;        // a value the loader accepts, when there is no default_value
  std::string_view meaning;        // one line
  Applies applies = Applies::OnReload;

  // The default as the documentation writes it (without markup): "2s", "0 (off)", "required".
  std::string_view documentedDefault() const {
    return default_text.empty() ? default_value : default_text;
  }
  // A value the loader accepts for this key: its default when that is a value, else the example.
  std::string_view acceptedValue() const {
    return default_value.empty() ? example : default_value;
  }
  // "weight" for "backends[].weight".
  std::string_view name() const;
  // "backends[]" for "backends[].weight"; "" for a top-level key.
  std::string_view parent() const;
};

// Every key, in file order.
std::span<const ConfigKey> configKeys();
// The row for `path` ("routing.affinity_cookie.ttl"), or nullptr.
const ConfigKey* findConfigKey(std::string_view path);
// The names of the keys directly inside the map at `path` ("" = top level, "backends[]" = a
// backend), in table order.
std::vector<std::string_view> childKeyNames(std::string_view path);
// A field's path with list indices dropped: "backends[2].weight" -> "backends[].weight".
std::string keyPathOf(std::string_view field_path);
// Whether a reader for the map at `path` handles exactly the table's keys for it, in table order
// (the order "expected one of: ..." lists them): nullopt when it does, else what differs.
std::optional<std::string> checkReaderKeys(std::string_view path,
                                           const std::vector<std::string_view>& names);

} // namespace tether::config
