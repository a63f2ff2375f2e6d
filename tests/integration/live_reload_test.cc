// Live config changes with real sockets: tether started from a YAML file (so it has a file to
// re-read), then the file is rewritten and reloaded through POST /reload, Server::requestReload()
// (what SIGHUP calls) and, for the real binary, SIGHUP itself. A bad file is refused with
// positioned errors and changes nothing; a good one changes placement of NEW sessions only,
// except for sessions whose backend is gone; no request is lost while reloading.
#include <catch2/catch.hpp>

#include <signal.h>

#include <atomic>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

#include "tests/integration/reload_test_util.h"
#include "tests/support/child_process.h"
#include "tests/support/eventually.h"
#include "tests/support/test_macros.h"

#ifndef TETHER_BINARY
#error "TETHER_BINARY must be defined by CMake as the path of the built tether executable"
#endif

namespace tether::test {
namespace {

using namespace std::chrono_literals;

// Sets `stop` and joins every thread when destroyed, so a failed REQUIRE never leaves a joinable
// std::thread behind (that would be std::terminate).
struct JoinAll {
  std::atomic<bool>& stop;
  std::vector<std::thread>& threads;
  ~JoinAll() {
    stop = true;
    for (auto& t : threads) {
      if (t.joinable()) t.join();
    }
  }
};

TEST_CASE("Reload: a broken file is refused with positioned errors and the old config keeps serving",
          "[integration][reload]") {
  // Given tether started from a good file, when the file gets a bad weight (line 6) and an unknown
  // key (line 9) and POST /reload is sent, expect 422 {"result":"failed"} listing each problem
  // as FILE:LINE:COL: message, traffic still served by the old backends, /status and /metrics
  // counting one failed reload at version 1; a fixed file then reloads with 200 and version 2.
  FakeUpstream a("a"), b("b");
  TempDir dir;
  const auto path = dir.write("tether.yaml", yaml({{"a", a.port()}, {"b", b.port()}}));
  ProxyFixture proxy(loadFile(path));
  TestClient client = proxy.connect();
  const auto before = visitAll(client, "k", 10);

  dir.write("tether.yaml",
            "listen: [\"127.0.0.1:0\"]\n"                                // 1
            "workers: 1\n"                                              // 2
            "backends:\n"                                               // 3
            "  - name: a\n"                                             // 4
            "    address: \"127.0.0.1:" + std::to_string(a.port()) + "\"\n"  // 5
            "    weight: heavy\n"                                       // 6
            "routing:\n"                                                // 7
            "  strategy: ring\n"                                        // 8
            "  bogus: 1\n"                                              // 9
            "admin:\n"                                                  // 10
            "  listen: \"127.0.0.1:0\"\n");                             // 11
  const Json failed = reload(proxy, 422);
  CHECK(failed["result"].str() == "failed");
  CHECK(failed["version"].number() == 1);
  REQUIRE(failed["errors"].isArray());
  REQUIRE(failed["errors"].size() >= 2);
  const std::regex positioned(std::regex_replace(path, std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)") +
                              R"(:(\d+):(\d+): .+)");
  std::set<int> lines;
  for (const auto& e : failed["errors"].items()) {
    INFO("error: " << e.str());
    std::smatch m;
    const std::string text = e.str();
    CHECK(std::regex_match(text, m, positioned));
    if (m.size() == 3) lines.insert(std::stoi(m[1].str()));
  }
  CHECK(lines.count(6) == 1);
  CHECK(lines.count(9) == 1);

  for (const auto& [k, backend] : visitAll(client, "k", 10)) CHECK(backend == before.at(k));
  {
    TestClient fresh = proxy.connect();
    CHECK(visit(fresh, "another") != "");
  }
  const Json st = proxy.status();
  CHECK(st["version"].number() == 1);
  CHECK(st["reloads"]["failed"].number() == 1);
  CHECK(st["reloads"]["ok"].number() == 0);
  CHECK(st["reloads"]["last"].isString());
  CHECK(st["reloads"]["last_errors"].size() == failed["errors"].size());
  CHECK(st["backends"].size() == 2);
  auto m = proxy.metrics();
  CHECK(m.value("tether_reloads_total", {{"result", "failed"}}) == 1);
  CHECK(m.value("tether_reloads_total", {{"result", "ok"}}) == 0);
  CHECK(m.value("tether_config_version") == 1);

  dir.write("tether.yaml", yaml({{"a", a.port()}, {"b", b.port()}}));
  const Json ok = reload(proxy, 200);
  CHECK(ok["result"].str() == "ok");
  CHECK(ok["version"].number() == 2);
  CHECK_FALSE(ok.has("errors"));
  m = proxy.metrics();
  CHECK(m.value("tether_reloads_total", {{"result", "ok"}}) == 1);
  CHECK(m.value("tether_config_version") == 2);
}

TEST_CASE("Reload adding a backend moves no bound session and gives it new ones", "[integration][reload]") {
  // Given a and b with 40 bound sessions, when c is added to the file and reloaded, expect every
  // old session still on its backend (no rebind), c receiving none of them, and new sessions
  // reaching c; /status lists c ready.
  FakeUpstream a("a"), b("b"), c("c");
  TempDir dir;
  const auto path = dir.write("tether.yaml", yaml({{"a", a.port()}, {"b", b.port()}}));
  ProxyFixture proxy(loadFile(path));
  TestClient client = proxy.connect();
  const auto before = visitAll(client, "old", 40);

  dir.write("tether.yaml", yaml({{"a", a.port()}, {"b", b.port()}, {"c", c.port()}}));
  const Json ok = reload(proxy, 200);
  CHECK(ok["version"].number() == 2);
  CHECK_FALSE(ok.has("warnings"));  // nothing that needs a restart changed
  for (const auto& [k, backend] : visitAll(client, "old", 40)) {
    INFO("session " << k);
    CHECK(backend == before.at(k));
  }
  CHECK(c.requestCount() == 0);
  const auto fresh = visitAll(client, "new", 60);
  CHECK(countOn(fresh, "c") >= 5);
  CHECK(proxy.backendStatus("c")["state"].str() == "ready");
  auto m = proxy.metrics();
  double rebinds = 0;
  for (const auto* s : m.all("tether_rebinds_total")) rebinds += s->value;
  CHECK(rebinds == 0);
}

TEST_CASE("Reload of a setting that needs a restart applies the rest and says so", "[integration][reload]") {
  // Given a running config, when the file changes `workers` and a backend's weight, expect the
  // reload to succeed (version 2) with one warning naming workers, and the worker count unchanged.
  FakeUpstream a("a");
  TempDir dir;
  const auto path = dir.write("tether.yaml", yaml({{"a", a.port()}}, 0, true, 1));
  ProxyFixture proxy(loadFile(path));
  dir.write("tether.yaml", yaml({{"a", a.port(), 2}}, 0, true, 2));
  const Json ok = reload(proxy, 200);
  CHECK(ok["version"].number() == 2);
  REQUIRE(ok["warnings"].size() == 1);
  CHECK_THAT(ok["warnings"][0].str(), Catch::StartsWith("workers changed"));
  CHECK(proxy.server().workerCount() == 1);
  CHECK(proxy.backendStatus("a")["weight"].number() == 2);
}

TEST_CASE("Reload changing logging.level applies it at once, with no restart warning",
          "[integration][reload]") {
  // Given a running config at level error, when the file says debug and is reloaded, expect the
  // process log level to be debug right after the reload, and no warning; then back to warn.
  FakeUpstream a("a");
  TempDir dir;
  const auto path = dir.write("tether.yaml", yaml({{"a", a.port()}}));
  ProxyFixture proxy(loadFile(path));
  spdlog::set_level(spdlog::level::err);  // what main() does with the first file
  dir.write("tether.yaml", yaml({{"a", a.port()}}, 0, true, 1, kRingRouting, "debug"));
  const Json ok = reload(proxy, 200);
  CHECK(ok["warnings"].size() == 0);
  CHECK(spdlog::get_level() == spdlog::level::debug);
  dir.write("tether.yaml", yaml({{"a", a.port()}}, 0, true, 1, kRingRouting, "warn"));
  reload(proxy, 200);
  CHECK(spdlog::get_level() == spdlog::level::warn);
  spdlog::set_level(spdlog::level::info);
}

TEST_CASE("Reload removing a backend re-places its sessions only (rebind cause removed)",
          "[integration][reload]") {
  // Given a, b, c with 60 bound sessions, when b is removed from the file and reloaded, expect
  // b's sessions served by a or c (and staying there), everyone else unmoved, b receiving
  // nothing more, tether_rebinds_total{cause="removed"} = b's session count.
  FakeUpstream a("a"), b("b"), c("c");
  TempDir dir;
  const auto path = dir.write("tether.yaml", yaml({{"a", a.port()}, {"b", b.port()}, {"c", c.port()}}));
  ProxyFixture proxy(loadFile(path));
  TestClient client = proxy.connect();
  const auto before = visitAll(client, "s", 60);
  const int on_b = countOn(before, "b");
  REQUIRE(on_b >= 5);

  dir.write("tether.yaml", yaml({{"a", a.port()}, {"c", c.port()}}));
  reload(proxy, 200);
  const size_t b_count = b.requestCount();
  const auto after = visitAll(client, "s", 60);
  const auto again = visitAll(client, "s", 60);
  for (const auto& [k, backend] : after) {
    INFO("session " << k << " was on " << before.at(k) << ", now on " << backend);
    if (before.at(k) == "b") {
      CHECK((backend == "a" || backend == "c"));
    } else {
      CHECK(backend == before.at(k));
    }
    CHECK(again.at(k) == backend);
  }
  CHECK(b.requestCount() == b_count);
  CHECK(proxy.status()["backends"].size() == 2);
  CHECK(proxy.metrics().value("tether_rebinds_total", {{"cause", "removed"}}) == on_b);
}

TEST_CASE("Reload changing a weight applies to new sessions only", "[integration][reload]") {
  // Given a and b at weight 1 with 60 bound sessions, when a's weight becomes 5, expect every
  // old session unmoved, and a taking clearly more than half of 150 new sessions (5/6 expected).
  FakeUpstream a("a"), b("b");
  TempDir dir;
  const auto path = dir.write("tether.yaml", yaml({{"a", a.port()}, {"b", b.port()}}));
  ProxyFixture proxy(loadFile(path));
  TestClient client = proxy.connect();
  const auto before = visitAll(client, "w", 60);
  REQUIRE(countOn(before, "b") >= 10);

  dir.write("tether.yaml", yaml({{"a", a.port(), 5}, {"b", b.port(), 1}}));
  reload(proxy, 200);
  CHECK(proxy.backendStatus("a")["weight"].number() == 5);
  for (const auto& [k, backend] : visitAll(client, "w", 60)) {
    INFO("session " << k);
    CHECK(backend == before.at(k));
  }
  const auto fresh = visitAll(client, "fresh", 150);
  INFO(countOn(fresh, "a") << " of 150 new sessions on a");
  CHECK(countOn(fresh, "a") > 0.65 * 150);
}

TEST_CASE("requestReload() (SIGHUP) ten times under load loses no request", "[integration][reload]") {
  // Given tether with 2 workers from a file and 4 client threads sending sticky requests on
  // keep-alive connections (at least 200 each, until the reloads are over), when the file is
  // rewritten (a's weight alternating) and Server::requestReload() called 10 times, each awaited,
  // expect every request answered 200, no bound session moved, config version 11 and 10 reloads ok.
  FakeUpstream a("a"), b("b");
  TempDir dir;
  const auto path = dir.write("tether.yaml", yaml({{"a", a.port()}, {"b", b.port()}}, 0, true, 2));
  ProxyFixture proxy(loadFile(path));

  constexpr int kThreads = 4, kMin = 200;
  std::atomic<bool> reloads_done{false};
  std::atomic<int> ok{0}, bad{0}, moved{0};
  std::mutex err_mu;
  std::string first_error;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      TestClient c(proxy.port());
      std::map<std::string, std::string> seen;
      for (int i = 0; i < 5000 && (i < kMin || !reloads_done.load()); ++i) {
        const std::string key = "t" + std::to_string(t) + "-" + std::to_string(i % 25);
        auto r = c.roundTrip(buildRequest("GET", "/load", {{"X-Session", key}}));
        if (!r || r->status != 200 || !r->complete) {
          ++bad;
          std::lock_guard lock(err_mu);
          if (first_error.empty()) {
            first_error = "thread " + std::to_string(t) + " request " + std::to_string(i) + ": " +
                          (r ? "status " + std::to_string(r->status) : "no response: " + c.lastError());
          }
          c = TestClient(proxy.port());  // carry on with a new connection
          continue;
        }
        ++ok;
        const auto who = r->headers.get("X-Upstream").value_or("");
        auto [it, inserted] = seen.emplace(key, who);
        if (!inserted && it->second != who) ++moved;
      }
    });
  }
  JoinAll join_all{reloads_done, threads};
  // The load is on before the first reload.
  REQUIRE(eventually([&] { return ok.load() + bad.load() >= kThreads * 5; }, 3s));
  const int ok_at_first_reload = ok.load();
  for (int i = 0; i < 10; ++i) {
    dir.write("tether.yaml", yaml({{"a", a.port(), i % 2 ? 1u : 3u}, {"b", b.port()}}, 0, true, 2));
    const uint64_t want = static_cast<uint64_t>(i) + 2;
    proxy.server().requestReload();
    INFO("reload " << i + 1);
    REQUIRE(eventually([&] { return proxy.server().current()->snapshot->version >= want; }, 3s, 2ms));
  }
  const int ok_at_last_reload = ok.load();
  reloads_done = true;
  for (auto& th : threads) th.join();
  INFO("first error: " << first_error);
  CHECK(ok_at_last_reload > ok_at_first_reload);  // requests were answered while reloading
  CHECK(bad == 0);
  CHECK(ok >= kThreads * kMin);
  CHECK(moved == 0);
  CHECK(proxy.server().current()->snapshot->version == 11);
  auto m = proxy.metrics();
  CHECK(m.value("tether_reloads_total", {{"result", "ok"}}) == 10);
  CHECK(m.value("tether_reloads_total", {{"result", "failed"}}) == 0);
}

