// The key table (config_keys.h) and the loader agree both ways: every row is accepted by the
// loader, its default written out loads exactly as leaving the key out, every map refuses a key
// the table does not list (naming the table's keys), and a reader whose keys differ from the
// table's is caught. Also: the table is well formed, and its shapes say what the loader says.

#include <catch2/catch.hpp>

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_keys.h"
#include "tests/config/config_test_util.h"

namespace tether::config {
namespace {

using namespace tether::config::test;

// Keys a document needs next to a row's key for the row to load on its own (the map at the path
// on the left gets them, unless the row's key is one of them).
const std::vector<std::pair<std::string_view, std::string_view>> kCompanions = {
    {"backends[]", "name: app1"},
    {"backends[]", "address: 127.0.0.1:9001"},
    {"routing.affinity_cookie", "secrets: [0123456789abcdef]"},
    {"routing", "stick_table: {}"},  // learn_cookie needs it
};

std::vector<std::string> split(std::string_view path) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t dot = path.find('.', start);
    out.emplace_back(path.substr(start, dot - start));
    if (dot == std::string_view::npos) return out;
    start = dot + 1;
  }
}

// A flow-style document that sets `path` to `value` (or, with nullopt, leaves the key out but
// keeps the maps around it), with the companions and one backend named app1.
std::string documentFor(std::string_view path, std::optional<std::string_view> value) {
  const auto segments = split(path);
  std::string inner;  // the content of the map built so far, from the innermost out
  for (size_t i = segments.size(); i-- > 0;) {
    std::string seg = segments[i];
    const bool list = seg.size() > 2 && seg.compare(seg.size() - 2, 2, "[]") == 0;
    const std::string name = list ? seg.substr(0, seg.size() - 2) : seg;
    std::string prefix;
    for (size_t j = 0; j < i; ++j) prefix += (j ? "." : "") + segments[j];
    // The map this segment sits in, as the table names it.
    const std::string here = prefix;
    std::string entry;
    if (i + 1 == segments.size()) {
      if (value) entry = name + ": " + std::string(*value);
    } else {
      entry = name + ": " + (list ? "[{" + inner + "}]" : "{" + inner + "}");
    }
    for (const auto& [at, companion] : kCompanions) {
      const std::string companion_key(companion.substr(0, companion.find(':')));
      if (at == here && companion_key != name) {
        entry += (entry.empty() ? "" : ", ") + std::string(companion);
      }
    }
    inner = entry;
  }
  std::string doc = "{" + inner + "}\n";
  if (segments[0] != "backends" && segments[0] != "backends[]") {
    doc = "{" + inner + (inner.empty() ? "" : ", ") +
          "backends: [{name: app1, address: 127.0.0.1:9001}]}\n";
  }
  return doc;
}

// The Config without what is not part of a config's value (where it was read from).
Config valueOf(Config c) {
  c.source_path.clear();
  c.positions = {};
  return c;
}

// Every map the table describes: the top level, each Group and Section, list items ("backends[]").
std::set<std::string> mapPaths() {
  std::set<std::string> out;
  for (const ConfigKey& k : configKeys()) out.insert(std::string(k.parent()));
  return out;
}

TEST_CASE("key table: rows are well formed and in file order", "[config]") {
  std::set<std::string_view> seen;
  for (const ConfigKey& k : configKeys()) {
    INFO(k.path);
    CHECK(seen.insert(k.path).second);  // unique
    CHECK_FALSE(k.shape.empty());
    CHECK_FALSE(k.meaning.empty());
    CHECK_FALSE(k.documentedDefault().empty());
    CHECK_FALSE(k.acceptedValue().empty());
    // Its map comes first: a row for it, or for the list whose items it is in.
    std::string_view parent = k.parent();
    if (parent.size() > 2 && parent.substr(parent.size() - 2) == "[]") {
      parent.remove_suffix(2);
    }
    if (!parent.empty()) CHECK(seen.count(parent) == 1);
    if (k.kind == ConfigKey::Kind::Group) CHECK_FALSE(childKeyNames(k.path).empty());
  }
  CHECK(findConfigKey("timeouts.connect") != nullptr);
  CHECK(findConfigKey("timeouts.conect") == nullptr);
  CHECK(findConfigKey("backends[].weight")->name() == "weight");
  CHECK(findConfigKey("backends[].weight")->parent() == "backends[]");
  CHECK(findConfigKey("listen")->parent().empty());
}

