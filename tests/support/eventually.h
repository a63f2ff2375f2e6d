#pragma once
// Bounded polling for integration tests: state that another thread or process changes (health
// verdicts, drain counts, reload versions) is awaited with a deadline, never with a bare sleep.

#include <chrono>
#include <thread>

#include "tests/support/socket_util.h"

namespace tether::test {

// Polls `pred` every `pace` until it holds or `timeout` passed. Returns whether it held.
template <class Pred>
bool eventually(Pred pred, Millis timeout, Millis pace = Millis(10)) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (pred()) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(pace);  // pacing a bounded poll, not ordering
  }
}

inline double msSince(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

} // namespace tether::test
