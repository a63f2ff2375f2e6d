#include "tests/support/demo_cluster.h"

#include <catch2/catch.hpp>

#include <signal.h>

#include <cstdio>
#include <sstream>
#include <thread>

#include "tests/support/eventually.h"
#include "tests/support/http_message.h"
#include "tests/support/test_client.h"

namespace tether::test {

using namespace std::chrono_literals;

namespace {

// The last `n` bytes of a file, for failure messages.
std::string tailOf(const std::string& path, size_t n) {
  const std::string s = readFile(path);
  return s.size() <= n ? s : "..." + s.substr(s.size() - n);
}

// Starts `app` (port 0 = any) and waits for its "NAME listening on 127.0.0.1:PORT" line.
// Returns "" or what went wrong.
std::string launch(const std::string& binary, const TempDir& dir, DemoApp& app) {
  const std::string base = dir.path() + "/" + app.name + "." + std::to_string(app.starts++);
  app.out_path = base + ".out";
  app.err_path = base + ".err";
  app.proc = std::make_unique<ChildProcess>(
      std::vector<std::string>{binary, "--name", app.name, "--listen",
                               "127.0.0.1:" + std::to_string(app.port)},
      app.out_path, app.err_path);
  if (app.proc->pid() <= 0) return app.proc->spawnError();
  const std::string prefix = app.name + " listening on 127.0.0.1:";
  const auto deadline = Clock::now() + DemoCluster::kStartTimeout;
  while (Clock::now() < deadline) {
    const std::string out = readFile(app.out_path);
    if (out.rfind(prefix, 0) == 0 && out.find('\n') != std::string::npos) {
      const int port = std::stoi(out.substr(prefix.size()));
      if (app.port != 0 && port != app.port) return "restarted on another port: " + out;
      app.port = static_cast<uint16_t>(port);
      return {};
    }
    if (!app.proc->running()) {
      return app.name + " exited early: " + readFile(app.err_path) + out;
    }
    std::this_thread::sleep_for(10ms);  // pacing a bounded readiness poll
  }
  return app.name + " printed no listening line within 5 s";
}

// The scenario's config: the demo's routing (ring + bounded loads, learned DEMOSESSION, stick
// table, affinity cookie) plus health checks, the admin API and retries.
std::string demoConfig(uint16_t listen_port, uint16_t admin_port,
                       const std::vector<const DemoApp*>& backends) {
  std::ostringstream y;
  y << "listen: [\"127.0.0.1:" << listen_port << "\"]\n"
    << "workers: 2\n"
    << "backends:\n";
  for (const DemoApp* b : backends) {
    y << "  - {name: " << b->name << ", address: \"127.0.0.1:" << b->port << "\"}\n";
  }
  y << "routing:\n"
       "  strategy: ring\n"
       "  balance_factor: 1.25\n"
       "  key:\n"
       "    - cookie: DEMOSESSION\n"
       "  on_missing_key: assign\n"
       "  learn_cookie: DEMOSESSION\n"
       "  stick_table: { size: 100000, idle_ttl: 30m }\n"
       "  affinity_cookie:\n"
       "    name: tether_affinity\n"
       "    ttl: 8h\n"
       "    idle_ttl: 30m\n"
       "    secrets: [\"scenario-secret-0123456789abcdef\"]\n"
       "health:\n"
       "  active: { type: http, path: /health, interval: 200ms, timeout: 150ms,\n"
       "            rise: 2, fall: 2 }\n"
       // Short ejections: a restarted backend must not wait out the 10 s default.
       "  passive: { consecutive_failures: 3, eject_for: 1s, max_eject_for: 2s }\n"
       "admin:\n"
       "  listen: \"127.0.0.1:" << admin_port << "\"\n"
    << "upstream:\n"
       "  retries: 2\n"
       "timeouts:\n"
       "  connect: 1s\n"
       "  graceful_shutdown: 1s\n"
       "logging:\n"
       "  level: info\n"
       "  access_log: stdout\n";
  return y.str();
}

} // namespace

std::string AdminReply::describe(const std::string& request) const {
  return request + " -> " +
         (status ? std::to_string(status) + " " + body : "no response: " + error);
}

DemoCluster::DemoCluster(DemoBinaries binaries) : binaries_(std::move(binaries)) {
  REQUIRE_FALSE(dir_.path().empty());
  config_path_ = dir_.path() + "/tether.yaml";
  tether_err_ = dir_.path() + "/tether.err";
}

// ---- the apps -----------------------------------------------------------------------------------

void DemoCluster::startApp(const std::string& name) {
  DemoApp& a = apps_[name];
  a.name = name;
  const std::string err = launch(binaries_.demo_app, dir_, a);
  INFO(err);
  REQUIRE(err.empty());
}

void DemoCluster::stopApp(const std::string& name) {
  DemoApp& a = apps_[name];
  a.proc->signal(SIGTERM);
  const auto status = a.proc->waitExit(kExitTimeout);
  INFO(name << ": " << readFile(a.err_path));
  REQUIRE(status);
  CHECK(ChildProcess::exitedWith(*status, 0));
}

// ---- tether -------------------------------------------------------------------------------------

void DemoCluster::startTether(const std::vector<std::string>& backends) {
  listen_port_ = freePort();
  admin_port_ = freePort();
  REQUIRE(listen_port_ != 0);
  REQUIRE(admin_port_ != 0);
  REQUIRE(listen_port_ != admin_port_);
  writeConfig(backends);
  {
    const std::string out = dir_.path() + "/check.out";
    const std::string err = dir_.path() + "/check.err";
    ChildProcess check({binaries_.tether, "--check", config_path_}, out, err);
    const auto status = check.waitExit(kExitTimeout);
    INFO("tether --check: " << readFile(out) << readFile(err));
    REQUIRE(status);
    REQUIRE(ChildProcess::exitedWith(*status, 0));
  }
  tether_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{binaries_.tether, "--config", config_path_},
      dir_.path() + "/tether.out", tether_err_);
  {
    INFO(tether_->spawnError());
    REQUIRE(tether_->pid() > 0);
  }
  // Ready when the admin API answers and every backend has passed its health checks.
  {
    AdminReply last;
    const bool ready = pollStatus(kStartTimeout, [&](const Json& doc) {
      for (const auto& n : backends) {
        const Json* b = statusBackend(doc, n);
        if (!b || (*b)["state"].str() != "ready") return false;
      }
      return true;
    }, last);
    INFO(last.describe("GET /status") << "\ntether stderr: " << tetherStderr());
    REQUIRE(tether_->running());
    REQUIRE(ready);
  }
  REQUIRE(TestClient(listen_port_, ClientOptions{0, 1000ms}).connected());
}

