#pragma once
// The two clocks of backend state. Monotonic milliseconds (CLOCK_MONOTONIC, which is what
// uv_hrtime() and therefore every loop's uv_now() read, so times taken on different loops and
// threads compare) decide ejections, slow start and drain deadlines; wall-clock milliseconds are
// only displayed (/status, logs).

#include <cstdint>
#include <ctime>

namespace tether::health {

inline int64_t monotonicMs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

inline int64_t wallMs() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

} // namespace tether::health
