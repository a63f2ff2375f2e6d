#include "bench/lab/simulation.h"

#include <algorithm>
#include <chrono>

namespace tether::lab {

namespace {

using Clock = std::chrono::steady_clock;

constexpr Micros kTick = kSecond;
constexpr Micros kSweepEvery = 5 * kSecond;  // proxy/worker.cc sweeps the stick table every 5 s
// Clocks handed to the router: simulated time plus these bases (the stick table's monotonic ms
// and the cookie's wall-clock seconds, 2027-01-01T00:00:00Z), so neither starts at zero.
constexpr int64_t kMonotonicBaseMs = 1000000;
constexpr int64_t kUnixBaseS = 1798761600;
constexpr uint64_t kRandomStream = 5;
constexpr uint8_t kAbsent = 255;
constexpr size_t kHistogramNs = 1 << 15;  // per-call times above ~33 us share the last bucket

// The value below which `fraction` of the calls fall, from a 1-ns histogram.
double percentile(const std::vector<uint64_t>& histogram, uint64_t total, double fraction) {
  const auto want = static_cast<uint64_t>(fraction * static_cast<double>(total));
  uint64_t seen = 0;
  for (size_t ns = 0; ns < histogram.size(); ++ns) {
    seen += histogram[ns];
    if (seen > want) return static_cast<double>(ns);
  }
  return static_cast<double>(histogram.size());
}

} // namespace

int64_t clockOverheadNs() {
  static const int64_t overhead = [] {
    std::vector<int64_t> batches;
    for (int b = 0; b < 5; ++b) {
      int64_t total = 0;
      constexpr int kPairs = 20000;
      for (int i = 0; i < kPairs; ++i) {
        const auto t0 = Clock::now();
        const auto t1 = Clock::now();
        total += std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count();
      }
      batches.push_back(total / kPairs);
    }
    std::sort(batches.begin(), batches.end());
    return batches[batches.size() / 2];
  }();
  return overhead;
}

Simulation::Simulation(const Scenario& scenario, const WorkloadPlan& plan, const LabConfig& config,
                       RunOptions options)
    : scenario_(scenario), plan_(plan), options_(options),
      cluster_(config, scenario.tether), moved_(options.moved_sample_keys, scenario.seed),
      ops_(scenario, cluster_, *this, result_.windows),
      random_(Rng::stream(scenario.seed, kRandomStream)) {
  result_.config = config;
  result_.is_default = config == scenario.default_config;
  result_.sticky = config.strategy != routing::StrategyKind::RoundRobin &&
                   config.strategy != routing::StrategyKind::Random;
  WindowMetrics steady;
  steady.label = "steady";
  result_.windows.push_back(steady);
  for (size_t i = 0; i < scenario.events.size(); ++i) {
    WindowMetrics w;
    w.label = scenario.events[i].label;
    w.event = static_cast<int>(i);
    w.start = scenario.events[i].at;
    result_.windows.push_back(w);
  }
  for (size_t i = 0; i < result_.windows.size(); ++i) {
    result_.windows[i].end = i + 1 < result_.windows.size() ? result_.windows[i + 1].start
                                                             : scenario.duration;
  }
  for (uint32_t i = 0; i < scenario.initial_backends; ++i) cluster_.add(scenario.backendName(i));
  cluster_.rebuild();
  sessions_.resize(plan.sessions.size());
  if (options_.measure_time) route_histogram_.assign(kHistogramNs, 0);
  if (const auto& cookie = cluster_.router().options().cookie) cookie_name_ = cookie->options().name;
  for (size_t i = 0; i < scenario.events.size(); ++i) {
    schedule(scenario.events[i].at, TimerKind::Event, static_cast<uint32_t>(i));
  }
  schedule(kTick, TimerKind::Tick);
}

void Simulation::schedule(Micros at, TimerKind kind, uint32_t a, uint32_t b, uint32_t c) {
  timers_.push({at, seq_++, kind, a, b, c});
}

routing::RouteContext Simulation::context(Micros now) {
  routing::RouteContext ctx;
  ctx.usable = &cluster_.usable();
  ctx.bindable = &cluster_.bindable();
  ctx.state = &cluster_.routingState();
  ctx.now_ms = kMonotonicBaseMs + now / 1000;
  ctx.now_unix_s = kUnixBaseS + now / kSecond;
  return ctx;
}

RunResult Simulation::run() {
  const auto& requests = plan_.requests;
  size_t next = 0;
  for (;;) {
    const bool have_request = next < requests.size();
    if (!timers_.empty() && (!have_request || timers_.top().at <= requests[next].at)) {
      const Timer t = timers_.top();
      if (t.at > scenario_.duration) break;
      timers_.pop();
      now_ = t.at;
      onTimer(t);
      continue;
    }
    if (!have_request) break;
    now_ = requests[next].at;
    onRequest(requests[next++]);
  }

  for (const auto& s : sessions_) result_.sessions += s.served > 0;
  result_.sessions_load.finish();
  result_.requests_load.finish();
  for (auto& w : result_.windows) {
    w.sessions_load.finish();
    w.requests_load.finish();
  }
  if (options_.measure_time && result_.route_calls > 0) {
    const int64_t overhead = clockOverheadNs();
    const int64_t net = route_ns_total_ - overhead * static_cast<int64_t>(result_.route_calls);
    result_.route_ns = std::max<double>(0, static_cast<double>(net) / result_.route_calls);
    const auto calls = result_.route_calls;
    result_.route_ns_median = std::max<double>(0, percentile(route_histogram_, calls, 0.5) - overhead);
    result_.route_ns_p99 = std::max<double>(0, percentile(route_histogram_, calls, 0.99) - overhead);
  }
  for (uint32_t slot = 0; slot < cluster_.slotCount(); ++slot) {
    result_.slot_names.push_back(cluster_.backend(slot).name);
  }
  return std::move(result_);
}

void Simulation::onTimer(const Timer& t) {
  switch (t.kind) {
  case TimerKind::Event:
    window_ = t.a + 1;
    ops_.start(t.a, t.at);
    break;
  case TimerKind::Tick:
    onTick(t.at);
    if (t.at + kTick <= scenario_.duration) schedule(t.at + kTick, TimerKind::Tick);
    break;
  case TimerKind::MemoryExpire: {
    const SessionState& s = sessions_[t.a];
    if (cluster_.holds(t.b, t.c) && s.home == t.b && s.epoch == t.c) --cluster_.backend(t.b).memory;
    break;
  }
  }
}

void Simulation::onTick(Micros now) {
  ops_.poll(now);
  if (now % kSweepEvery == 0) cluster_.routingState().table().expire(kMonotonicBaseMs + now / 1000);
  if (now % scenario_.sample_interval == 0) sample(now);
}

void Simulation::home(SessionState& s, uint32_t slot) {
  SimBackend& b = cluster_.backend(slot);
  s.home = slot;
  s.epoch = b.epoch;
  ++b.active;
  ++b.memory;
}

void Simulation::unhome(SessionState& s) {
  if (s.home != Cluster::kNoSlot && cluster_.holds(s.home, s.epoch)) {
    SimBackend& b = cluster_.backend(s.home);
    --b.active;
    --b.memory;
  }
}

void Simulation::onRequest(const PlannedRequest& r) {
  const PlannedSession& planned = plan_.sessions[r.session];
  SessionState& s = sessions_[r.session];
  WindowMetrics& w = result_.windows[window_];
  ++result_.requests;
  ++w.requests;
  ++s.served;
  const bool last = s.served == planned.requests;

  routing::RouteContext ctx = context(now_);
  ctx.random = random_.next();
  request_.set(planned.sid, cookie_name_, s.cookie, r.ip);
  const routing::Router& router = cluster_.router();
  routing::RouteResult routed;
  if (options_.measure_time) {
    const auto t0 = Clock::now();
    routed = router.route(request_, ctx);
    const auto t1 = Clock::now();
    const int64_t ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count();
    route_ns_total_ += ns;
    ++route_histogram_[std::min<size_t>(static_cast<size_t>(std::max<int64_t>(ns, 0)), kHistogramNs - 1)];
  } else {
    routed = router.route(request_, ctx);
  }
  ++result_.route_calls;
  if (!routed.cookie.empty()) s.cookie = std::move(routed.cookie);

  if (!routed.decision.found()) {
    ++result_.unrouted;
    ++w.unrouted;
  } else {
    const uint32_t slot = cluster_.slotOf(routed.decision.backend);
    ++cluster_.backend(slot).interval_requests;
    if (s.home == Cluster::kNoSlot) {
      home(s, slot);  // the login: this backend now holds the session
    } else if (s.home != slot || !cluster_.holds(slot, s.epoch)) {
      // Logged out: the backend it reached does not hold the session; it starts again there.
      const bool lost = !cluster_.holds(s.home, s.epoch);
      ++result_.broken;
      ++w.broken;
      if (lost) {
        ++result_.broken_lost;
        ++w.broken_lost;
      } else {
        ++result_.broken_moved;
        ++w.broken_moved;
      }
      if (!s.broken) {
        s.broken = true;
        ++result_.sessions_broken;
      }
      unhome(s);
      home(s, slot);
    }
  }
  if (last && s.home != Cluster::kNoSlot) {
    // The client is done; the application keeps the session until it has been idle long enough.
    if (cluster_.holds(s.home, s.epoch)) --cluster_.backend(s.home).active;
    schedule(now_ + scenario_.app_session_timeout, TimerKind::MemoryExpire, r.session, s.home,
             s.epoch);
    s.cookie.clear();
    s.cookie.shrink_to_fit();
  }
}

void Simulation::sample(Micros now) {
  const size_t n = cluster_.slotCount();
  std::vector<double> sessions(n), requests(n), weights(n);
  LoadSample ls;
  ls.at = now;
  if (options_.keep_series) {
    ls.sessions.resize(n);
    ls.requests.resize(n);
    ls.phase.assign(n, kAbsent);
  }
  for (uint32_t slot = 0; slot < n; ++slot) {
    SimBackend& b = cluster_.backend(slot);
    if (b.present) {
      sessions[slot] = static_cast<double>(b.memory);
      requests[slot] = static_cast<double>(b.interval_requests);
      weights[slot] = b.phase == Phase::Ready ? b.weight : 0;
      if (options_.keep_series) {
        ls.sessions[slot] = b.memory;
        ls.requests[slot] = b.interval_requests;
        ls.phase[slot] = static_cast<uint8_t>(b.phase);
      }
    }
    b.interval_requests = 0;
  }
  ls.ratio_sessions = peakToAverage(sessions, weights);
  ls.ratio_requests = peakToAverage(requests, weights);
  const bool measured = now - scenario_.sample_interval >= scenario_.warmup;
  const bool steady = measured && (scenario_.events.empty() || now <= scenario_.events[0].at);
  if (measured) {
    result_.sessions_load.add(ls.ratio_sessions, steady);
    result_.requests_load.add(ls.ratio_requests, steady);
    result_.windows[window_].sessions_load.add(ls.ratio_sessions, false);
    result_.windows[window_].requests_load.add(ls.ratio_requests, false);
  }
  if (options_.keep_series) result_.series.push_back(std::move(ls));
}

void Simulation::change(size_t event, const std::function<void()>& mutate, bool rebuild) {
  WindowMetrics& w = result_.windows[event + 1];
  const auto shares_before = cluster_.readyShares();
  const routing::RouteContext ctx = context(now_);
  if (result_.sticky) moved_.capture(cluster_, ctx, before_);
  mutate();
  if (rebuild) cluster_.rebuild();
  w.ideal += MovedKeys::minimumFraction(shares_before, cluster_.readyShares());
  if (result_.sticky) {
    moved_.capture(cluster_, ctx, after_);
    w.moved += MovedKeys::movedFraction(before_, after_);
  }
  ++w.changes;
}

} // namespace tether::lab
