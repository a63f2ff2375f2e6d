// The demo's promise, end to end, with real processes: the built `tether` binary in front of real
// `tether-demo-app` backends, which keep login sessions in their own memory (a request that
// reaches another app is answered "401 not logged in"). One scenario walks through an operator's
// day: 1,000 logins; scale out 3 -> 4 with POST /reload; drain b until it is empty and remove it;
// SIGKILL c; restart c. Every step checks, user by user, that exactly the sessions that had to be
// lost were lost: only c's users are ever logged out, nobody else moves, nobody flaps back.
//
// The processes, their config and the admin calls are DemoCluster's (demo_cluster.h); the users
// and their cookie jars are User and Browser (user_session.h). Everything runs on 127.0.0.1: tether
// and its admin API on free ports, the apps on port 0. Every wait is bounded; every process is
// stopped by its pid (and a failing REQUIRE still kills and reaps it).
#include <catch2/catch.hpp>

#include <signal.h>

#include <algorithm>
#include <functional>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/demo_cluster.h"
#include "tests/support/problems.h"
#include "tests/support/user_session.h"

#ifndef TETHER_BINARY
#error "TETHER_BINARY must be defined by CMake as the path of the built tether executable"
#endif
#ifndef TETHER_DEMO_APP_BINARY
#error "TETHER_DEMO_APP_BINARY must be defined by CMake as the path of the built tether-demo-app"
#endif