// Waits until tether answers a request on `port` (bounded by `timeout`). A request, not just a
// connect: the listeners are up before main() installs its signal handlers, and a SIGHUP in
// between would end the process (reported separately; not what this file tests).
bool waitForServing(uint16_t port, ChildProcess& child, Millis timeout) {
  return eventually(
      [&] {
        if (!child.running()) return true;
        TestClient c(port, ClientOptions{0, 200ms});
        if (!c.connected()) return false;
        auto r = c.roundTrip(buildRequest("GET", "/ready", {{"X-Session", "ready"}}), 1s);
        return r && r->status == 200;
      },
      timeout) &&
         child.running();
}

TEST_CASE("The tether binary reloads on SIGHUP under load without losing a request",
          "[integration][reload]") {
  // Given the real tether process on a file with backend a and 2 client threads sending requests
  // on keep-alive connections, when the file gains backend b and SIGHUP is sent (then 3 more
  // SIGHUPs), expect new sessions to reach b, every request answered 200, and exit 0 on SIGTERM.
  FakeUpstream a("a"), b("b");
  TempDir dir;
  const uint16_t port = freePort();
  const uint16_t admin_port = freePort();
  REQUIRE(port != 0);
  REQUIRE(admin_port != 0);
  REQUIRE(admin_port != port);
  auto config_text = [&](std::vector<YamlBackend> backends) {
    auto y = yaml(backends, port, /*admin=*/false);
    return y + "admin:\n  listen: \"127.0.0.1:" + std::to_string(admin_port) + "\"\n";
  };
  const auto path = dir.write("run.yaml", config_text({{"a", a.port()}}));
  const std::string out_path = dir.path() + "/stdout.txt", err_path = dir.path() + "/stderr.txt";
  ChildProcess child({TETHER_BINARY, "--config", path}, out_path, err_path);
  INFO(child.spawnError());
  REQUIRE(child.pid() > 0);
  const bool listening = waitForServing(port, child, 10s);
  INFO("stderr: " << readFile(err_path));
  REQUIRE(listening);

  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, bad{0};
  std::mutex err_mu;
  std::string first_error;
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      TestClient c(port);
      for (int i = 0; i < 20000 && (!stop.load() || i < 50); ++i) {
        auto r = c.roundTrip(buildRequest(
            "GET", "/", {{"X-Session", "bin" + std::to_string(t) + "-" + std::to_string(i)}}));
        if (!r || r->status != 200 || !r->complete) {
          ++bad;
          std::lock_guard lock(err_mu);
          if (first_error.empty()) {
            first_error = r ? "status " + std::to_string(r->status) : "no response: " + c.lastError();
          }
          c = TestClient(port);
          continue;
        }
        ++ok;
      }
    });
  }
  JoinAll join_all{stop, threads};
  auto finish = [&] {
    stop = true;
    for (auto& th : threads) th.join();
  };

  // Load first: both clients answered a few dozen times.
  REQUIRE(eventually([&] { return ok.load() >= 50 || bad.load() > 0; }, 10s));
  dir.write("run.yaml", config_text({{"a", a.port()}, {"b", b.port()}}));
  REQUIRE(child.signal(SIGHUP));
  const bool reached_b = eventually([&] { return b.requestCount() > 0; }, 5s);
  for (int i = 0; i < 3 && reached_b; ++i) {
    std::this_thread::sleep_for(50ms);  // spacing the signals so each one is a separate reload
    REQUIRE(child.signal(SIGHUP));
  }
  std::this_thread::sleep_for(200ms);  // traffic after the last reload
  finish();
  const auto early_exit = child.waitExit(0ms);
  INFO("tether on port " << port << ", admin " << admin_port << ", exit: "
                          << (early_exit ? ChildProcess::describe(*early_exit) : "still running")
                          << "\nstdout: " << readFile(out_path) << "\nstderr: " << readFile(err_path)
                          << "\nfirst error: " << first_error);
  CHECK(reached_b);
  CHECK(bad == 0);
  CHECK(ok >= 100);
  // Every SIGHUP reloaded (signals close together may coalesce into one reload), none failed.
  {
    TestClient admin(admin_port);
    REQUIRE_COMPLETE(r, admin, roundTrip(buildRequest("GET", "/status")));
    REQUIRE(r->status == 200);
    auto st = Json::parse(r->body);
    REQUIRE(st);
    CHECK((*st)["reloads"]["failed"].number() == 0);
    CHECK((*st)["reloads"]["ok"].number() >= 2);
    CHECK((*st)["version"].number() == (*st)["reloads"]["ok"].number() + 1);
    CHECK((*st)["config_file"].str() == path);
    CHECK((*st)["backends"].size() == 2);
  }
  REQUIRE(child.running());
  REQUIRE(child.signal(SIGTERM));
  auto status = child.waitExit(5s);
  REQUIRE(status.has_value());
  CHECK(ChildProcess::exitedWith(*status, 0));
}

} // namespace
} // namespace tether::test
