#include "health/rise_fall.h"

#include <algorithm>
#include <limits>

namespace tether::health {

namespace {

// Runs saturate instead of wrapping: a backend probed every second for 136 years would otherwise
// wrap to 0 and look like it had just started a run.
uint32_t bump(uint32_t n) { return n == std::numeric_limits<uint32_t>::max() ? n : n + 1; }

} // namespace

RiseFall::RiseFall(uint32_t rise, uint32_t fall, bool initially_up)
    : rise_(std::max<uint32_t>(rise, 1)), fall_(std::max<uint32_t>(fall, 1)), up_(initially_up) {}

Transition RiseFall::observe(bool ok) {
  if (ok) {
    consecutive_ok_ = bump(consecutive_ok_);
    consecutive_fail_ = 0;
    if (!up_ && consecutive_ok_ >= rise_) {
      up_ = true;
      return Transition::Up;
    }
  } else {
    consecutive_fail_ = bump(consecutive_fail_);
    consecutive_ok_ = 0;
    if (up_ && consecutive_fail_ >= fall_) {
      up_ = false;
      return Transition::Down;
    }
  }
  return Transition::None;
}

void RiseFall::setThresholds(uint32_t rise, uint32_t fall) {
  rise_ = std::max<uint32_t>(rise, 1);
  fall_ = std::max<uint32_t>(fall, 1);
}

} // namespace tether::health
