#pragma once
// What one simulation measures (bench/lab/README.md defines each figure):
//
//   - sessions broken: requests that reach a backend that does not hold their session (the user
//     is logged out; the session starts again there). Split into `lost` (the backend that held it
//     crashed, restarted or was removed: no balancer could have saved it) and `moved` (it still
//     held it, but the request went elsewhere: the balancer's doing). Counted per window: the
//     steady state before the first event, then each event until the next one starts.
//   - keys moved: on every backend-set or state change, the share of a fixed sample of keys whose
//     placement (Router::place, with bounded loads at the loads of that moment) changed, summed
//     per event and divided by the theoretical minimum (the total variation distance between the
//     weight shares of the backends taking new sessions before and after).
//   - peak-to-average load: every sample_interval, over the backends taking new sessions, the
//     weight-normalised max over mean of sessions held in memory and of requests served in the
//     interval; reported as the steady-state mean, the mean over the run and the worst sample.
//   - routing cost: nanoseconds per Router::route() call, timed around each call.
//
// Plain data; filled by Simulation, read by the writers.

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "bench/lab/lab_config.h"
#include "bench/lab/scenario.h"

namespace tether::lab {

struct PeakToAverage {
  double steady = 0;  // mean over samples between warm-up and the first event
  double mean = 0;    // mean over every sample after warm-up
  double max = 0;     // worst sample after warm-up
  double steady_max = 0;  // worst sample of the steady state
  uint32_t steady_samples = 0;
  uint32_t samples = 0;

  void add(double ratio, bool steady_sample);
  void finish();

private:
  double steady_sum_ = 0;
  double sum_ = 0;
};

struct WindowMetrics {
  std::string label;           // "steady" or the event's label
  int event = -1;              // index into Scenario::events; -1 for steady
  Micros start = 0;
  Micros end = 0;
  uint64_t requests = 0;
  uint64_t broken = 0;
  uint64_t broken_lost = 0;
  uint64_t broken_moved = 0;
  uint64_t unrouted = 0;       // requests with no usable backend (503)
  double moved = 0;            // sum of moved fractions over the event's state changes
  double ideal = 0;            // sum of the minimum fractions
  uint32_t changes = 0;
  int64_t at_risk = -1;        // crash: active sessions on the backend when it crashed
  Micros finished = -1;        // scale_in / rolling_restart: when the operation completed
  uint32_t drain_timeouts = 0; // drains that hit drain_timeout with sessions still active
  int64_t cut_sessions = 0;    // active sessions left on a backend when its drain timed out
  PeakToAverage sessions_load; // samples taken during the window (mean and max)
  PeakToAverage requests_load;

  // moved / ideal; NaN when nothing had to move (no state change) or for non-sticky strategies.
  double movedFactor(bool sticky) const {
    return sticky && ideal > 1e-12 ? moved / ideal : std::nan("");
  }
};


struct LoadSample {
  Micros at = 0;
  std::vector<int64_t> sessions;   // per slot: sessions held in memory
  std::vector<uint64_t> requests;  // per slot: requests served in the interval
  std::vector<uint8_t> phase;      // per slot: Phase, 255 = not present
  double ratio_sessions = 0;
  double ratio_requests = 0;
};

struct RunResult {
  LabConfig config;
  bool is_default = false;
  bool sticky = true;              // false for round_robin / random: no key -> backend mapping
  uint64_t sessions = 0;
  uint64_t requests = 0;
  uint64_t unrouted = 0;
  uint64_t broken = 0;
  uint64_t broken_lost = 0;
  uint64_t broken_moved = 0;
  uint64_t sessions_broken = 0;    // distinct sessions logged out at least once
  std::vector<WindowMetrics> windows;  // [0] = steady, then one per event
  PeakToAverage sessions_load;
  PeakToAverage requests_load;
  uint64_t route_calls = 0;
  // Measured, NOT deterministic (kept out of results.csv/json): mean, median and 99th percentile
  // of the time per Router::route() call, clock overhead subtracted. The median shrugs off the
  // calls another process preempted (a shared 2-core machine); the mean does not.
  double route_ns = 0;
  double route_ns_median = 0;
  double route_ns_p99 = 0;
  std::vector<std::string> slot_names;
  std::vector<LoadSample> series;  // only for charted configurations

  double movedFactorTotal() const;  // over every event
};

// Weight-normalised max over mean: max_i(v_i / w_i) / (sum v / sum w). 0 when sum v is 0.
double peakToAverage(const std::vector<double>& values, const std::vector<double>& weights);

} // namespace tether::lab
