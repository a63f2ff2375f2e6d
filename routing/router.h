#pragma once
// Router: turns one request into a routing decision. It keeps PLACEMENT (which backend a new
// session goes to) apart from BINDING (which backend an existing session is already on):
//
//   1. binding: a valid affinity cookie naming a backend that may keep sessions -> bound_cookie;
//      else a stick-table entry for the session key -> bound_table (learned when the key came
//      from the application's own cookie, routing.learn_cookie). Load never moves a bound session.
//   2. placement of a NEW session: the strategy's candidate list for the key, skipping backends
//      that may not take new sessions, with bounded loads (Mirrokni, Thorup, Zadimoghaddam,
//      arXiv 1608.01350): a candidate is eligible only while its load after the placement stays
//      within ceil(c * (total + 1) * weight / sum of usable weights) (equal weights: the paper's
//      ceil(c * (total + 1) / n)). First usable and eligible -> placed_primary; a later
//      one -> placed_spill; none eligible -> the least loaded usable backend (placed_spill).
//   3. no key: on_missing_key decides (assign = place and bind with the cookie; round_robin /
//      random = fallback, unbound; reject = 400).
//
// A Router belongs to one immutable snapshot and is shared by all workers. Mutable state that
// must outlive a snapshot (stick table, load counters) lives in RoutingState, keyed by backend
// stable ids, and is passed in per request. route() takes no lock of its own; the stick table
// is sharded.

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "routing/affinity_cookie.h"
#include "routing/load_counters.h"
#include "routing/request_view.h"
#include "routing/route_decision.h"
#include "routing/session_key.h"
#include "routing/stick_table.h"
#include "routing/strategy.h"

namespace tether::routing {

// Why a request that arrived with a binding was placed again (metrics: rebinds by cause).
enum class RebindCause {
  None = 0,
  BackendDown,   // bound backend failed its health checks (or this request's connect to it)
  Maintenance,   // operator put the bound backend in maintenance
  DrainMigrate,  // bound backend is draining with policy migrate, or past drain.timeout
  Removed,       // bound backend is no longer in the config
  CookieInvalid, // affinity cookie malformed or not signed by any configured secret
  CookieExpired, // affinity cookie past its ttl / idle_ttl
  TableEvicted,  // the application's session cookie came back with no stick-table entry
};
constexpr size_t kRebindCauseCount = 8;
std::string_view rebindCauseName(RebindCause cause);

// Which backends may take this request. Implemented by the caller (the backends' health and admin state, retry `tried`).
class BackendFilter {
public:
  virtual ~BackendFilter() = default;
  virtual bool usable(BackendId id) const = 0;
  // For a bound backend this filter refuses: why (the rebind's cause).
  virtual RebindCause unbindableCause(BackendId) const { return RebindCause::BackendDown; }
};

// Slow start: the share in [0, 1] of NEW sessions a backend accepts now. A key is accepted when
// its own per-backend hash falls below the share, so the accepted set only grows as the share
// rises (a key never flips back and forth between two backends during the ramp).
class SlowStart {
public:
  virtual ~SlowStart() = default;
  virtual double share(BackendId id, int64_t now_ms) const = 0;
};

class AllUsable : public BackendFilter {
public:
  bool usable(BackendId) const override { return true; }
};

enum class OnMissingKey { Assign = 0, RoundRobin, Random, Reject };
enum class LoadMetric { Sessions = 0, Requests };

// RoutingState: the part of routing that changes while tether runs, as opposed to the Router's
// immutable tables: the bindings (stick table, which also counts each backend's bound sessions)
// and the in-flight load counters. Shared by every worker and carried across snapshots.
class RoutingState {
public:
  RoutingState(size_t table_size, int64_t idle_ttl_ms) : table_(table_size, idle_ttl_ms) {}
  StickTable& table() { return table_; }
  LoadCounters& inflight() { return inflight_; }

private:
  StickTable table_;
  LoadCounters inflight_;
};

struct RouterOptions {
  std::optional<KeyPolicy> keys;                 // nullopt: requests carry no session key
  OnMissingKey on_missing_key = OnMissingKey::Assign;
  double balance_factor = 0;                     // 0 = bounded loads off
  LoadMetric load_metric = LoadMetric::Sessions;
  std::shared_ptr<const AffinityCookie> cookie;  // null = no affinity cookie
  bool stick_table = false;                      // look bindings up in RoutingState::table
  std::optional<uint8_t> learn_source;           // index of the key source that is learn_cookie
};

struct RouteContext {
  const BackendFilter* usable = nullptr;    // may take NEW sessions (ready)
  const BackendFilter* bindable = nullptr;  // may keep BOUND sessions (ready, draining)
  RoutingState* state = nullptr;
  const SlowStart* ramp = nullptr;          // null = every backend takes its full share
  int64_t now_ms = 0;       // clock for stick-table idle expiry
  int64_t now_unix_s = 0;   // wall clock for cookie expiry
  uint64_t random = 0;      // per-request random number (random strategy, keyless placement)
};

struct RouteResult {
  RouteDecision decision;
  std::optional<uint64_t> key;  // session key hash, when the request had one
  std::string cookie;           // non-empty: affinity cookie value the response must set
  bool reject = false;          // on_missing_key: reject -> 400
  RebindCause rebind = RebindCause::None;
};

class Router {
public:
  // Candidates examined per request; config/ caps the backend count at this.
  static constexpr uint32_t kMaxCandidates = 1024;

