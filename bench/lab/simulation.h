#pragma once
// Simulation: replays one WorkloadPlan against one LabConfig in simulated time and measures
// sessions broken, keys moved, load balance and routing cost (metrics.h).
//
// The event loop merges the plan's time-ordered requests with a timer queue (scenario events, a
// one-second tick that advances drains and restarts, sweeps the stick table every 5 s and samples
// load every sample_interval, and the application's idle-session expiry). Timers run before
// requests of the same microsecond. Each request is routed by tether's own Router (cluster.h)
// with the session's cookies and source address (sim_request.h), and the backend it reaches is
// checked against the one holding the session in memory.
//
// Deterministic: everything but RunResult::route_ns is a pure function of the scenario, the seed
// and the configuration. Single-threaded; one Simulation per configuration.

#include <cstdint>
#include <queue>
#include <string>
#include <vector>

#include "bench/lab/cluster.h"
#include "bench/lab/metrics.h"
#include "bench/lab/moved_keys.h"
#include "bench/lab/operations.h"
#include "bench/lab/scenario.h"
#include "bench/lab/sim_request.h"
#include "bench/lab/workload.h"

namespace tether::lab {

struct RunOptions {
  bool keep_series = false;     // keep per-backend load samples (charts)
  bool measure_time = true;     // time route() calls
  uint32_t moved_sample_keys = 20000;
};

class Simulation : private ChangeSink {
public:
  Simulation(const Scenario& scenario, const WorkloadPlan& plan, const LabConfig& config,
             RunOptions options);

  RunResult run();

private:
  enum class TimerKind : uint8_t { Event = 0, Tick, MemoryExpire };
  struct Timer {
    Micros at = 0;
    uint64_t seq = 0;
    TimerKind kind = TimerKind::Tick;
    uint32_t a = 0;  // event index | session
    uint32_t b = 0;  // slot
    uint32_t c = 0;  // epoch
    bool operator>(const Timer& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };
  struct SessionState {
    uint32_t home = Cluster::kNoSlot;  // backend holding the session
    uint32_t epoch = 0;                // that backend's epoch when it stored it
    uint32_t served = 0;
    bool broken = false;
    std::string cookie;                // tether's affinity cookie, as the browser keeps it
  };

  void schedule(Micros at, TimerKind kind, uint32_t a = 0, uint32_t b = 0, uint32_t c = 0);
  void onTimer(const Timer& t);
  void onTick(Micros now);
  void onRequest(const PlannedRequest& r);
  void sample(Micros now);
  void home(SessionState& s, uint32_t slot);
  void unhome(SessionState& s);
  routing::RouteContext context(Micros now);

  // ChangeSink
  void change(size_t event, const std::function<void()>& mutate, bool rebuild) override;

  const Scenario& scenario_;
  const WorkloadPlan& plan_;
  RunOptions options_;
  Cluster cluster_;
  MovedKeys moved_;
  RunResult result_;
  Operations ops_;
  std::vector<SessionState> sessions_;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> timers_;
  uint64_t seq_ = 0;
  size_t window_ = 0;  // current window: 0 = steady, i + 1 = event i
  Micros now_ = 0;
  Rng random_;         // per-request random numbers (the random strategy)
  SimRequest request_;
  std::string cookie_name_;
  int64_t route_ns_total_ = 0;
  std::vector<uint64_t> route_histogram_;  // calls per whole nanosecond; the last bucket is "more"
  std::vector<uint32_t> before_, after_;
};

// Cost of one pair of clock reads around an empty block, subtracted from every timed call.
int64_t clockOverheadNs();

} // namespace tether::lab
