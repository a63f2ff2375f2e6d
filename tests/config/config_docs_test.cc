// The documentation against the key table: every key of config_keys.h is documented, every key
// the documentation lists exists, and the documented default is the table's (which the key table
// tests hold equal to the model's). The documented keys are the rows of the "| key | default |"
// tables of README.md and docs/configuration-*.md, each key by its full path; a row whose key
// ends in ".*" points at another page and is only checked to name a section that exists.

#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "config/config_keys.h"

#ifndef TETHER_SOURCE_DIR
#error "TETHER_SOURCE_DIR must be defined by CMake as the source tree's root"
#endif

namespace tether::config {
namespace {

struct DocumentedKey {
  std::string key;
  std::string default_text;
  std::string where;  // "README.md:58"
};

std::string trim(const std::string& s) {
  const size_t a = s.find_first_not_of(" \t");
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(" \t") - a + 1);
}

// The cells of a markdown table row; a '|' inside `code` does not split.
std::vector<std::string> cells(const std::string& line) {
  std::vector<std::string> out;
  std::string cell;
  bool code = false;
  for (size_t i = 1; i < line.size(); ++i) {  // line[0] is the leading '|'
    const char c = line[i];
    if (c == '`') code = !code;
    if (c == '|' && !code) {
      out.push_back(trim(cell));
      cell.clear();
    } else {
      cell += c;
    }
  }
  return out;
}

std::string withoutBackticks(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c != '`') out += c;
  }
  return out;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The rows of every "| key | default | ..." table in `file` (relative to the source tree).
std::vector<DocumentedKey> documentedKeys(const std::string& file) {
  std::ifstream in(std::string(TETHER_SOURCE_DIR) + "/" + file);
  INFO(file);
  REQUIRE(in.good());
  std::vector<DocumentedKey> out;
  std::string line;
  bool in_table = false;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.empty() || line[0] != '|') {
      in_table = false;
      continue;
    }
    const auto row = cells(line);
    if (row.size() >= 2 && lower(row[0]) == "key" && lower(row[1]) == "default") {
      in_table = true;
      continue;
    }
    if (!in_table || row.size() < 2 || row[0].rfind("---", 0) == 0) continue;
    out.push_back({withoutBackticks(row[0]), withoutBackticks(row[1]),
                   file + ":" + std::to_string(n)});
  }
  return out;
}

const char* const kDocs[] = {"README.md", "docs/configuration-routing.md",
                             "docs/configuration-health.md"};

TEST_CASE("docs: every config key is documented with the table's default", "[config][docs]") {
  // Given the key tables of the documentation, expect each key to exist in config_keys.h with
  // the same default, and every key of config_keys.h (but the maps that only group keys) to be
  // documented somewhere.
  std::vector<std::string> problems;
  std::map<std::string, int> documented;
  for (const char* file : kDocs) {
    const auto keys = documentedKeys(file);
    if (keys.empty()) problems.push_back(std::string(file) + ": no \"| key | default |\" table");
    for (const auto& d : keys) {
      if (d.key.find(".*") != std::string::npos) {
        // "`routing.*`" or "`health.*`, `drain.*`, `admin.*`": pointers to another page.
        std::stringstream list(d.key);
        std::string item;
        while (std::getline(list, item, ',')) {
          item = trim(item);
          const std::string section = item.substr(0, item.size() - 2);
          if (item.size() < 3 || item.substr(item.size() - 2) != ".*" ||
              findConfigKey(section) == nullptr) {
            problems.push_back(d.where + ": '" + item + "' names no section of the key table");
          }
        }
        continue;
      }
      const ConfigKey* k = findConfigKey(d.key);
      if (k == nullptr) {
        problems.push_back(d.where + ": documents '" + d.key + "', which is not a config key");
        continue;
      }
      ++documented[d.key];
      if (d.default_text != k->documentedDefault()) {
        problems.push_back(d.where + ": '" + d.key + "' is documented with default '" +
                           d.default_text + "', the key table says '" +
                           std::string(k->documentedDefault()) + "'");
      }
    }
  }
  for (const ConfigKey& k : configKeys()) {
    if (k.kind == ConfigKey::Kind::Group) continue;
    if (!documented.count(std::string(k.path))) {
      problems.push_back("'" + std::string(k.path) + "' (default '" +
                         std::string(k.documentedDefault()) + "') is not documented");
    }
  }
  std::string all;
  for (const auto& p : problems) all += p + "\n";
  INFO(all);
  CHECK(problems.empty());
}

} // namespace
} // namespace tether::config
