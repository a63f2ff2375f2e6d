#pragma once
// RiseFall: the consecutive-threshold state machine behind active health checks.
//
// Pure logic, no I/O and no clock: feed it one probe result at a time with observe() and it says
// whether that result flipped the backend. A backend that is up goes down after `fall` failures in
// a row; one that is down comes up after `rise` successes in a row. Any result of the other kind
// resets the run (HAProxy's `rise`/`fall`, Envoy's healthy/unhealthy thresholds).
//
// Start is optimistic by default (HAProxy): a new backend is up until `fall` probes in a row fail,
// so adding a backend or starting the proxy does not take capacity away while the first probes are
// in flight. Thresholds of 0 are treated as 1 (validate() rejects them; this is the safe reading).
//
// Not thread-safe; owned by one ProbeSession on one loop.

#include <cstdint>

namespace tether::health {

enum class Transition : uint8_t {
  None = 0,  // the result did not change up/down
  Up,        // the backend just came up (rise reached)
  Down,      // the backend just went down (fall reached)
};

class RiseFall {
public:
  RiseFall(uint32_t rise, uint32_t fall, bool initially_up = true);

  // Records one probe result and reports whether it flipped the state.
  Transition observe(bool ok);

  // New thresholds, keeping up/down and the current runs. A run already at or past a lowered
  // threshold flips on the next result of the same kind, not at once: only observe() flips.
  void setThresholds(uint32_t rise, uint32_t fall);

  bool up() const { return up_; }
  uint32_t consecutiveOk() const { return consecutive_ok_; }
  uint32_t consecutiveFail() const { return consecutive_fail_; }
  uint32_t rise() const { return rise_; }
  uint32_t fall() const { return fall_; }

private:
  uint32_t rise_;
  uint32_t fall_;
  bool up_;
  uint32_t consecutive_ok_ = 0;
  uint32_t consecutive_fail_ = 0;
};

} // namespace tether::health
