#include "health/probe_session.h"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <utility>

#include "health/http_probe.h"
#include "health/tcp_probe.h"

namespace tether::health {

namespace {

// A 0 ms interval would probe in a tight loop; validate() rejects it, this is the backstop.
uint64_t intervalMs(const config::ActiveHealthConfig& cfg) {
  return static_cast<uint64_t>(std::max<int64_t>(cfg.interval.count(), 1));
}

} // namespace

ProbeSession::ProbeSession(uv_loop_t* loop, Owner& owner, std::mt19937_64& rng, std::string name,
                           std::string host, uint16_t port, const config::ActiveHealthConfig& cfg,
                           bool initially_up)
    : loop_(loop), owner_(owner), rng_(rng), name_(std::move(name)), port_(port), cfg_(cfg),
      rise_fall_(cfg.rise, cfg.fall, initially_up) {
  uv_timer_init(loop_, &timer_);  // cannot fail
  timer_.data = this;
  setAddress(std::move(host), port);
}

ProbeSession::~ProbeSession() {
  assert(timer_closed_ && live_probes_ == 0 && "ProbeSession freed before its handles closed");
}

void ProbeSession::setAddress(std::string host, uint16_t port) {
  host_ = std::move(host);
  port_ = port;
  std::memset(&addr_, 0, sizeof(addr_));
  // Numeric addresses only (config::SocketAddress); "[::1]" is accepted as well as "::1".
  std::string bare = host_;
  if (bare.size() >= 2 && bare.front() == '[' && bare.back() == ']') {
    bare = bare.substr(1, bare.size() - 2);
  }
  const bool v6 = bare.find(':') != std::string::npos;
  if (v6) {
    addr_valid_ = uv_ip6_addr(bare.c_str(), port, reinterpret_cast<sockaddr_in6*>(&addr_)) == 0;
  } else {
    addr_valid_ = uv_ip4_addr(bare.c_str(), port, reinterpret_cast<sockaddr_in*>(&addr_)) == 0;
  }
  const std::string hostport = v6 ? "[" + bare + "]:" + std::to_string(port)
                                  : bare + ":" + std::to_string(port);
  host_header_ = cfg_.host.empty() ? hostport : cfg_.host;
}

void ProbeSession::start() { arm(firstDelayMs()); }

void ProbeSession::restart(const config::ActiveHealthConfig& cfg, std::string host, uint16_t port,
                           bool reset_runs) {
  if (closing_) return;
  if (probe_ != nullptr) {
    probe_->close();  // its result would describe the old address or check
    probe_ = nullptr;
  }
  cfg_ = cfg;
  setAddress(std::move(host), port);
  if (reset_runs) {
    rise_fall_ = RiseFall(cfg.rise, cfg.fall, rise_fall_.up());
  } else {
    rise_fall_.setThresholds(cfg.rise, cfg.fall);
  }
  arm(firstDelayMs());
}

void ProbeSession::close() {
  if (closing_) return;
  closing_ = true;
  if (probe_ != nullptr) {
    probe_->close();
    probe_ = nullptr;
  }
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), onTimerClosed);
}

void ProbeSession::arm(uint64_t delay_ms) { uv_timer_start(&timer_, onTimer, delay_ms, 0); }

uint64_t ProbeSession::firstDelayMs() {
  return std::uniform_int_distribution<uint64_t>(0, intervalMs(cfg_) - 1)(rng_);
}

uint64_t ProbeSession::nextDelayMs() {
  const uint64_t interval = intervalMs(cfg_);
  const uint64_t spread = interval * std::min<uint32_t>(cfg_.jitter_percent, 100) / 100;
  if (spread == 0) return interval;
  return std::uniform_int_distribution<uint64_t>(interval - spread, interval + spread)(rng_);
}

void ProbeSession::onTimer(uv_timer_t* timer) noexcept {
  auto* self = static_cast<ProbeSession*>(timer->data);
  if (self->closing_) return;
  self->startProbe();
}

void ProbeSession::startProbe() {
  if (!addr_valid_) {
    // Reported like any failed probe, so an operator sees the reason in the status and log.
    // We are in the timer callback, not inside an owner call, so reporting now is not re-entrant.
    onProbeResult(ProbeResult{ProbeResult::Code::ConnectFailed,
                              "connect: not a numeric IP address: \"" + host_ + "\""});
    return;
  }
  Probe* probe = nullptr;
  if (cfg_.type == config::ActiveHealthConfig::Type::Tcp) {
    probe = new TcpProbe(loop_);
  } else {
    probe = new HttpProbe(loop_, cfg_.path, host_header_, cfg_.expect_min, cfg_.expect_max);
  }
  probe_ = probe;
  ++live_probes_;
  probe->start(reinterpret_cast<const sockaddr*>(&addr_), cfg_.timeout,
               [this](const ProbeResult& r) { onProbeResult(r); }, [this] { onProbeClosed(); });
}

void ProbeSession::onProbeResult(const ProbeResult& result) {
  probe_ = nullptr;  // it is closing itself
  if (closing_) return;
  ++probes_;
  last_probe_ms_ = static_cast<int64_t>(uv_now(loop_));
  last_detail_ = result.detail;
  const Transition t = rise_fall_.observe(result.ok());
  // Arm before telling the owner: if its callback restarts or closes us, that wins.
  arm(nextDelayMs());
  if (t != Transition::None) owner_.onTransition(*this, t, last_detail_);
}

void ProbeSession::onProbeClosed() {
  assert(live_probes_ > 0);
  --live_probes_;
  maybeClosed();
}

void ProbeSession::onTimerClosed(uv_handle_t* handle) noexcept {
  auto* self = static_cast<ProbeSession*>(handle->data);
  self->timer_closed_ = true;
  self->maybeClosed();
}

void ProbeSession::maybeClosed() {
  if (closing_ && timer_closed_ && live_probes_ == 0) owner_.onSessionClosed(this);  // may free us
}

} // namespace tether::health
