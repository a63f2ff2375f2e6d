#include "routing/router.h"

#include <cmath>

#include "routing/hash.h"
#include "routing/round_robin.h"

namespace tether::routing {

namespace {

// Backend stable ids use their own fixed seed, independent of routing.hash_seed: changing the key
// seed must not orphan every stick-table entry and cookie.
constexpr uint64_t kBackendIdSeed = 0x7465746865720001ULL;  // "tether" + version 1

// Candidates asked for first: enough for health skips and bounded-load spills in practice; the
// full list is fetched only when all of these are unusable or over the cap.
constexpr uint32_t kFirstCandidates = 8;

} // namespace

std::string_view rebindCauseName(RebindCause cause) {
  switch (cause) {
  case RebindCause::None: return "none";
  case RebindCause::BackendDown: return "backend_down";
  case RebindCause::Maintenance: return "maintenance";
  case RebindCause::DrainMigrate: return "drain_migrate";
  case RebindCause::Removed: return "removed";
  case RebindCause::CookieInvalid: return "cookie_invalid";
  case RebindCause::CookieExpired: return "cookie_expired";
  case RebindCause::TableEvicted: return "table_evicted";
  }
  return "unknown";
}

uint64_t Router::stableIdOf(std::string_view name) {
  const uint64_t h = hashBytes(name, kBackendIdSeed);
  return h == 0 ? 1 : h;  // 0 marks an empty slot in LoadCounters
}

Router::Router(BackendList backends, StrategyConstSharedPtr strategy, RouterOptions options)
    : backends_(std::move(backends)), strategy_(std::move(strategy)),
      round_robin_(std::make_shared<RoundRobin>(backends_)), options_(std::move(options)) {
  stable_ids_.reserve(backends_.size());
  for (BackendId i = 0; i < backends_.size(); ++i) {
    stable_ids_.push_back(stableIdOf(backends_[i].key));
    by_stable_.emplace(stable_ids_.back(), i);
    by_name_.emplace(backends_[i].key, i);
  }
}

std::optional<BackendId> Router::byStableId(uint64_t stable) const {
  auto it = by_stable_.find(stable);
  if (it == by_stable_.end()) return std::nullopt;
  return it->second;
}

std::optional<BackendId> Router::byName(std::string_view name) const {
  auto it = by_name_.find(name);
  if (it == by_name_.end()) return std::nullopt;
  return it->second;
}

int64_t Router::load(BackendId id, const RouteContext& ctx) const {
  if (!ctx.state) return 0;
  if (options_.load_metric == LoadMetric::Requests) return ctx.state->inflight().get(stable_ids_[id]);
  return ctx.state->table().boundTo(stable_ids_[id]);
}

uint64_t Router::unkeyedHash(const Strategy& strategy, const RouteContext& ctx) const {
  if (strategy.name() == "random") return ctx.random ? ctx.random : mix64(counter_.fetch_add(1), 0);
  return counter_.fetch_add(1, std::memory_order_relaxed);
}

RouteDecision Router::route(const RequestView& /*request*/, const BackendFilter& filter) const {
  RouteContext ctx;
  ctx.usable = &filter;
  // A sticky strategy fed a counter would put consecutive requests on one backend.
  const Strategy& s = strategy_->sticky() ? *round_robin_ : *strategy_;
  auto d = placeWith(s, unkeyedHash(s, ctx), ctx);
  if (d.found()) d.reason = RouteDecision::Reason::Fallback;
  return d;
}

RouteDecision Router::place(uint64_t hash, const RouteContext& ctx) const {
  return placeWith(*strategy_, hash, ctx);
}

bool Router::admitted(const RouteContext& ctx, BackendId id, uint64_t hash, uint64_t stable) {
  if (!ctx.ramp) return true;
  const double share = ctx.ramp->share(id, ctx.now_ms);
  if (share >= 1.0) return true;
  // A uniform number in [0, 1) fixed per (key, backend): as the share grows, the keys admitted
  // earlier stay admitted.
  const double unit = static_cast<double>(mix64(hash, stable) >> 11) * 0x1.0p-53;
  return unit < share;
}

RouteDecision Router::placeWith(const Strategy& strategy, uint64_t hash,
                                const RouteContext& ctx) const {
  auto d = placeRamped(strategy, hash, ctx);
  if (d.found() || !ctx.ramp) return d;
  // Every usable backend is ramping and none admitted this key: a ramp must never refuse a
  // request that a backend could take.
  RouteContext plain = ctx;
  plain.ramp = nullptr;
  return placeRamped(strategy, hash, plain);
}

RouteDecision Router::placeRamped(const Strategy& strategy, uint64_t hash,
                                  const RouteContext& ctx) const {
  const uint32_t n = strategy.backendCount();
  if (n == 0) return {};
  const BackendFilter& usable = *ctx.usable;
  const double c = options_.balance_factor;
  BackendId buf[kMaxCandidates];
  uint32_t asked = std::min(n, kFirstCandidates);
  uint32_t got = strategy.candidates(hash, buf, asked);

  if (c <= 0) {
    for (;;) {
      // Without bounded loads the first usable candidate is the placement; skipping a backend
      // that is down is health, not spill.
      for (uint32_t i = 0; i < got; ++i) {
        if (usable.usable(buf[i]) && admitted(ctx, buf[i], hash, stable_ids_[buf[i]])) {
          return {buf[i], RouteDecision::Reason::PlacedPrimary};
        }
      }
      if (asked >= n) return {};
      asked = std::min(n, kMaxCandidates);
      got = strategy.candidates(hash, buf, asked);
    }
  }

  // Bounded loads: the cap is computed over the backends that may take new sessions now, and
  // scaled by weight (a weight-3 backend may hold three times a weight-1 one's share; with equal
  // weights this is the paper's ceil(c * (total + 1) / n)).
  int64_t total = 0;
  uint64_t weight_sum = 0;
  uint32_t usable_count = 0;
  for (BackendId id = 0; id < backends_.size(); ++id) {
    if (!usable.usable(id)) continue;
    total += load(id, ctx);
    weight_sum += std::max<uint32_t>(1, backends_[id].weight);
    ++usable_count;
  }
  if (usable_count == 0) return {};
  const double per_weight = c * static_cast<double>(total + 1) / static_cast<double>(weight_sum);
  auto capOf = [&](BackendId id) {
    return static_cast<int64_t>(std::ceil(per_weight * std::max<uint32_t>(1, backends_[id].weight)));
  };
  bool first_usable_seen = false;
  for (;;) {
    for (uint32_t i = 0; i < got; ++i) {
      const BackendId id = buf[i];
      if (!usable.usable(id) || !admitted(ctx, id, hash, stable_ids_[id])) continue;
      const bool primary = !first_usable_seen;
      first_usable_seen = true;
      if (load(id, ctx) + 1 <= capOf(id)) {
        return {id, primary ? RouteDecision::Reason::PlacedPrimary
                            : RouteDecision::Reason::PlacedSpill};
      }
    }
    if (asked >= n) break;
    asked = std::min(n, kMaxCandidates);
    got = strategy.candidates(hash, buf, asked);
    first_usable_seen = false;
    // Re-walk from the start so the order stays the key's order; earlier ones fail again.
  }
  return leastLoaded(ctx);
}

RouteDecision Router::leastLoaded(const RouteContext& ctx) const {
  // Least loaded relative to weight, so the fallback keeps the weighted shares too.
  RouteDecision best;
  double best_load = 0;
  for (BackendId id = 0; id < backends_.size(); ++id) {
    if (!ctx.usable->usable(id)) continue;
    const double l = static_cast<double>(load(id, ctx)) / std::max<uint32_t>(1, backends_[id].weight);
    if (!best.found() || l < best_load) {
      best = {id, RouteDecision::Reason::PlacedSpill};
      best_load = l;
    }
  }
  return best;
}

RouteResult Router::route(const RequestView& request, const RouteContext& ctx) const {
  RouteResult r;
  std::optional<SessionKey> key;
  if (options_.keys) key = options_.keys->extract(request);
  if (key) r.key = key->hash;
  const BackendFilter& bindable = ctx.bindable ? *ctx.bindable : *ctx.usable;

  // 1. Binding by affinity cookie.
  if (options_.cookie) {
    if (auto value = findCookie(request, options_.cookie->options().name)) {
      const auto v = options_.cookie->verify(*value, ctx.now_unix_s);
      if (v.status == AffinityCookie::Verified::Status::Valid) {
        auto id = byName(v.backend);
        // With learn_cookie, the application's own session cookie says whether a session exists.
        // Without it (logged out, or never logged in) a cookie naming a backend that takes no
        // new sessions (draining) must not bring it one: such a drain would never empty.
        const bool app_session = !options_.learn_source || (key && key->source == *options_.learn_source);
        if (id && bindable.usable(*id) && (app_session || ctx.usable->usable(*id))) {
          r.decision = {*id, RouteDecision::Reason::BoundCookie};
          if (options_.cookie->needsRefresh(v, ctx.now_unix_s)) {
            r.cookie = options_.cookie->refresh(v, ctx.now_unix_s);
          }
          // Keep the session registry warm: bounded loads count live sessions per backend.
          if (ctx.state && key && recordsSessions()) {
            ctx.state->table().bind(key->hash, stable_ids_[*id], ctx.now_ms);
          }
          return r;
        }
        if (!id) r.rebind = RebindCause::Removed;
        else if (!bindable.usable(*id)) r.rebind = bindable.unbindableCause(*id);
        // else: no application session to keep; a new one is placed, which is not a rebind.
      } else {
        r.rebind = v.status == AffinityCookie::Verified::Status::Expired ? RebindCause::CookieExpired
                                                                          : RebindCause::CookieInvalid;
      }
    }
  }

  // 2. Binding by stick table (including bindings learned from the application's cookie).
  if (options_.stick_table && key && ctx.state) {
    if (auto stable = ctx.state->table().lookup(key->hash, ctx.now_ms)) {
      auto id = byStableId(*stable);
      if (id && bindable.usable(*id)) {
        const bool learned = options_.learn_source && *options_.learn_source == key->source;
        r.rebind = RebindCause::None;  // a bad cookie, but the table kept the session in place
        r.decision = {*id, learned ? RouteDecision::Reason::Learned : RouteDecision::Reason::BoundTable};
        // A table-bound client without a valid cookie gets one, so it stays bound even if the
        // table entry is evicted.
        if (options_.cookie) r.cookie = options_.cookie->issue(backends_[*id].key, ctx.now_unix_s);
        return r;
      }
      if (r.rebind == RebindCause::None) r.rebind = id ? bindable.unbindableCause(*id) : RebindCause::Removed;
    } else if (r.rebind == RebindCause::None && options_.learn_source &&
               *options_.learn_source == key->source) {
      // The application's own session cookie came back but its binding is gone (evicted by the
      // table's size limit or idle expiry): the session was bound, so this is a rebind.
      r.rebind = RebindCause::TableEvicted;
    }
  }

  // 3. Placement of a new session.
  uint64_t hash = 0;
  if (key) {
    hash = key->hash;
  } else {
    switch (options_.on_missing_key) {
    case OnMissingKey::Reject:
      r.reject = true;
      return r;
    case OnMissingKey::RoundRobin:
    case OnMissingKey::Random: {
      // Not a session: spread it, without bounded loads and without binding anything.
      const RouteContext plain{ctx.usable, ctx.bindable, nullptr, nullptr, 0, 0, ctx.random};
      const bool rr = options_.on_missing_key == OnMissingKey::RoundRobin;
      const Strategy& s = rr ? *round_robin_ : *strategy_;
      r.decision = placeWith(s, rr ? unkeyedHash(s, plain) : mix64(ctx.random, 1), plain);
      if (r.decision.found()) r.decision.reason = RouteDecision::Reason::Fallback;
      return r;
    }
    case OnMissingKey::Assign:
      // A new keyless session: placed like a random key, then bound by the affinity cookie.
      hash = strategy_->sticky() ? ctx.random : unkeyedHash(*strategy_, ctx);
      break;
    }
  }
  if (!strategy_->sticky() && key) hash = unkeyedHash(*strategy_, ctx);
  r.decision = place(hash, ctx);
  if (!r.decision.found()) return r;
  // A keyless request under learn_cookie is usually a login: the application's cookie becomes the
  // key and learn() records it, so a record under a random id would count the session twice.
  if (ctx.state && recordsSessions() && (key || !options_.learn_source)) {
    // Record the new session: it is the binding when the stick table is on, and the session count
    // bounded loads read either way. Keyless sessions are counted under a random id.
    // Nothing is recorded when nothing would read it (plain round robin stays lock-free).
    ctx.state->table().bind(key ? key->hash : mix64(ctx.random, ctx.now_ms),
                            stable_ids_[r.decision.backend], ctx.now_ms);
  }
  if (options_.cookie) r.cookie = options_.cookie->issue(backends_[r.decision.backend].key, ctx.now_unix_s);
  return r;
}

std::string Router::setCookie(std::string_view value, int64_t now_unix_s) const {
  if (!options_.cookie || value.empty()) return {};
  return options_.cookie->setCookie(value, now_unix_s);
}

void Router::learn(uint64_t key, BackendId backend, RoutingState& store, int64_t now_ms) const {
  store.table().bind(key, stable_ids_[backend], now_ms);
}

} // namespace tether::routing