namespace tether::test {
namespace {

using namespace std::chrono_literals;

std::string userName(size_t i) { return "u" + std::to_string(i); }

TEST_CASE("Demo scenario: 1000 in-memory sessions through scale-out and drain and crash and "
          "restart",
          "[scenario][integration]") {
  const auto started = Clock::now();
  auto elapsedMs = [&] {
    return std::chrono::duration_cast<Millis>(Clock::now() - started).count();
  };
  DemoCluster cluster({TETHER_BINARY, TETHER_DEMO_APP_BINARY});

  // ---- Step 1: backends a, b, c; tether; 1,000 logins. ---------------------------------------
  for (const char* name : {"a", "b", "c"}) cluster.startApp(name);
  cluster.startTether({"a", "b", "c"});

  Browser browser(cluster.listenPort());
  std::vector<User> users;
  std::set<std::string> ever_logged_out;  // involuntarily: a /whoami answered "not logged in"
  std::vector<std::string> timeline;      // step durations for the final summary
  auto mark = [&](const std::string& what) {
    timeline.push_back(what + " at " + std::to_string(elapsedMs()) + " ms");
  };

  // Logs users [from, to) in; each must land on a backend that is in `allowed`.
  auto loginNew = [&](size_t from, size_t to, const std::set<std::string>& allowed,
                      const std::string& step) {
    Problems p(step);
    std::map<std::string, int> placed;
    for (size_t i = from; i < to && !p.hopeless(); ++i) {
      User u;
      u.name = userName(i);
      const std::string target = "/login?user=" + u.name;
      const BrowserReply r = browser.request(u, i, target);
      if (r.status != 200 || r.body != "logged in as " + u.name + " on " + r.backend + "\n") {
        p.add(describe(u, target, r));
      } else if (!allowed.count(r.backend)) {
        p.add(describe(u, target, r) + " (a backend that may not take new sessions)");
      } else if (!u.jar.count("DEMOSESSION") || !u.jar.count("tether_affinity")) {
        p.add(describe(u, target, r) + " (missing DEMOSESSION or tether_affinity Set-Cookie)");
      }
      if (r.status == 200) {
        u.backend = r.backend;
        u.logged_in = true;
        ++placed[r.backend];
      }
      users.push_back(std::move(u));
    }
    INFO(p.report());
    CHECK(p.count() == 0);
    return placed;
  };

  // Every user (optionally only those matching `which`) asks /whoami. A user still logged in must
  // be answered 200 "NAME on BACKEND" by the backend that holds the session. A user whose backend
  // lost the session (`lost` says whose) must be answered 401 "not logged in" by a live backend,
  // which then becomes where the user is bound. Users who logged out themselves must get 401 and
  // never a 5xx. Anyone answered "not logged in" unexpectedly is recorded in ever_logged_out too.
  auto whoamiAll = [&](const std::string& step, const std::set<std::string>& dead,
                       const std::function<bool(const User&)>& lost) {
    Problems p(step);
    for (size_t i = 0; i < users.size() && !p.hopeless(); ++i) {
      User& u = users[i];
      const BrowserReply r = browser.request(u, i, "/whoami");
      const bool answered_by_app = r.status == 200 || r.status == 401;
      if (!answered_by_app || r.backend.empty() || dead.count(r.backend)) {
        p.add(describe(u, "/whoami", r) + " (want an answer from a live backend)");
        continue;
      }
      if (u.logged_out_voluntarily) {
        if (r.status != 401) p.add(describe(u, "/whoami", r) + " (logged out earlier)");
        continue;
      }
      if (r.status == 401) {
        if (u.logged_in) ever_logged_out.insert(u.name);
        if (r.body != "not logged in on " + r.backend + "\n") p.add(describe(u, "/whoami", r));
        if (u.logged_in && !lost(u)) p.add(describe(u, "/whoami", r) + " (session lost)");
        if (!u.logged_in && r.backend != u.backend) {
          p.add(describe(u, "/whoami", r) + " (re-placed user moved again)");
        }
        u.logged_in = false;
        u.backend = r.backend;  // re-placed: bound here now
        continue;
      }
      // 200
      if (!u.logged_in) {
        p.add(describe(u, "/whoami", r) + " (logged out, yet answered as logged in)");
      } else if (r.backend != u.backend || r.body != u.name + " on " + u.backend + "\n") {
        p.add(describe(u, "/whoami", r) + " (moved)");
      } else if (lost(u)) {
        p.add(describe(u, "/whoami", r) + " (expected this session to be lost)");
      }
    }
    INFO(p.report() << "\ntether stderr: " << cluster.tetherStderr(1500));
    CHECK(p.count() == 0);
  };
  const auto nobodyLost = [](const User&) { return false; };
  auto countByBackend = [&] {
    std::map<std::string, int> m;
    for (const User& u : users) {
      if (u.logged_in) ++m[u.backend];
    }
    return m;
  };
  auto show = [](const std::map<std::string, int>& m) {
    std::ostringstream s;
    for (const auto& [k, v] : m) s << k << "=" << v << " ";
    return s.str();
  };

  const auto initial = loginNew(0, 1000, {"a", "b", "c"}, "step 1: 1,000 logins on a, b, c");
  mark("step 1 (1,000 logins)");
  CHECK(initial.size() == 3);
  for (const auto& [name, n] : initial) {
    INFO(name << " got " << n << " of 1,000 (balance_factor 1.25 caps a backend near 417)");
    CHECK(n >= 150);
    CHECK(n <= 430);
  }

  // ---- Step 2: scale out to a, b, c, d with POST /reload. -------------------------------------
  int version = 0;
  auto reload = [&](const std::string& what) {
    const AdminReply r = cluster.admin("POST", "/reload");
    INFO(what << ": " << r.describe("POST /reload")
              << "\ntether stderr: " << cluster.tetherStderr(1500));
    REQUIRE(r.status == 200);
    REQUIRE(r.json);
    CHECK((*r.json)["result"].str() == "ok");
    const Json& v = (*r.json)["version"];
    REQUIRE(v.isNumber());
    CHECK(static_cast<int>(v.number()) > version);
    version = static_cast<int>(v.number());
  };
  {
    const AdminReply r = cluster.admin("GET", "/status");
    REQUIRE(r.json);
    version = static_cast<int>((*r.json)["version"].number());
  }
  cluster.startApp("d");
  cluster.writeConfig({"a", "b", "c", "d"});
  reload("scale out 3 -> 4");
  {
    AdminReply last;
    const bool d_ready = cluster.pollStatus(5s, backendInState("d", "ready"), last);
    INFO(last.describe("GET /status"));
    REQUIRE(d_ready);
    REQUIRE(last.json->has("reloads"));
    const Json& reloads = (*last.json)["reloads"];
    CHECK(reloads["ok"].number() >= 1);
    CHECK(reloads["failed"].asNumber() == 0);
  }
  whoamiAll("step 2: every user after adding d", {}, nobodyLost);
  const auto scaled = loginNew(1000, 1300, {"a", "b", "c", "d"}, "step 2: 300 new users");
  {
    INFO("300 new users after adding d: " << show(scaled));
    CHECK(scaled.count("d"));
  }
  whoamiAll("step 2: every user after 300 more logins (nobody moved)", {}, nobodyLost);
  mark("step 2 (scale out, 300 logins)");

  // ---- Step 3: drain b until its sessions are gone, then remove it. -----------------------------
  {
    const AdminReply r = cluster.admin("POST", "/backends/b/drain");
    INFO(r.describe("POST /backends/b/drain"));
    REQUIRE(r.status == 200);
    REQUIRE(r.json);
    CHECK((*r.json)["backend"].str() == "b");
    CHECK((*r.json)["state"].str() == "draining");
  }
  {
    const AdminReply r = cluster.admin("POST", "/backends/nosuch/drain");
    INFO(r.describe("POST /backends/nosuch/drain"));
    CHECK(r.status == 404);
    CHECK((r.json && (*r.json)["error"].isString()));
  }
  {
    // b's users still reach b, still logged in.
    Problems p("step 3: b's users while b drains");
    for (size_t i = 0; i < users.size() && !p.hopeless(); ++i) {
      User& u = users[i];
      if (u.backend != "b") continue;
      const BrowserReply r = browser.request(u, i, "/whoami");
      if (r.status != 200 || r.backend != "b" || r.body != u.name + " on b\n") {
        p.add(describe(u, "/whoami", r));
      }
    }
    INFO(p.report());
    CHECK(p.count() == 0);
  }
  const auto during_drain =
      loginNew(1300, 1400, {"a", "c", "d"}, "step 3: 100 new users while b drains");
  {
    // b's users log out: the app ends each session and expires DEMOSESSION.
    Problems p("step 3: b's users log out");
    for (size_t i = 0; i < users.size() && !p.hopeless(); ++i) {
      User& u = users[i];
      if (u.backend != "b") continue;
      const BrowserReply r = browser.request(u, i, "/logout");
      if (r.status != 200 || r.backend != "b" || r.body != "logged out on b\n") {
        p.add(describe(u, "/logout", r));
      } else if (u.jar.count("DEMOSESSION")) {
        p.add(describe(u, "/logout", r) + " (DEMOSESSION not expired)");
      }
      u.logged_in = false;
      u.logged_out_voluntarily = true;
    }
    INFO(p.report());
    CHECK(p.count() == 0);
  }
  {
    AdminReply last;
    const bool empty = cluster.pollStatus(10s, [](const Json& doc) {
      const Json* b = statusBackend(doc, "b");
      if (!b) return false;
      const Json& drain = (*b)["drain"];
      return drain["bound_sessions_left"].asNumber() == 0 && drain["empty_since"].isString();
    }, last);
    INFO(last.describe("GET /status") << "\n(waiting for b's drain.bound_sessions_left == 0 and "
                                         "drain.empty_since non-null)");
    const Json* b = last.json ? statusBackend(*last.json, "b") : nullptr;
    CHECK((b && (*b)["state"].str() == "draining"));
    CHECK(empty);  // not REQUIRE: the rest of the scenario still says something useful
  }
  cluster.writeConfig({"a", "c", "d"});
  reload("remove drained b");
  {
    AdminReply last;
    const bool gone = cluster.pollStatus(3s, [](const Json& doc) {
      return statusBackend(doc, "a") && !statusBackend(doc, "b");
    }, last);
    INFO(last.describe("GET /status"));
    CHECK(gone);
  }
  cluster.stopApp("b");
  whoamiAll("step 3: every user after removing b", {"b"}, nobodyLost);
  mark("step 3 (drain b, logouts, remove b)");

  // ---- Step 4: SIGKILL c. -----------------------------------------------------------------------
  std::set<std::string> c_users;
  for (const User& u : users) {
    if (u.logged_in && u.backend == "c") c_users.insert(u.name);
  }
  REQUIRE_FALSE(c_users.empty());
  const auto before_crash = countByBackend();
  REQUIRE(cluster.app("c").proc->signal(SIGKILL));
  REQUIRE(cluster.app("c").proc->waitExit(DemoCluster::kExitTimeout));
  // At once, before health checks notice: retries must skip the dead backend.
  auto cLost = [&](const User& u) { return c_users.count(u.name) > 0; };
  whoamiAll("step 4: every user right after SIGKILL of c", {"c"}, cLost);
  {
    AdminReply last;
    const bool down = cluster.pollStatus(5s, backendInState("c", "down"), last);
    INFO(last.describe("GET /status"));
    CHECK(down);
  }
  // Once c is down: everyone stays where they are now (c's users on their new backend).
  whoamiAll("step 4: every user once c is down", {"c"}, cLost);
  mark("step 4 (SIGKILL c)");
  {
    size_t not_lost = 0;
    for (const User& u : users) {
      if (c_users.count(u.name) && u.logged_in) ++not_lost;
    }
    CHECK(not_lost == 0);
  }

  // ---- Step 5: restart c on its port; c's former users log in again. ----------------------------
  {
    cluster.startApp("c");
    AdminReply last;
    const bool ready = cluster.pollStatus(8s, backendInState("c", "ready"), last);
    INFO(last.describe("GET /status") << "\ntether stderr: " << cluster.tetherStderr(1500));
    REQUIRE(ready);
  }
  {
    Problems p("step 5: c's former users log in again");
    for (size_t i = 0; i < users.size() && !p.hopeless(); ++i) {
      User& u = users[i];
      if (!c_users.count(u.name)) continue;
      const std::string target = "/login?user=" + u.name;
      const BrowserReply r = browser.request(u, i, target);
      if (r.status != 200 || r.body != "logged in as " + u.name + " on " + r.backend + "\n") {
        p.add(describe(u, target, r));
        continue;
      }
      if (r.backend != u.backend) {
        p.add(describe(u, target, r) + " (not on the backend it was re-bound to)");
      }
      if (r.backend == "c") p.add(describe(u, target, r) + " (flapped back to c)");
      u.backend = r.backend;
      u.logged_in = true;
    }
    INFO(p.report());
    CHECK(p.count() == 0);
  }
  const auto after_restart =
      loginNew(1400, 1500, {"a", "c", "d"}, "step 5: 100 new users after c is back");
  whoamiAll("step 5: every user after c's restart", {"b"}, nobodyLost);
  {
    size_t back_on_c = 0;
    for (const User& u : users) {
      if (c_users.count(u.name) && u.backend == "c") ++back_on_c;
    }
    CHECK(back_on_c == 0);
  }
  mark("step 5 (restart c, re-logins)");

  // ---- Step 6: exactly c's users were ever logged out. ------------------------------------------
  {
    std::vector<std::string> unexpected;
    std::vector<std::string> missing;
    std::set_difference(ever_logged_out.begin(), ever_logged_out.end(), c_users.begin(),
                        c_users.end(), std::back_inserter(unexpected));
    std::set_difference(c_users.begin(), c_users.end(), ever_logged_out.begin(),
                        ever_logged_out.end(), std::back_inserter(missing));
    std::ostringstream first;
    for (size_t i = 0; i < std::min<size_t>(unexpected.size(), 10); ++i) {
      first << unexpected[i] << " ";
    }
    INFO("logged out but not c's: " << first.str());
    CHECK(unexpected.empty());
    CHECK(missing.empty());
    CHECK(ever_logged_out == c_users);
  }

  std::ostringstream summary;
  summary << "demo scenario: " << users.size() << " users, " << browser.requests()
          << " requests through tether in " << elapsedMs() << " ms\n"
          << "  step 1 logins: " << show(initial) << "\n"
          << "  step 2 new users after adding d: " << show(scaled) << "\n"
          << "  step 3 new users while b drained: " << show(during_drain) << "\n"
          << "  logged-in users per backend before c was killed: " << show(before_crash) << "\n"
          << "  users logged out by c's crash: " << ever_logged_out.size() << " (c had "
          << c_users.size() << ")\n"
          << "  step 5 new users after c came back: " << show(after_restart) << "\n"
          << "  final users per backend: " << show(countByBackend()) << "\n";
  for (const auto& t : timeline) summary << "  " << t << "\n";
  WARN(summary.str());

  // ---- Stop everything by pid. ------------------------------------------------------------------
  cluster.stopTether();
  for (const char* name : {"a", "c", "d"}) cluster.stopApp(name);
  CHECK(elapsedMs() < 60000);
}

} // namespace
} // namespace tether::test
