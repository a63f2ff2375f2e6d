#pragma once
// ProbeSession: the active health check of one backend. Owns the backend's RiseFall, the
// schedule timer and at most one Probe in flight.
//
// Schedule (one probe at a time, never overlapping): the next probe starts `interval +- jitter%`
// (uniform) after the previous one *ended*, so a slow backend is not probed faster than the
// interval and probes never pile up (HAProxy's inter, measured from the end of a check). The
// first probe after start() or restart() waits a uniform delay in [0, interval): N backends
// added together (startup, reload) spread over one interval instead of connecting at once.
//
// Loop thread only. Owned by HealthChecker, which keeps it in a unique_ptr: close() closes the
// timer and abandons the probe in flight; once both are closed the session calls
// Owner::onSessionClosed, the owner's cue to free it (handles are freed only in their close callback). The session never calls
// its owner from inside one of the owner's calls into it.

#include <uv.h>

#include <cstdint>
#include <random>
#include <string>
#include <sys/socket.h>

#include "config/config_model.h"
#include "health/rise_fall.h"
#include "health/probe.h"

namespace tether::health {

class ProbeSession {
public:
  class Owner {
  public:
    virtual ~Owner() = default;
    // A probe result flipped the state. state() already reflects it.
    virtual void onTransition(ProbeSession& session, Transition t, const std::string& detail) = 0;
    // The last handle closed after close(); the owner frees the session here. Last call the
    // session makes.
    virtual void onSessionClosed(ProbeSession* session) = 0;
  };

  // `rng` is the owner's and must outlive the session. The session is idle until start().
  ProbeSession(uv_loop_t* loop, Owner& owner, std::mt19937_64& rng, std::string name,
               std::string host, uint16_t port, const config::ActiveHealthConfig& cfg,
               bool initially_up);
  ProbeSession(const ProbeSession&) = delete;
  ProbeSession& operator=(const ProbeSession&) = delete;
  ~ProbeSession();  // only after onSessionClosed

  // Schedules the first probe after a random delay in [0, interval).
  void start();

  // New check config and/or address: abandons the probe in flight (its result is dropped) and
  // schedules the first probe as start() does. Up/down is kept. If `reset_runs`, the consecutive
  // ok/fail runs restart from 0 (they counted another address); thresholds follow `cfg`.
  void restart(const config::ActiveHealthConfig& cfg, std::string host, uint16_t port,
               bool reset_runs);

  void close();  // idempotent

  const std::string& name() const { return name_; }
  const std::string& host() const { return host_; }
  uint16_t port() const { return port_; }
  const RiseFall& riseFall() const { return rise_fall_; }
  const std::string& lastDetail() const { return last_detail_; }
  int64_t lastProbeMs() const { return last_probe_ms_; }  // uv_now of the last result, 0 = none
  uint64_t probes() const { return probes_; }              // results recorded

private:
  static void onTimer(uv_timer_t* timer) noexcept;
  static void onTimerClosed(uv_handle_t* handle) noexcept;
  void setAddress(std::string host, uint16_t port);
  void arm(uint64_t delay_ms);
  uint64_t firstDelayMs();
  uint64_t nextDelayMs();
  void startProbe();
  void onProbeResult(const ProbeResult& result);
  void onProbeClosed();
  void maybeClosed();

  uv_loop_t* loop_;
  Owner& owner_;
  std::mt19937_64& rng_;
  std::string name_;
  std::string host_;
  uint16_t port_;
  config::ActiveHealthConfig cfg_;
  std::string host_header_;        // cfg.host, or "ip:port" / "[ip6]:port"
  sockaddr_storage addr_{};
  bool addr_valid_ = false;
  RiseFall rise_fall_;
  uv_timer_t timer_;
  Probe* probe_ = nullptr;          // in flight (result pending); not owned (frees itself)
  uint32_t live_probes_ = 0;        // started and not yet closed, including abandoned ones
  std::string last_detail_;
  int64_t last_probe_ms_ = 0;
  uint64_t probes_ = 0;
  bool closing_ = false;
  bool timer_closed_ = false;
};

} // namespace tether::health