  Router(BackendList backends, StrategyConstSharedPtr strategy, RouterOptions options = {});

  // The full decision: binding, then placement with bounded loads.
  RouteResult route(const RequestView& request, const RouteContext& ctx) const;
  // Non-sticky shortcut kept for the plain round-robin path and tests.
  RouteDecision route(const RequestView& request, const BackendFilter& filter) const;

  // Placement only (bounded loads over the candidate list for `hash`); used by route() and by
  // the benchmarks/simulator.
  RouteDecision place(uint64_t hash, const RouteContext& ctx) const;

  // Set-Cookie field value for a RouteResult::cookie value.
  std::string setCookie(std::string_view value, int64_t now_unix_s) const;
  // Records a binding learned from the application's Set-Cookie (or forgets it on logout).
  void learn(uint64_t key, BackendId backend, RoutingState& store, int64_t now_ms) const;

  // A backend's identity across snapshots: a hash of its name, never 0.
  uint64_t stableId(BackendId id) const { return stable_ids_[id]; }
  std::optional<BackendId> byStableId(uint64_t stable) const;
  std::optional<BackendId> byName(std::string_view name) const;
  static uint64_t stableIdOf(std::string_view name);

  const BackendList& backends() const { return backends_; }
  const Strategy& strategy() const { return *strategy_; }
  const RouterOptions& options() const { return options_; }
  int64_t load(BackendId id, const RouteContext& ctx) const;

private:
  RouteDecision leastLoaded(const RouteContext& ctx) const;
  // True when sessions go into RoutingState::table: it binds them, bounded loads count them, or
  // the affinity cookie binds them (the count of bound sessions per backend is what drain shows).
  bool recordsSessions() const {
    return options_.stick_table || options_.cookie ||
           (options_.balance_factor > 0 && options_.load_metric == LoadMetric::Sessions);
  }
  // Slow start: whether the key `hash` may be placed on `id` during its ramp.
  static bool admitted(const RouteContext& ctx, BackendId id, uint64_t hash, uint64_t stable);
  RouteDecision placeWith(const Strategy& strategy, uint64_t hash, const RouteContext& ctx) const;
  RouteDecision placeRamped(const Strategy& strategy, uint64_t hash, const RouteContext& ctx) const;
  // The hash a non-sticky placement uses: a random number for `random`, else the shared counter.
  uint64_t unkeyedHash(const Strategy& strategy, const RouteContext& ctx) const;

  BackendList backends_;
  StrategyConstSharedPtr strategy_;
  StrategyConstSharedPtr round_robin_;  // on_missing_key: round_robin, whatever the strategy
  RouterOptions options_;
  std::vector<uint64_t> stable_ids_;
  std::unordered_map<uint64_t, BackendId> by_stable_;
  std::unordered_map<std::string_view, BackendId> by_name_;  // views into backends_
  mutable std::atomic<uint64_t> counter_{0};
};

using RouterConstSharedPtr = std::shared_ptr<const Router>;

} // namespace tether::routing
