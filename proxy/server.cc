#include "proxy/server.h"

#include <unistd.h>

#include <csignal>
#include <thread>

#include <spdlog/spdlog.h>

#include "proxy/access_log.h"
#include "proxy/listener.h"
#include "proxy/worker.h"

namespace tether::proxy {

Server::Server(config::SnapshotConstSharedPtr snapshot)
    : generation_(makeGeneration(std::move(snapshot), nullptr)) {}

Server::~Server() { shutdown(); }

std::optional<std::string> Server::start() {
  if (started_) return "already started";
  // A peer that closes while we write must produce EPIPE, not kill the process.
  std::signal(SIGPIPE, SIG_IGN);
  const auto& cfg = generation_->snapshot->config;
  uint32_t n = cfg.workers;
  if (n == 0) n = std::max(1u, std::thread::hardware_concurrency());

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
    workers_.push_back(
        std::make_unique<Worker>(i, generation_, std::move(fds_per_worker[i]), *access_log_));
  }
  for (auto& w : workers_) w->start();
  started_ = true;
  return std::nullopt;
}

void Server::publish(config::SnapshotConstSharedPtr snapshot) {
  generation_ = makeGeneration(std::move(snapshot), generation_.get());
  for (auto& w : workers_) w->publish(generation_);
}

void Server::shutdown() {
  if (!started_ || stopped_) return;
  stopped_ = true;
  for (auto& w : workers_) w->requestStop();
  for (auto& w : workers_) {
    w->join();
    clean_ = clean_ && w->closedCleanly();
  }
  workers_.clear();
  if (access_log_) access_log_->flush();
}

} // namespace tether::proxy
