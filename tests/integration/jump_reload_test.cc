// Reloads under strategy jump: a reload that would shift backends to other slots (a backend
// removed from the middle of the list, no jump.slots) is refused with the jump.slots line that
// does it safely, and tether keeps routing as before; the file with that line then reloads, and
// only the removed backend's sessions move.
#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "tests/integration/reload_test_util.h"
#include "tests/support/child_process.h"

namespace tether::test {
namespace {

// Jump keyed by X-Session and nothing else: no cookie or stick table, so where a session goes
// after the reload is placement alone, which is what the slot order decides.
std::string jumpRouting(const std::string& slots = "") {
  std::string r = "routing:\n"
                  "  strategy: jump\n"
                  "  key:\n"
                  "    - header: X-Session\n";
  if (!slots.empty()) r += "  jump:\n    slots: " + slots + "\n";
  return r;
}

TEST_CASE("Reload under jump: removing a middle backend is refused with the safe jump.slots, "
          "which then reloads moving only its sessions",
          "[integration][reload]") {
  FakeUpstream app1("app1"), app2("app2"), app3("app3");
  TempDir dir;
  const auto path = dir.write("tether.yaml", yaml({{"app1", app1.port()}, {"app2", app2.port()},
                                                   {"app3", app3.port()}},
                                                  0, true, 1, jumpRouting()));
  ProxyFixture proxy(loadFile(path));
  TestClient client = proxy.connect();
  const auto before = visitAll(client, "k", 90);
  for (const char* name : {"app1", "app2", "app3"}) REQUIRE(countOn(before, name) > 10);

  // Given the file without app2 (app3 would shift from slot 2 to slot 1), expect 422 with one
  // error at the file's backends key (line 3) naming the move and the jump.slots line, and every
  // session still where it was, app2's included.
  dir.write("tether.yaml", yaml({{"app1", app1.port()}, {"app3", app3.port()}}, 0, true, 1,
                                jumpRouting()));
  const Json refused = reload(proxy, 422);
  REQUIRE(refused["errors"].size() == 1);
  const std::string error = refused["errors"].items()[0].str();
  INFO(error);
  CHECK_THAT(error, Catch::StartsWith(path + ":3:1: backends: with strategy jump this reload "
                                             "would move backend 'app3' from slot 2 to slot 1"));
  const std::string marker = "set routing.jump.slots: ";
  const size_t at = error.find(marker);
  REQUIRE(at != std::string::npos);
  const std::string slots = error.substr(at + marker.size());
  CHECK(slots == "[app1, ~, app3]");
  CHECK(visitAll(client, "k", 90) == before);
  CHECK(proxy.status()["version"].number() == 1);

  // Given that line in the file, expect the reload to pass and exactly app2's sessions to move.
  dir.write("tether.yaml", yaml({{"app1", app1.port()}, {"app3", app3.port()}}, 0, true, 1,
                                jumpRouting(slots)));
  CHECK(reload(proxy, 200)["version"].number() == 2);
  const auto after = visitAll(client, "k", 90);
  int moved = 0;
  for (const auto& [key, was] : before) {
    INFO(key << " was on " << was << ", now on " << after.at(key));
    if (was == "app2") {
      CHECK(after.at(key) != "app2");
      ++moved;
    } else {
      CHECK(after.at(key) == was);
    }
  }
  CHECK(moved == countOn(before, "app2"));
}

} // namespace
} // namespace tether::test
