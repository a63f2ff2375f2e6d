#include "proxy/server.h"

#include <unistd.h>

#include <csignal>
#include <ctime>
#include <thread>

#include <spdlog/spdlog.h>

#include "health/clock.h"
#include "proxy/access_log.h"
#include "proxy/control_plane.h"
#include "proxy/listener.h"
#include "proxy/bindings_file.h"
#include "proxy/worker.h"

namespace tether::proxy {

namespace {

using health::monotonicMs;

health::ClockReading clockNow() { return {monotonicMs(), health::wallMs()}; }

uint32_t workersFor(const config::Config& cfg) {
  return cfg.workers ? cfg.workers : std::max(1u, std::thread::hardware_concurrency());
}

} // namespace

Server::Server(config::SnapshotConstSharedPtr snapshot)
    : routing_state_(makeRoutingState(snapshot->config)), worker_count_(workersFor(snapshot->config)),
      metrics_(new admin::WorkerMetrics[worker_count_]),
      generation_(makeGeneration(std::move(snapshot), nullptr, routing_state_.get(), clockNow(), worker_count_)),
      control_(std::make_unique<ControlPlane>(*this)) {}

GenerationConstSharedPtr Server::current() const {
  std::lock_guard lock(mu_);
  return generation_;
}

uint16_t Server::adminPort() const { return control_->adminPort(); }

void Server::requestReload() { control_->requestReload(); }

void Server::loadBindings() {
  const auto& persist = generation_->snapshot->config.routing.stick_table.persist;
  if (persist.empty()) return;
  auto file = loadBindingsFile(persist);
  if (file.status == LoadFileResult::Status::Missing) return;
  if (file.status != LoadFileResult::Status::Ok) {
    spdlog::warn("stick table {}: {}; starting empty", persist, file.error);
    return;
  }
  auto parsed = routing::StickTable::parse(file.bytes, static_cast<int64_t>(std::time(nullptr)));
  if (!parsed.ok()) {
    spdlog::warn("stick table {}: {}; starting empty", persist, parsed.error);
    return;
  }
  const auto& router = *generation_->snapshot->router;
  size_t restored = 0;
  for (const auto& e : parsed.entries) {
    // Bindings name backends; a backend no longer configured has nobody to bind to.
    if (!router.byName(e.backend)) continue;
    restored += routing_state_->table().restore(e.key, routing::Router::stableIdOf(e.backend), e.idle_ms,
                                        monotonicMs());
  }
  spdlog::info("stick table {}: restored {} of {} bindings", persist, restored, parsed.entries.size());
}

void Server::saveBindings() {
  const auto& persist = generation_->snapshot->config.routing.stick_table.persist;
  if (persist.empty()) return;
  const auto& router = *generation_->snapshot->router;
  auto bytes = routing_state_->table().serialize(
      monotonicMs(), static_cast<int64_t>(std::time(nullptr)),
      [&router](uint64_t stable) -> std::optional<std::string_view> {
        auto id = router.byStableId(stable);
        if (!id) return std::nullopt;
        return std::string_view(router.backends()[*id].key);
      });
  if (auto err = saveBindingsFile(persist, bytes)) {
    spdlog::error("stick table {}: not saved: {}", persist, *err);
  } else {
    spdlog::info("stick table {}: saved {} bindings", persist, routing_state_->table().size());
  }
}

Server::~Server() { shutdown(); }

std::optional<std::string> Server::start() {
  if (started_) return "already started";
  // A peer that closes while we write must produce EPIPE, not kill the process.
  std::signal(SIGPIPE, SIG_IGN);
  loadBindings();
  const auto& cfg = generation_->snapshot->config;
  const uint32_t n = worker_count_;

  std::string log_error;
  access_log_ = AccessLog::create(cfg.logging, &log_error);
  if (!access_log_) return "cannot open access log " + cfg.logging.access_log + ": " + log_error;

  std::vector<std::vector<int>> fds_per_worker(n);
  std::vector<int> all_fds;
  for (const auto& addr : cfg.listen) {
    std::vector<int> fds;
    uint16_t port = 0;
    if (auto err = bindReusePortSockets(addr, n, fds, port)) {
      for (int fd : all_fds) ::close(fd);
      return err;
    }
    ports_.push_back(port);
    for (uint32_t i = 0; i < n; ++i) fds_per_worker[i].push_back(fds[i]);
    all_fds.insert(all_fds.end(), fds.begin(), fds.end());
  }
  for (uint32_t i = 0; i < n; ++i) {
    workers_.push_back(std::make_unique<Worker>(i, generation_, std::move(fds_per_worker[i]),
                                                *access_log_, metrics_[i]));
  }
  for (auto& w : workers_) w->start();
  started_ = true;
  // After the workers exist (a reload publishes to them), before start() returns.
  if (auto err = control_->start(cfg)) {
    shutdown();
    return err;
  }
  return std::nullopt;
}

void Server::publish(config::SnapshotConstSharedPtr snapshot) {
  GenerationConstSharedPtr next;
  {
    // One publisher at a time: the control loop (reloads) or a test thread.
    std::lock_guard lock(mu_);
    generation_ = makeGeneration(std::move(snapshot), generation_.get(), routing_state_.get(), clockNow(),
                                 worker_count_);
    next = generation_;
  }
  for (auto& w : workers_) w->publish(next);
  control_->notifyPublished();
}

void Server::shutdown() {
  if (!started_ || stopped_) return;
  stopped_ = true;
  // The control loop first: no reload may publish to workers that are going away.
  control_->stop();
  clean_ = control_->closedCleanly();
  for (auto& w : workers_) w->requestStop();
  for (auto& w : workers_) {
    w->join();
    clean_ = clean_ && w->closedCleanly();
  }
  workers_.clear();
  saveBindings();  // after the workers: no request can bind anything any more
  if (access_log_) access_log_->flush();
}

} // namespace tether::proxy
