#pragma once
// DemoCluster: the demo with real processes, for end-to-end scenarios (demo_scenario_test.cc):
// the built `tether` binary in front of `tether-demo-app` backends, all on 127.0.0.1. The apps
// listen on port 0 (each prints the port it got) and keep it across restarts; tether and its
// admin API take free ports. Files (config, stdout and stderr of every process) live in a TempDir
// removed with the cluster.
//
// tether's config is the demo's routing (ring + bounded loads, learned DEMOSESSION, stick table,
// affinity cookie) plus active and passive health checks, the admin API and retries; only the
// backend list changes (writeConfig() + POST /reload).
//
// Like ProxyFixture it asserts with Catch2: starting and stopping REQUIRE success. Every wait is
// bounded; every process is stopped by its pid, and a failing REQUIRE still kills and reaps it
// (ChildProcess's destructor). The admin calls and polls return values instead, so a scenario
// can say what it waited for. Single-threaded (the test's thread).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/child_process.h"
#include "tests/support/json_value.h"
#include "tests/support/socket_util.h"

namespace tether::test {

// Where the built executables are (the test target knows them from CMake).
struct DemoBinaries {
  std::string tether;
  std::string demo_app;
};

// One tether-demo-app process. Started on port 0 the first time; restarts reuse its port.
struct DemoApp {
  std::string name;
  uint16_t port = 0;
  int starts = 0;  // numbers the output files of each start
  std::unique_ptr<ChildProcess> proc;
  std::string out_path;
  std::string err_path;
};

// One answer of the admin API, or why there was none.
struct AdminReply {
  int status = 0;  // 0: no response (error says why)
  std::string body;
  std::optional<Json> json;  // the body, when it is JSON
  std::string error;
  // "REQUEST -> STATUS BODY", or "REQUEST -> no response: ERROR".
  std::string describe(const std::string& request) const;
};

class DemoCluster {
public:
  static constexpr Millis kStartTimeout{5000};
  static constexpr Millis kExitTimeout{5000};

  // REQUIREs the scratch directory.
  explicit DemoCluster(DemoBinaries binaries);
  DemoCluster(const DemoCluster&) = delete;
  DemoCluster& operator=(const DemoCluster&) = delete;

  // ---- the apps ---------------------------------------------------------------------------------
  // Starts app `name` and waits for its "NAME listening on 127.0.0.1:PORT" line; REQUIREs it (and,
  // on a restart, the same port).
  void startApp(const std::string& name);
  // SIGTERM; REQUIREs the exit within kExitTimeout and CHECKs status 0.
  void stopApp(const std::string& name);
  DemoApp& app(const std::string& name) { return apps_[name]; }

  // ---- tether -----------------------------------------------------------------------------------
  // Picks the listen and admin ports, writes the config with `backends` (started apps), REQUIREs
  // that `tether --check` accepts it, starts tether and REQUIREs that within kStartTimeout every
  // backend is ready in GET /status and the listener accepts connections.
  void startTether(const std::vector<std::string>& backends);
  // Rewrites the config with `backends`: whole to a temporary file renamed over the config, so a
  // reload never reads half of it.
  void writeConfig(const std::vector<std::string>& backends);
  // SIGTERM; REQUIREs the exit within kExitTimeout and CHECKs status 0.
  void stopTether();
  ChildProcess& tether() { return *tether_; }
  uint16_t listenPort() const { return listen_port_; }
  // The last `n` bytes of tether's stderr, for failure messages.
  std::string tetherStderr(size_t n = 3000) const;

  // ---- the admin API ----------------------------------------------------------------------------
  // One request on a fresh connection (POST with an empty body).
  AdminReply admin(std::string_view method, std::string_view path) const;
  // Polls GET /status until `ok(document)` holds, for at most `timeout`. The last answer is left
  // in `last` for the failure message.
  bool pollStatus(Millis timeout, const std::function<bool(const Json&)>& ok,
                  AdminReply& last) const;

private:
  DemoBinaries binaries_;
  TempDir dir_;
  std::map<std::string, DemoApp> apps_;
  std::unique_ptr<ChildProcess> tether_;  // after apps_: destroyed (killed) before them
  std::string config_path_;
  std::string tether_err_;
  uint16_t listen_port_ = 0;
  uint16_t admin_port_ = 0;
};

// The backend called `name` in a GET /status document, or nullptr.
const Json* statusBackend(const Json& status, std::string_view name);
// A pollStatus() condition: backend `name` is listed with this state.
std::function<bool(const Json&)> backendInState(std::string name, std::string state);

} // namespace tether::test
