#pragma once
// WorkerMetrics: the counters one worker keeps that belong to no backend (per-backend traffic
// lives in health::BackendRecord). Each worker writes only its own instance, with relaxed
// atomics on cache lines no other worker touches; the admin endpoint sums them when scraped.
// This keeps the request path free of shared writes (Envoy's per-thread stats, HAProxy's
// per-thread counters).

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "routing/router.h"

namespace tether::proxy::admin {

struct alignas(64) WorkerMetrics {
  // Request duration histogram (first byte of the head -> last byte of the response queued), in
  // milliseconds: upper bounds below, plus +Inf in the last slot.
  static constexpr double kLatencyBoundsMs[] = {0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000};
  static constexpr size_t kLatencyBuckets = sizeof(kLatencyBoundsMs) / sizeof(kLatencyBoundsMs[0]) + 1;
  static constexpr size_t kStatusClasses = 6;  // [0] no status, [1..5] 1xx..5xx

  std::atomic<uint64_t> latency[kLatencyBuckets] = {};  // not cumulative; the writer sums
  std::atomic<uint64_t> latency_sum_us{0};
  std::atomic<uint64_t> rebinds[routing::kRebindCauseCount] = {};
  std::atomic<uint64_t> unrouted[kStatusClasses] = {};  // requests that never got a backend
  std::atomic<int64_t> connections{0};                   // client connections open
  std::atomic<int64_t> pool_idle{0};                     // idle keep-alive backend connections
  std::atomic<int64_t> pool_live{0};                     // all backend connections

  void observeLatency(uint64_t micros) {
    size_t i = 0;
    const double ms = static_cast<double>(micros) / 1000.0;
    while (i + 1 < kLatencyBuckets && ms > kLatencyBoundsMs[i]) ++i;
    latency[i].fetch_add(1, std::memory_order_relaxed);
    latency_sum_us.fetch_add(micros, std::memory_order_relaxed);
  }
};

inline size_t statusClass(int status) {
  return (status >= 100 && status <= 599) ? static_cast<size_t>(status / 100) : 0;
}

} // namespace tether::proxy::admin
