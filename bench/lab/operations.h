#pragma once
// Operations: carries out the scenario's backend events on a Cluster, the way an operator and
// tether's health checks would, in simulated time.
//
//   scale_out        add backends (a config reload: new Router, bindings kept by name)
//   scale_in         drain: the leaving backends take no new sessions and keep their bound ones
//                    (drain.policy keep) until none of their sessions is active any more, or
//                    drain_timeout passes (the sessions still active are then lost); then they are
//                    removed. Without drain they are removed at once.
//   crash            the backend goes down and loses its memory (detected at once: the health
//                    checker's detection delay is not modelled, so no request fails in between)
//   recover          it comes back up, empty (slow start is not modelled)
//   weight           a new weight (a reload)
//   rolling_restart  every backend present at the start, in list order: drain (as scale_in),
//                    restart (down for restart_time, memory lost), back to ready, pause, next
//   hot_key          nothing to do here: the workload carries it
//
// "No session is active" is what the simulator knows for sure (no client will come back); an
// operator watching /status sees bound sessions including idle ones, so would wait until
// stick_table.idle_ttl after the last request, or until drain.timeout. A drain that ends early
// here therefore never saves a session a real drain would lose; drain_timeout is honoured.
//
// Every state change goes through ChangeSink::change() so the simulator can measure how many keys
// it moved. Single-threaded; poll() is called once per simulated second.

#include <functional>
#include <string>
#include <vector>

#include "bench/lab/cluster.h"
#include "bench/lab/metrics.h"
#include "bench/lab/scenario.h"

namespace tether::lab {

class ChangeSink {
public:
  virtual ~ChangeSink() = default;
  // Applies `mutate` (then Cluster::rebuild() if `rebuild`), attributing the keys it moves to
  // the window of event `event`.
  virtual void change(size_t event, const std::function<void()>& mutate, bool rebuild) = 0;
};

class Operations {
public:
  Operations(const Scenario& scenario, Cluster& cluster, ChangeSink& sink,
             std::vector<WindowMetrics>& windows);

  void start(size_t event, Micros now);
  void poll(Micros now);
  bool busy() const;

private:
  enum class Stage { Begin = 0, Draining, Restarting, Pausing, Done };
  struct Op {
    size_t event = 0;
    EventKind kind = EventKind::ScaleIn;
    std::vector<std::string> targets;  // scale_in: all at once; rolling: one after another
    size_t next = 0;                   // rolling: index of the current target
    Stage stage = Stage::Begin;
    Micros deadline = 0;               // 0 = none
    Micros wake = 0;
  };

  // Advances one operation as far as it can at `now`; returns false when it is done.
  bool advance(Op& op, Micros now);
  bool advanceScaleIn(Op& op, Micros now);
  bool advanceRolling(Op& op, Micros now);
  // True once every slot has no active session, or the deadline passed (then counts the cut).
  bool drained(Op& op, const std::vector<uint32_t>& slots, Micros now);
  std::vector<uint32_t> slotsOf(const std::vector<std::string>& names) const;
  WindowMetrics& window(const Op& op) { return windows_[op.event + 1]; }

  const Scenario& scenario_;
  Cluster& cluster_;
  ChangeSink& sink_;
  std::vector<WindowMetrics>& windows_;
  std::vector<Op> ops_;
};

} // namespace tether::lab
