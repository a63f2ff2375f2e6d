// Black-box tests of the built `tether` executable (h2o's spawn_h2o): flags, config errors as
// FILE:LINE:COL, and a real process that proxies a request and stops cleanly on SIGTERM.
// The binary's path comes from CMake (TETHER_BINARY); every child is reaped by ChildProcess even
// when an assertion fails.
#include <catch2/catch.hpp>

#include <signal.h>

#include <sstream>
#include <thread>

#include "tests/support/child_process.h"
#include "tests/support/fake_upstream.h"
#include "tests/support/test_client.h"
#include "tests/support/test_macros.h"

#ifndef TETHER_BINARY
#error "TETHER_BINARY must be defined by CMake as the path of the built tether executable"
#endif

namespace tether::test {
namespace {

using namespace std::chrono_literals;

constexpr Millis kExitTimeout = 5s;

struct RunResult {
  int status = -1;
  std::string out;
  std::string err;
};

// Runs tether with `args` to completion (bounded), capturing stdout and stderr.
RunResult runTether(const TempDir& dir, const std::vector<std::string>& args) {
  std::vector<std::string> argv{TETHER_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string out_path = dir.path() + "/stdout.txt";
  std::string err_path = dir.path() + "/stderr.txt";
  ChildProcess child(argv, out_path, err_path);
  INFO(child.spawnError());
  REQUIRE(child.pid() > 0);
  auto status = child.waitExit(kExitTimeout);
  REQUIRE(status.has_value());
  return {*status, readFile(out_path), readFile(err_path)};
}

std::string configYaml(uint16_t listen_port, uint16_t backend_port) {
  return "listen:\n"
         "  - \"127.0.0.1:" + std::to_string(listen_port) + "\"\n"
         "workers: 1\n"
         "backends:\n"
         "  - name: alpha\n"
         "    address: \"127.0.0.1:" + std::to_string(backend_port) + "\"\n"
         "timeouts:\n"
         "  graceful_shutdown: 1s\n"
         "logging:\n"
         "  level: warn\n"
         "  access_log: \"off\"\n";
}

// Connects until tether accepts (it binds after reading its config), bounded by `timeout`.
bool waitForListening(uint16_t port, ChildProcess& child, Millis timeout) {
  auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (TestClient(port, ClientOptions{0, 200ms}).connected()) {
      return true;
    }
    if (!child.running()) {
      return false;
    }
    std::this_thread::sleep_for(10ms);  // pacing a bounded readiness poll, not ordering
  }
  return false;
}

TEST_CASE("tether --version exits 0 and names itself", "[integration]") {
  // Given --version, expect exit 0 and "tether <version>" on stdout.
  TempDir dir;
  auto r = runTether(dir, {"--version"});
  INFO(ChildProcess::describe(r.status) << "\nstdout: " << r.out << "\nstderr: " << r.err);
  CHECK(ChildProcess::exitedWith(r.status, 0));
  CHECK_THAT(r.out, Catch::StartsWith("tether "));
}

TEST_CASE("tether --check accepts a good file", "[integration]") {
  // Given a valid config, expect exit 0.
  TempDir dir;
  auto path = dir.write("good.yaml", configYaml(8080, 9001));
  auto r = runTether(dir, {"--check", path});
  INFO(ChildProcess::describe(r.status) << "\nstdout: " << r.out << "\nstderr: " << r.err);
  CHECK(ChildProcess::exitedWith(r.status, 0));
}

TEST_CASE("tether --check reports every problem as FILE:LINE:COL: message", "[integration]") {
  // Given a file with a duration without unit at line 7 and an unknown key at line 8, expect
  // exit 1 and one "FILE:LINE:COL: message" line for each, with the right line numbers.
  TempDir dir;
  auto path = dir.write("bad.yaml",
                        "listen: \"127.0.0.1:8080\"\n"      // 1
                        "workers: 1\n"                      // 2
                        "backends:\n"                       // 3
                        "  - name: a\n"                     // 4
                        "    address: \"127.0.0.1:9001\"\n"  // 5
                        "timeouts:\n"                       // 6
                        "  connect: 10\n"                   // 7
                        "bogus_key: 1\n");                  // 8
  auto r = runTether(dir, {"--check", path});
  INFO(ChildProcess::describe(r.status) << "\nstdout: " << r.out << "\nstderr: " << r.err);
  CHECK(ChildProcess::exitedWith(r.status, 1));
  std::string all = r.out + r.err;
  auto positioned = [&](int line) {
    // A line "PATH:LINE:COL: message" with a numeric COL and a non-empty message.
    std::string prefix = path + ":" + std::to_string(line) + ":";
    std::istringstream lines(all);
    for (std::string l; std::getline(lines, l);) {
      if (l.rfind(prefix, 0) != 0) {
        continue;
      }
      size_t col_end = l.find(": ", prefix.size());
      std::string col = l.substr(prefix.size(), col_end - prefix.size());
      if (col_end != std::string::npos && !col.empty() &&
          col.find_first_not_of("0123456789") == std::string::npos &&
          l.size() > col_end + 2) {
        return true;
      }
    }
    return false;
  };
  CHECK(positioned(7));
  CHECK(positioned(8));
}

TEST_CASE("tether --check on a missing file exits 1", "[integration]") {
  // Given --check on a path that does not exist, expect exit 1 and the path in the message.
  TempDir dir;
  auto r = runTether(dir, {"--check", dir.path() + "/nope.yaml"});
  INFO(ChildProcess::describe(r.status) << "\nstderr: " << r.err);
  CHECK(ChildProcess::exitedWith(r.status, 1));
  CHECK_THAT(r.err, Catch::Contains("nope.yaml"));
}

// A jump config over `names`; `backends:` is on line 3.
std::string jumpYaml(const std::vector<std::string>& names, const std::string& slots = "") {
  std::string y = "listen: \"127.0.0.1:8080\"\nworkers: 1\nbackends:\n";
  int port = 9001;
  for (const auto& n : names) {
    y += "  - {name: " + n + ", address: \"127.0.0.1:" + std::to_string(port++) + "\"}\n";
  }
  y += "routing:\n  strategy: jump\n";
  if (!slots.empty()) y += "  jump: {slots: " + slots + "}\n";
  return y;
}

TEST_CASE("tether --check NEW --against OLD refuses a reload that reshuffles jump slots",
          "[integration]") {
  // Given OLD with backends alpha, beta, gamma under jump and NEW without beta, expect exit 1 and
  // NEW:3:1 naming gamma's move and the jump.slots line; NEW with that line, or NEW only
  // appending a backend, exits 0 with "NEW: ok"; a broken OLD is reported as such.
  TempDir dir;
  const auto old_path = dir.write("old.yaml", jumpYaml({"alpha", "beta", "gamma"}));
  const auto new_path = dir.write("new.yaml", jumpYaml({"alpha", "gamma"}));
  auto r = runTether(dir, {"--check", new_path, "--against", old_path});
  INFO(ChildProcess::describe(r.status) << "\nstdout: " << r.out << "\nstderr: " << r.err);
  CHECK(ChildProcess::exitedWith(r.status, 1));
  CHECK_THAT(r.err, Catch::StartsWith(new_path + ":3:1: backends: with strategy jump this "
                                      "reload would move backend 'gamma' from slot 2 to slot 1"));
  CHECK_THAT(r.err, Catch::Contains("set routing.jump.slots: [alpha, ~, gamma]\n"));
  // The same file on its own is valid: only the comparison refuses it.
  CHECK(ChildProcess::exitedWith(runTether(dir, {"--check", new_path}).status, 0));

  dir.write("new.yaml", jumpYaml({"alpha", "gamma"}, "[alpha, ~, gamma]"));
  r = runTether(dir, {"--check", new_path, "--against", old_path});
  CHECK(ChildProcess::exitedWith(r.status, 0));
  CHECK(r.out == new_path + ": ok\n");

  dir.write("new.yaml", jumpYaml({"alpha", "beta", "gamma", "delta"}));
  r = runTether(dir, {"--check", new_path, "--against", old_path});
  CHECK(ChildProcess::exitedWith(r.status, 0));

  const auto broken = dir.write("broken.yaml", "backends: []\n");
  r = runTether(dir, {"--check", new_path, "--against", broken});
  CHECK(ChildProcess::exitedWith(r.status, 1));
  CHECK_THAT(r.err, Catch::StartsWith(broken + ":1:"));
}

TEST_CASE("tether with an unknown flag exits non-zero", "[integration]") {
  // Given a flag tether does not know, expect a non-zero exit (usage error).
  TempDir dir;
  auto r = runTether(dir, {"--frobnicate"});
  CHECK_FALSE(ChildProcess::exitedWith(r.status, 0));
}

TEST_CASE("tether --config proxies and stops with exit 0 on SIGTERM", "[integration]") {
  // Given a config on a free port in front of a FakeUpstream, expect the process to serve a
  // request (X-Upstream: alpha), to survive a client that hangs up in the middle of a large
  // response (SIGPIPE must not kill it), and to exit 0 within a few seconds of SIGTERM.
  FakeUpstream up("alpha");
  up.setResponder([](const RecordedRequest& req) {
    Behavior b = Behavior::respond(200, "from alpha");
    if (req.target == "/big") {
      b.generated_body_bytes = 16u << 20;
    }
    return b;
  });
  TempDir dir;
  uint16_t port = freePort();
  REQUIRE(port != 0);
  auto path = dir.write("run.yaml", configYaml(port, up.port()));
  std::string out_path = dir.path() + "/stdout.txt";
  std::string err_path = dir.path() + "/stderr.txt";
  ChildProcess child({TETHER_BINARY, "--config", path}, out_path, err_path);
  INFO(child.spawnError());
  REQUIRE(child.pid() > 0);
  bool listening = waitForListening(port, child, 5s);
  INFO("stderr: " << readFile(err_path));
  REQUIRE(listening);

  {
    TestClient c(port);
    REQUIRE_COMPLETE(r, c, roundTrip(buildRequest("GET", "/hello")));
    CHECK(r->status == 200);
    CHECK(r->headers.get("X-Upstream") == "alpha");
    CHECK(r->body == "from alpha");
  }
  {
    // Read the head of a 16 MiB response, then vanish with the rest unread: tether's writes to
    // this socket fail with EPIPE/ECONNRESET.
    TestClient quitter(port, ClientOptions{16 * 1024});
    REQUIRE(quitter.send(buildRequest("GET", "/big")));
    REQUIRE(quitter.readExactly(12, 3s));
    quitter.abort();
  }
  {
    TestClient c(port);
    REQUIRE_COMPLETE(r, c, roundTrip(buildRequest("GET", "/still-alive")));
    CHECK(r->status == 200);
  }
  REQUIRE(child.running());
  REQUIRE(child.signal(SIGTERM));
  auto status = child.waitExit(kExitTimeout);
  INFO("stderr: " << readFile(err_path));
  REQUIRE(status.has_value());
  CHECK(ChildProcess::exitedWith(*status, 0));
  CHECK_FALSE(TestClient(port, ClientOptions{0, 200ms}).connected());
}

} // namespace
} // namespace tether::test
