#pragma once
// HealthChecker: active health checks for a set of backends, on one libuv loop.
//
// One ProbeSession per backend name (health/probe_session.h has the schedule); results go through
// each backend's RiseFall and only flips reach the owner, through OnChange, logged once (info
// for up, warn for down). No threads, no blocking calls: probes are uv timers and non-blocking
// connects on the caller's loop.
//
// Membership follows the snapshot (Envoy's onClusterMemberUpdate): reconcile() is called with the
// full target list after every config load, and health is carried by backend name:
//   - a new name gets a session, up until proven otherwise (optimistic start, RiseFall);
//   - a name that is gone loses its session: the probe in flight is abandoned and every handle is
//     closed; no OnChange is ever reported for it again;
//   - a name whose address changed keeps up/down (the router's view stays put, no flap from a
//     reload) but its consecutive runs restart from 0 and so does its schedule: they described
//     the old address, and a down backend must now pass `rise` probes at the new one;
//   - if the check config changed, every session keeps its whole RiseFall (up/down and runs;
//     thresholds become the new rise/fall) and restarts its schedule: the probe in flight is
//     abandoned and the next one starts after a random delay in [0, interval) as for a new name;
//   - an unchanged name with unchanged config is left alone (its schedule runs on);
//   - `enabled == false` removes every session.
//
// Loop thread only, every method and every callback. Lifetime: close() closes every handle and
// runs `done` from the last close callback; the destructor may only run after that (asserted in
// debug builds). OnChange may call reconcile() or close() re-entrantly.

#include <uv.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/config_model.h"
#include "health/probe_session.h"

namespace tether::health {

struct ProbeTarget {
  std::string name;  // stable identity (BackendKey)
  std::string host;  // numeric IPv4 or IPv6 ("::1" or "[::1]")
  uint16_t port = 0;
};

class HealthChecker : private ProbeSession::Owner {
public:
  using OnChange = std::function<void(const std::string& name, bool up, const std::string& detail)>;

  struct Status {
    bool up = true;
    uint32_t consecutive_ok = 0;
    uint32_t consecutive_fail = 0;
    std::string last_detail;   // of the last probe; "" before the first
    int64_t last_probe_ms = 0; // uv_now of the last result, 0 = none
    uint64_t probes = 0;       // results recorded since the session started
  };

  // `seed` drives the first-probe spread and the jitter; tests pass a fixed one.
  HealthChecker(uv_loop_t* loop, OnChange on_change);
  HealthChecker(uv_loop_t* loop, OnChange on_change, uint64_t seed);
  HealthChecker(const HealthChecker&) = delete;
  HealthChecker& operator=(const HealthChecker&) = delete;
  ~HealthChecker() override;

  // Makes the sessions match `targets` under `cfg` (rules above). Duplicate names: the first
  // wins. Ignored after close().
  void reconcile(const config::ActiveHealthConfig& cfg, std::vector<ProbeTarget> targets);

  std::optional<Status> status(std::string_view name) const;
  size_t size() const { return sessions_.size(); }  // backends being checked

  // Stops every probe and closes every handle; `done` runs on the loop after the last close
  // callback. Idempotent: a call while closing adds its `done` to the list; a call after closing
  // completed runs `done` at once (nothing is left to wait for).
  void close(std::function<void()> done);

private:
  using SessionMap = std::map<std::string, std::unique_ptr<ProbeSession>, std::less<>>;

  // ProbeSession::Owner
  void onTransition(ProbeSession& session, Transition t, const std::string& detail) override;
  void onSessionClosed(ProbeSession* session) override;

  ProbeSession::Owner& owner() { return *this; }  // the base is private; convert in here
  static void onMarkerClosed(uv_handle_t* handle) noexcept;
  void closeSession(SessionMap::iterator it);
  void maybeFinishClose();

  uv_loop_t* loop_;
  OnChange on_change_;
  std::mt19937_64 rng_;
  config::ActiveHealthConfig cfg_;
  SessionMap sessions_;
  // Removed sessions whose handles are still closing, keyed by address.
  std::unordered_map<ProbeSession*, std::unique_ptr<ProbeSession>> closing_sessions_;
  // Never started: it exists so that close() always has a close callback to finish from, even
  // with no sessions, and `done` never runs inside close() (a callback never runs inside the
  // call that caused it).
  uv_timer_t marker_;
  bool marker_closed_ = false;
  bool closing_ = false;
  bool closed_ = false;
  std::vector<std::function<void()>> done_;
};

} // namespace tether::health