TEST_CASE("key table: list indices are dropped from field paths", "[config]") {
  CHECK(keyPathOf("backends[12].weight") == "backends[].weight");
  CHECK(keyPathOf("routing.key[0].source_ip.trusted_proxies") ==
        "routing.key[].source_ip.trusted_proxies");
  CHECK(keyPathOf("timeouts.connect") == "timeouts.connect");
  CHECK(keyPathOf("") == "");
}

TEST_CASE("key table: every row is accepted by the loader", "[config]") {
  // Given each row's default (or its example when the default is not a value), expect the loader
  // to accept the key with it.
  for (const ConfigKey& k : configKeys()) {
    const std::string doc = documentFor(k.path, k.acceptedValue());
    INFO(k.path << "\n" << doc);
    loadOk(doc);
  }
}

TEST_CASE("key table: every default loads as leaving the key out", "[config]") {
  // Given each row whose default is a value, expect a file that spells the default to load
  // exactly as one without the key: the table, and so the documentation, state the model's
  // real defaults.
  for (const ConfigKey& k : configKeys()) {
    if (k.default_value.empty()) continue;
    const std::string with = documentFor(k.path, k.default_value);
    const std::string without = documentFor(k.path, std::nullopt);
    INFO(k.path << "\nwith:    " << with << "without: " << without);
    CHECK(valueOf(loadOk(with)) == valueOf(loadOk(without)));
  }
}

TEST_CASE("key table: every map refuses a key the table does not list", "[config]") {
  // Given an unknown key in each map, expect exactly one error naming it and listing that map's
  // keys from the table, in table order.
  for (const std::string& map : mapPaths()) {
    const std::string path = map.empty() ? "zz_unknown" : map + ".zz_unknown";
    const std::string doc = documentFor(path, "1");
    INFO((map.empty() ? "top level" : map) << "\n" << doc);
    const ConfigErrors errors = loadErrors(doc);
    REQUIRE(errors.size() == 1);
    std::string where = "at top level";
    if (!map.empty()) {
      // The field path the loader reports: the first item of each list.
      std::string field;
      for (char c : map) field += c == ']' ? std::string("0]") : std::string(1, c);
      where = "in " + field;
    }
    std::string expected;
    for (auto name : childKeyNames(map)) {
      expected += (expected.empty() ? "" : ", ") + std::string(name);
    }
    CHECK_THAT(errors[0].message, Catch::Contains("unknown key 'zz_unknown' " + where +
                                                  " (expected one of: " + expected + ")"));
  }
}

TEST_CASE("key table: a reader that differs from the table is reported", "[config]") {
  // Given reader keys with one missing, one extra, or the order changed, expect each named.
  CHECK_FALSE(checkReaderKeys("drain", {"timeout", "policy"}).has_value());
  const auto missing = checkReaderKeys("drain", {"timeout"});
  REQUIRE(missing);
  CHECK_THAT(*missing, Catch::Contains("'policy' has no reader"));
  const auto extra = checkReaderKeys("drain", {"timeout", "policy", "grace"});
  REQUIRE(extra);
  CHECK_THAT(*extra, Catch::Contains("'grace' has no row"));
  const auto order = checkReaderKeys("drain", {"policy", "timeout"});
  REQUIRE(order);
  CHECK_THAT(*order, Catch::Contains("handles [policy, timeout] but the key table lists "
                                     "[timeout, policy]"));
  CHECK(checkReaderKeys("", {"listen"}).has_value());
}

TEST_CASE("key table: shapes say what the loader accepts", "[config]") {
  // Given a bad value for each row whose shape lists choices or a numeric range, expect the
  // loader's refusal to list the same choices or range.
  int checked = 0;
  for (const ConfigKey& k : configKeys()) {
    const std::string shape(k.shape);
    std::string expected;
    if (shape.rfind("one of: ", 0) == 0) expected = "(expected " + shape + ")";
    if (shape.rfind("a whole number in ", 0) == 0) expected = "(expected " + shape + ")";
    if (expected.empty()) continue;
    const std::string doc = documentFor(k.path, "zz_bogus");
    INFO(k.path << "\n" << doc);
    const ConfigErrors errors = loadErrors(doc);
    REQUIRE(errors.size() == 1);
    CHECK_THAT(errors[0].message, Catch::Contains(expected));
    ++checked;
  }
  CHECK(checked >= 20);  // not vacuous
}

} // namespace
} // namespace tether::config
