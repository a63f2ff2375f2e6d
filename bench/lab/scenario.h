#pragma once
// Scenario: everything one lab run replays, as read from a bench/scenarios/*.yaml file (every key
// is documented in bench/scenarios/README.md): the workload (Poisson session arrivals, session
// lengths, think times, NAT groups, mobile clients), the application's session timeout, the
// tether knobs every configuration shares, the configurations to compare, and the timeline of
// backend events.
//
// Times are integer microseconds of simulated time (`Micros`) from the start of the run. Plain
// value type; loadScenario() (scenario_loader.h) is the only way to build a checked one.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bench/lab/distribution.h"
#include "bench/lab/lab_config.h"

namespace tether::lab {

using Micros = int64_t;
constexpr Micros kSecond = 1000000;
constexpr Micros kMinute = 60 * kSecond;

enum class EventKind { HotKey = 0, ScaleOut, ScaleIn, Crash, Recover, RollingRestart, Weight };
std::string_view eventKindName(EventKind kind);

struct EventSpec {
  std::string label;            // `name:`, or the kind; unique within the scenario
  EventKind kind = EventKind::HotKey;
  Micros at = 0;
  uint32_t to = 0;              // scale_out / scale_in: number of backends afterwards
  std::string backend;          // crash, recover, weight
  uint32_t weight = 1;          // weight
  bool drain = true;            // scale_in, rolling_restart: drain before removing / restarting
  Micros drain_timeout = 0;     // 0 = wait until no active session is left
  Micros restart_time = 0;      // rolling_restart: how long each backend is down
  Micros pause = 0;             // rolling_restart: wait after a backend is back before the next
  double share = 0;             // hot_key: its share of all requests while it lasts
  Micros duration = 0;          // hot_key
  int line = 0;                 // position in the scenario file, for messages
  int column = 0;
};

struct NatSpec {
  double share = 0;       // fraction of sessions whose client sits behind a NAT
  uint32_t groups = 1;    // NAT addresses those sessions share
  double zipf = 1.0;      // popularity skew across the groups (0 = even)
};

struct MobileSpec {
  double share = 0;                  // fraction of sessions from mobile clients
  double ip_change_probability = 0;  // per request after the first: the client changed network
};

struct WorkloadSpec {
  double arrival_rate = 1;                // new sessions per second (Poisson)
  Distribution requests_per_session;      // whole numbers >= 1
  Distribution think_time;                // seconds between two requests of a session
  NatSpec nat;
  MobileSpec mobile;
};

struct Scenario {
  std::string file;             // as given on the command line
  std::string name;
  std::string description;
  uint64_t seed = 1;
  Micros duration = 0;
  Micros warmup = 0;            // excluded from peak-to-average statistics
  Micros sample_interval = 30 * kSecond;
  uint32_t initial_backends = 4;
  std::string backend_prefix = "app";
  WorkloadSpec workload;
  Micros app_session_timeout = 30 * kMinute;  // the application forgets an idle session
  TetherKnobs tether;
  std::vector<routing::StrategyKind> strategies;
  std::vector<Binding> bindings;
  std::vector<double> balance_factors;
  LabConfig default_config;     // "tether's default": checked against checkTargets()
  std::vector<LabConfig> charts;  // configurations whose per-backend load is charted
  uint32_t moved_sample_keys = 20000;
  double quick_scale = 0.25;    // --quick multiplies arrival_rate and moved_sample_keys by this
  std::vector<EventSpec> events;  // sorted by `at`, strictly increasing

  // The configurations to run: the matrix, then the default and chart configurations that are
  // not in it, in that order.
  std::vector<LabConfig> configurations() const;
  // Backend name for list position i (0-based): prefix + (i + 1).
  std::string backendName(uint32_t index) const;
};

// A timeline problem: event index and message (the loader adds the event's position).
struct TimelineProblem {
  size_t event = 0;
  std::string message;
};
// Checks the events against each other and the backend set they act on: times strictly
// increasing, after the warm-up and before the end; unique labels; scale targets that grow or
// shrink; crash/recover/weight naming a backend that exists (and is up / down) at that time.
std::vector<TimelineProblem> checkTimeline(const Scenario& s);

// Membership rules shared by the checker and the simulator. Scale-out adds the lowest-numbered
// names not present (prefix1, prefix2, ...) at the end of the list; scale-in removes the last
// ones in list order (the most recently added: jump hashing and ip_hash_modulo depend on list
// order, and removing from the end is what an operator of either would do).
std::vector<std::string> namesToAdd(const Scenario& s, const std::vector<std::string>& present,
                                    uint32_t count);

} // namespace tether::lab