void DemoCluster::writeConfig(const std::vector<std::string>& backends) {
  std::vector<const DemoApp*> list;
  for (const auto& n : backends) list.push_back(&apps_[n]);
  const std::string tmp =
      dir_.write("tether.yaml.new", demoConfig(listen_port_, admin_port_, list));
  REQUIRE(std::rename(tmp.c_str(), config_path_.c_str()) == 0);
}

void DemoCluster::stopTether() {
  REQUIRE(tether_->signal(SIGTERM));
  const auto status = tether_->waitExit(kExitTimeout);
  INFO("tether stderr: " << tetherStderr());
  REQUIRE(status);
  CHECK(ChildProcess::exitedWith(*status, 0));
}

std::string DemoCluster::tetherStderr(size_t n) const { return tailOf(tether_err_, n); }

// ---- the admin API ------------------------------------------------------------------------------

AdminReply DemoCluster::admin(std::string_view method, std::string_view path) const {
  AdminReply out;
  TestClient c(admin_port_, ClientOptions{0, 1000ms});
  if (!c.connected()) {
    out.error = c.lastError();
    return out;
  }
  HeaderList headers{{"Host", "127.0.0.1:" + std::to_string(admin_port_)},
                     {"Connection", "close"}};
  if (method == "POST") headers.add("Content-Length", "0");
  auto r = c.roundTrip(buildRequest(method, path, headers), 3000ms);
  if (!r || !r->complete) {
    out.error = c.lastError().empty() ? "incomplete response" : c.lastError();
    return out;
  }
  out.status = r->status;
  out.body = r->body;
  out.json = Json::parse(r->body);
  return out;
}

bool DemoCluster::pollStatus(Millis timeout, const std::function<bool(const Json&)>& ok,
                             AdminReply& last) const {
  return eventually([&] {
    last = admin("GET", "/status");
    return last.status == 200 && last.json && ok(*last.json);
  }, timeout, 50ms);
}

const Json* statusBackend(const Json& status, std::string_view name) {
  for (const Json& b : status["backends"].items()) {
    if (b["name"].str() == name) return &b;
  }
  return nullptr;
}

std::function<bool(const Json&)> backendInState(std::string name, std::string state) {
  return [name = std::move(name), state = std::move(state)](const Json& doc) {
    const Json* b = statusBackend(doc, name);
    return b && (*b)["state"].str() == state;
  };
}

} // namespace tether::test
