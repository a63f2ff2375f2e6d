#pragma once
// Helpers shared by the config tests: load YAML text as file "t.yaml" and expect success, or
// expect errors at exact positions. Catch2 assertions inside; test-only.

#include <catch2/catch.hpp>

#include <string>

#include "config/config_loader.h"

namespace tether::config::test {

inline std::string describe(const ConfigErrors& errors) {
  std::string out;
  for (const auto& e : errors) out += e.toString() + "\n";
  return out;
}

inline std::string describe(const LoadResult& r) { return r.ok() ? std::string() : describe(r.errors()); }

inline Config loadOk(const std::string& text) {
  LoadResult r = loadConfigString(text, "t.yaml");
  INFO("yaml:\n" << text << "errors:\n" << describe(r));
  REQUIRE(r.ok());
  return r.config();
}

inline ConfigErrors loadErrors(const std::string& text) {
  const LoadResult r = loadConfigString(text, "t.yaml");
  REQUIRE_FALSE(r.ok());
  return r.errors();
}

// Expects exactly one error, at line:col, whose message contains `text`.
inline void expectOnly(const std::string& yaml, int line, int col, const std::string& text) {
  const ConfigErrors errors = loadErrors(yaml);
  INFO("yaml:\n" << yaml << "errors:\n" << describe(errors));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].file == "t.yaml");
  CHECK(errors[0].line == line);
  CHECK(errors[0].column == col);
  CHECK_THAT(errors[0].message, Catch::Contains(text));
}

} // namespace tether::config::test
