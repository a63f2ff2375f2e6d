// checkReload: a jump config may not reload into a slot order that moves a backend that stays;
// the error points into the new file and prints the jump.slots line that does the same change
// safely, and that line, applied, passes. Appending, removing the last backend and filling a
// tombstone pass as they are; other strategies are never refused.

#include <catch2/catch.hpp>

#include <set>

#include "config/config_keys.h"
#include "config/reload_check.h"
#include "tests/config/config_test_util.h"

namespace tether::config {
namespace {

using namespace tether::config::test;

// A jump config over `names` (backend i on port 9001 + i), with routing.jump.slots when `slots`
// is not empty. `backends:` is on line 3.
std::string jumpYaml(const std::vector<std::string>& names, const std::string& slots = "",
                     const std::string& strategy = "jump") {
  std::string y = "listen: 127.0.0.1:0\nworkers: 1\nbackends:\n";
  int port = 9001;
  for (const auto& n : names) {
    y += "  - {name: " + n + ", address: 127.0.0.1:" + std::to_string(port++) + "}\n";
  }
  y += "routing:\n  strategy: " + strategy + "\n";
  if (!slots.empty()) y += "  jump:\n    slots: " + slots + "\n";
  return y;
}

Config load(const std::string& yaml, const std::string& file) {
  const LoadResult r = loadConfigString(yaml, file);
  INFO("yaml:\n" << yaml << "errors:\n" << describe(r));
  REQUIRE(r.ok());
  return r.config();
}

// The one error checkReload gives for `running` -> `next`.
ConfigError refusal(const Config& running, const Config& next) {
  const ConfigErrors errors = checkReload(running, next);
  INFO(describe(errors));
  REQUIRE(errors.size() == 1);
  return errors[0];
}

// The jump.slots list the error suggests: what follows "routing.jump.slots: ".
std::string suggestedSlots(const ConfigError& e) {
  const std::string marker = "set routing.jump.slots: ";
  const size_t at = e.message.find(marker);
  REQUIRE(at != std::string::npos);
  return e.message.substr(at + marker.size());
}

TEST_CASE("reload check: removing a middle backend under jump is refused with the safe slots",
          "[config]") {
  // Given app1..app3 and a new file without app2, expect one error at the new file's backends
  // key naming app3's move and suggesting [app1, ~, app3]; that suggestion in the file passes.
  const Config running = load(jumpYaml({"app1", "app2", "app3"}), "old.yaml");
  const Config next = load(jumpYaml({"app1", "app3"}), "new.yaml");
  const ConfigError error = refusal(running, next);
  CHECK(error.file == "new.yaml");
  CHECK(error.line == 3);
  CHECK(error.column == 1);
  CHECK_THAT(error.message,
             Catch::StartsWith("backends: with strategy jump this reload would move backend "
                               "'app3' from slot 2 to slot 1;"));
  // A third of the keys were on app2; shifting app3 moves half.
  CHECK_THAT(error.message,
             Catch::Contains("so about 50% of sessions would move where 33% must."));
  CHECK_THAT(error.message,
             Catch::EndsWith("To remove 'app2' moving only its keys, set routing.jump.slots: "
                             "[app1, ~, app3]"));
  const Config fixed = load(jumpYaml({"app1", "app3"}, suggestedSlots(error)), "new.yaml");
  CHECK(fixed.routing.jump_slots == std::vector<std::string>{"app1", "", "app3"});
  CHECK(checkReload(running, fixed).empty());
}

TEST_CASE("reload check: the estimate docs/configuration-routing.md quotes", "[config]") {
  // Given five backends and the second removed from the list, expect about 75% of keys moving
  // where 20% must.
  const ConfigError error =
      refusal(load(jumpYaml({"app1", "app2", "app3", "app4", "app5"}), "old.yaml"),
              load(jumpYaml({"app1", "app3", "app4", "app5"}), "new.yaml"));
  CHECK_THAT(error.message, Catch::Contains("about 75% of sessions would move where 20% must"));
}

TEST_CASE("reload check: changes that keep every slot pass", "[config]") {
  const Config three = load(jumpYaml({"app1", "app2", "app3"}), "old.yaml");
  SECTION("appending a backend") {
    CHECK(checkReload(three, load(jumpYaml({"app1", "app2", "app3", "app4"}), "n")).empty());
  }
  SECTION("removing the last backend") {
    CHECK(checkReload(three, load(jumpYaml({"app1", "app2"}), "n")).empty());
  }
  SECTION("the same file again, and explicit slots equal to the list") {
    CHECK(checkReload(three, three).empty());
    CHECK(checkReload(three, load(jumpYaml({"app1", "app2", "app3"}, "[app1, app2, app3]"), "n"))
              .empty());
  }
  SECTION("a tombstone filled by a new backend, then the last backend removed") {
    const Config tomb = load(jumpYaml({"app1", "app3"}, "[app1, ~, app3]"), "old.yaml");
    const Config filled = load(jumpYaml({"app1", "app3", "app4"}, "[app1, app4, app3]"), "n");
    CHECK(checkReload(tomb, filled).empty());
    // app3 leaves: its slot and the tombstones before the end go, the others stay put.
    const Config shrunk = load(jumpYaml({"app1", "app4"}, "[app1, app4]"), "n");
    CHECK(checkReload(filled, shrunk).empty());
  }
  SECTION("trailing tombstones dropped") {
    const Config trailing = load(jumpYaml({"app1", "app2"}, "[app1, app2, ~]"), "old.yaml");
    CHECK(checkReload(trailing, load(jumpYaml({"app1", "app2"}), "n")).empty());
  }
}

TEST_CASE("reload check: other strategies, and changes of strategy, are never refused",
          "[config]") {
  // Given ring (or a switch to or from jump), expect no error: those re-place keys by design.
  const auto three = std::vector<std::string>{"app1", "app2", "app3"};
  const auto two = std::vector<std::string>{"app1", "app3"};
  CHECK(checkReload(load(jumpYaml(three, "", "ring"), "o"), load(jumpYaml(two, "", "ring"), "n"))
            .empty());
  CHECK(checkReload(load(jumpYaml(three), "o"), load(jumpYaml(two, "", "ring"), "n")).empty());
  CHECK(checkReload(load(jumpYaml(three, "", "ring"), "o"), load(jumpYaml(two), "n")).empty());
}

TEST_CASE("reload check: explicit slots that move a backend are refused at jump.slots",
          "[config]") {
  // Given running slots [app1, ~, app3] and new slots [app1, app3], expect the error at the new
  // file's routing.jump.slots (line 9, column 5), suggesting the running order.
  const Config running = load(jumpYaml({"app1", "app3"}, "[app1, ~, app3]"), "old.yaml");
  const Config next = load(jumpYaml({"app1", "app3"}, "[app1, app3]"), "new.yaml");
  const ConfigError error = refusal(running, next);
  CHECK(error.line == 9);
  CHECK(error.column == 5);
  CHECK_THAT(error.message, Catch::StartsWith("routing.jump.slots: with strategy jump"));
  CHECK(suggestedSlots(error) == "[app1, ~, app3]");
}

TEST_CASE("reload check: the suggestion keeps the running order through any change", "[config]") {
  const Config running = load(jumpYaml({"app1", "app2", "app3", "app4"}), "old.yaml");
  SECTION("a backend inserted in the middle is appended instead") {
    const ConfigError error =
        refusal(running, load(jumpYaml({"app1", "app5", "app2", "app3", "app4"}), "n"));
    CHECK_THAT(error.message, Catch::Contains("backends 'app2' from slot 1 to slot 2, "
                                                  "'app3' from slot 2 to slot 3, 'app4' from "
                                                  "slot 3 to slot 4"));
    CHECK_THAT(error.message, Catch::Contains("To keep every backend in its slot"));
    CHECK(suggestedSlots(error) == "[app1, app2, app3, app4, app5]");
  }
  SECTION("a removed backend's slot goes to an added one") {
    const ConfigError error =
        refusal(running, load(jumpYaml({"app1", "app3", "app4", "app5"}), "n"));
    CHECK(suggestedSlots(error) == "[app1, app5, app3, app4]");
  }
  SECTION("two removed backends, one of them last") {
    const ConfigError error = refusal(running, load(jumpYaml({"app1", "app3"}), "n"));
    CHECK_THAT(error.message, Catch::Contains("To remove 'app2', 'app4' moving only their "
                                                  "keys"));
    CHECK(suggestedSlots(error) == "[app1, ~, app3]");
  }
  SECTION("the list reordered") {
    const ConfigError error =
        refusal(running, load(jumpYaml({"app4", "app3", "app2", "app1"}), "n"));
    CHECK(suggestedSlots(error) == "[app1, app2, app3, app4]");
  }
}

TEST_CASE("reload check: slots print as YAML that reads back as the same slots", "[config]") {
  // Given names YAML would misread (an address, a null spelling), expect them quoted, tombstones
  // as ~, and the printed list loaded back as jump.slots to give the same names.
  const std::vector<std::string> slots{"127.0.0.1:9001", "", "null", "app-4.b/x"};
  const std::string yaml = jumpSlotsYaml(slots);
  CHECK(yaml == "[\"127.0.0.1:9001\", ~, \"null\", app-4.b/x]");
  const Config c = load(jumpYaml({"127.0.0.1:9001", "\"null\"", "app-4.b/x"}, yaml), "t.yaml");
  CHECK(c.routing.jump_slots == slots);
  CHECK(jumpSlotsYaml({}) == "[]");
}

TEST_CASE("reload check: the effective order is the slots, else the backend list", "[config]") {
  CHECK(effectiveJumpSlots(load(jumpYaml({"b", "a"}), "t")) == std::vector<std::string>{"b", "a"});
  CHECK(effectiveJumpSlots(load(jumpYaml({"b", "a"}, "[a, ~, b]"), "t")) ==
        std::vector<std::string>{"a", "", "b"});
}

} // namespace
TEST_CASE("reload check: the restart-only settings are exactly the key table's", "[config]") {
  // Given the table's AtRestart keys and the ones a reload warns about, expect the same set:
  // a key cannot need a restart in the docs and be applied silently, or the other way round.
  std::set<std::string_view> table, warned;
  for (const auto& k : configKeys()) {
    if (k.applies == ConfigKey::Applies::AtRestart) table.insert(k.path);
  }
  for (auto k : restartOnlyKeys()) warned.insert(k);
  CHECK(table == warned);
}

TEST_CASE("reload check: each restart-only change is named once, other changes not at all",
          "[config]") {
  const Config base;
  struct Change {
    const char* key;
    void (*apply)(Config&);
  };
  const Change changes[] = {
      {"listen", [](Config& c) { c.listen = {SocketAddress{"127.0.0.1", 9999}}; }},
      {"workers", [](Config& c) { c.workers = 3; }},
      {"routing.stick_table.size", [](Config& c) { c.routing.stick_table.size = 5; }},
      {"routing.stick_table.idle_ttl",
       [](Config& c) { c.routing.stick_table.idle_ttl = std::chrono::minutes(1); }},
      {"logging.access_log", [](Config& c) { c.logging.access_log = "off"; }},
      {"logging.format", [](Config& c) { c.logging.format = LoggingConfig::Format::Json; }},
      {"admin", [](Config& c) { c.admin.enabled = true; }},
      {"admin.listen", [](Config& c) { c.admin.listen.port = 9902; }},
      {"admin.token", [](Config& c) { c.admin.token = "0123456789abcdef0"; }},
  };
  for (const auto& change : changes) {
    INFO(change.key);
    Config next = base;
    change.apply(next);
    const auto warnings = restartOnlyChanges(base, next);
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0] == std::string(change.key) + " changed; it takes effect at the next restart");
  }
  Config next = base;
  next.logging.level = LoggingConfig::Level::Debug;
  next.timeouts.connect = std::chrono::seconds(9);
  CHECK(restartOnlyChanges(base, next).empty());
}

} // namespace tether::config
