// tether's entry point: flags, the initial load (fatal on error), the data plane, and a small
// loop on the main thread that turns signals into actions:
//   SIGTERM/SIGINT  graceful stop (in-flight requests get timeouts.graceful_shutdown), exit 0
//   SIGHUP          re-read the config off the loops; a bad file keeps the old one

#include <pthread.h>
#include <uv.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include <spdlog/spdlog.h>

#include "config/config_loader.h"
#include "config/reload_check.h"
#include "config/snapshot.h"
#include "proxy/server.h"

namespace {

constexpr const char* kUsage =
    "usage: tether --config FILE     run the load balancer\n"
    "       tether --check FILE      validate FILE; print FILE:LINE:COL: message per problem\n"
    "       tether --check NEW --against OLD\n"
    "                                also check that NEW may replace OLD by a reload (the\n"
    "                                check a reload runs against the running config)\n"
    "       tether --version\n"
    "       tether --help\n"
    "\n"
    "Signals: SIGTERM/SIGINT stop gracefully; SIGHUP reloads the config file (as does\n"
    "POST /reload on the admin listener, when `admin:` is configured).\n";

using tether::config::ConfigErrors;

void printErrors(const ConfigErrors& errors) {
  for (const auto& e : errors) std::fprintf(stderr, "%s\n", e.toString().c_str());
}

// Turns signals into actions on the main thread. Reloads themselves run on the server's control
// loop (proxy/control_plane.h), which also serves POST /reload. Lives on main()'s stack and
// closes every handle before its loop is closed.
class Signals {
public:
  explicit Signals(tether::proxy::Server& server) : server_(server) {
    uv_loop_init(&loop_);
    for (auto* s : {&sigterm_, &sigint_, &sighup_}) {
      uv_signal_init(&loop_, s);
      s->data = this;
    }
    uv_signal_start(&sigterm_, onStop, SIGTERM);
    uv_signal_start(&sigint_, onStop, SIGINT);
    uv_signal_start(&sighup_, onReload, SIGHUP);
  }

  int run() {
    uv_run(&loop_, UV_RUN_DEFAULT);
    return uv_loop_close(&loop_);
  }

private:
  static void onStop(uv_signal_t* s, int signum) {
    auto* self = static_cast<Signals*>(s->data);
    spdlog::info("signal {}: stopping gracefully", signum);
    for (auto* h : {&self->sigterm_, &self->sigint_, &self->sighup_}) {
      uv_close(reinterpret_cast<uv_handle_t*>(h), nullptr);
    }
    // The loop ends once these handles are closed; main() then stops the server, which waits
    // for in-flight requests.
  }

  static void onReload(uv_signal_t* s, int) {
    auto* self = static_cast<Signals*>(s->data);
    spdlog::info("SIGHUP: reloading the config file");
    self->server_.requestReload();
  }

  tether::proxy::Server& server_;
  uv_loop_t loop_;
  uv_signal_t sigterm_, sigint_, sighup_;
};

// `against`: the config running now, for the checks a reload adds; nullptr for none.
int check(const std::string& path, const char* against) {
  auto result = tether::config::loadConfigFile(path);
  if (!result.ok()) {
    printErrors(result.errors());
    return 1;
  }
  if (against != nullptr) {
    const auto running = tether::config::loadConfigFile(against);
    const auto errors = running.ok()
                            ? tether::config::checkReload(running.config(), result.config())
                            : running.errors();
    if (!errors.empty()) {
      printErrors(errors);
      return 1;
    }
  }
  std::printf("%s: ok\n", path.c_str());
  return 0;
}

int runServer(const std::string& path) {
  // Until the handlers below are installed a signal would take its default action (SIGHUP kills),
  // so block them now; every thread started from here on inherits the mask, and only this thread
  // unblocks them once libuv's handlers are in place. Pending ones are delivered then.
  sigset_t handled;
  sigemptyset(&handled);
  for (int sig : {SIGHUP, SIGTERM, SIGINT}) sigaddset(&handled, sig);
  pthread_sigmask(SIG_BLOCK, &handled, nullptr);
  auto result = tether::config::loadConfigFile(path);
  if (!result.ok()) {
    printErrors(result.errors());
    return 1;
  }
  spdlog::set_level(static_cast<spdlog::level::level_enum>(
      tether::config::spdlogLevel(result.config().logging.level)));
  auto snapshot = tether::config::buildSnapshot(std::move(result.config()), 1);
  tether::proxy::Server server(snapshot);
  if (auto err = server.start()) {
    std::fprintf(stderr, "tether: %s\n", err->c_str());
    return 1;
  }
  for (size_t i = 0; i < snapshot->config.listen.size(); ++i) {
    auto addr = snapshot->config.listen[i];
    addr.port = server.ports()[i];
    spdlog::info("tether {} listening on {} with {} workers, {} backends", TETHER_VERSION,
                 addr.toString(), server.workerCount(), snapshot->config.backends.size());
  }
  if (server.adminPort() != 0) {
    auto admin = snapshot->config.admin.listen;
    admin.port = server.adminPort();
    spdlog::info("admin API on {}", admin.toString());
  }
  Signals signals(server);
  pthread_sigmask(SIG_UNBLOCK, &handled, nullptr);
  const int rc = signals.run();
  server.shutdown();
  spdlog::info("stopped");
  return (rc == 0 && server.loopsClosedCleanly()) ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
  // Process logs go to stderr; the access log has its own sink.
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z [%l] %v");
  if (argc == 2 && (!std::strcmp(argv[1], "--version") || !std::strcmp(argv[1], "-V"))) {
    std::printf("tether %s\n", TETHER_VERSION);
    return 0;
  }
  if (argc == 2 && (!std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h"))) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (argc == 3 && !std::strcmp(argv[1], "--check")) return check(argv[2], nullptr);
  if (argc == 5 && !std::strcmp(argv[1], "--check") && !std::strcmp(argv[3], "--against")) {
    return check(argv[2], argv[4]);
  }
  if (argc == 3 && !std::strcmp(argv[1], "--config")) return runServer(argv[2]);
  std::fputs(kUsage, stderr);
  return 2;
}
