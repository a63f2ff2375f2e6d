#pragma once
// BackendRecord: everything tether learns about one backend while it runs — the operator's
// wish (ready / drain / maintenance), active probe health, passive ejection, slow start, drain
// progress and traffic counters. Keyed by backend NAME and shared by every generation that has
// that name, so a reload carries all of it over (identity is the backend name, never the
// index); a backend removed from the config takes its record with it.
//
// Threads: the request path reads state()/slowStartSinceMs() (relaxed atomics, no lock) and
// bumps its own worker's TrafficShard (relaxed atomics on a cache line no other worker writes).
// Every state change (admin API, probes, passive ejection, the control loop's tick) goes through
// one mutex: they are rare, and the mutex keeps the derived state consistent with its inputs.
// Clocks: `now_ms` is monotonic milliseconds (uv_hrtime()/1e6, which is also what uv_now() reads
// on every loop); `now_unix_ms` is wall-clock, only for display.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "config/config_model.h"

namespace tether::health {

// The effective state the router reads.
enum class BackendState : uint8_t {
  Ready = 0,    // receives new sessions and bound ones
  Down,         // failed active checks or ejected by passive checks: nothing
  Draining,     // operator: no new sessions, bound ones continue (drain.policy keep)
  Maintenance,  // operator: nothing
};
constexpr size_t kBackendStateCount = 4;

std::string_view stateName(BackendState state);
std::string_view adminStateName(config::AdminState state);

// Counters one worker writes for one backend. Aligned so two workers never share a line.
struct alignas(64) TrafficShard {
  static constexpr size_t kStatusClasses = 6;  // [0] no response status, [1..5] 1xx..5xx
  static constexpr size_t kReasons = 7;        // routing::RouteDecision::Reason values
  std::atomic<uint64_t> requests[kStatusClasses][kReasons] = {};
  std::atomic<uint64_t> errors{0};             // exchanges that ended in a proxy error
  std::atomic<int64_t> in_flight{0};
};

class BackendRecord {
public:
  // `slow_start`: start ramping now (a backend added by a reload); the first config does not.
  BackendRecord(std::string name, uint32_t worker_shards, config::AdminState initial,
                 int64_t now_ms, int64_t now_unix_ms, bool slow_start);
  BackendRecord(const BackendRecord&) = delete;
  BackendRecord& operator=(const BackendRecord&) = delete;

  const std::string& name() const { return name_; }

  // ---- request path: lock-free -----------------------------------------------------------
  BackendState state() const { return state_.load(std::memory_order_relaxed); }
  // Monotonic ms when the current slow start began; 0 = none.
  int64_t slowStartSinceMs() const { return slow_start_since_ms_.load(std::memory_order_relaxed); }
  // True once drain.timeout passed for the current drain: bound sessions are re-placed.
  bool drainExpired() const { return drain_expired_.load(std::memory_order_relaxed); }
  TrafficShard& traffic(uint32_t worker) { return shards_[worker < shard_count_ ? worker : 0]; }

  // Passive health from real traffic. Cheap when nothing changes (one relaxed load).
  void passiveFailure(const config::PassiveHealthConfig& cfg, int64_t now_ms, int64_t now_unix_ms);
  void passiveSuccess();

  // ---- state changes: any thread, serialised ---------------------------------------------
  // Returns false when the backend already had that admin state.
  bool setAdmin(config::AdminState admin, int64_t now_ms, int64_t now_unix_ms);
  // An active probe verdict (only transitions are reported by the checker).
  void setActive(bool up, std::string detail, int64_t now_ms, int64_t now_unix_ms);
  // Forget probe and ejection verdicts (active checks switched off, or tests forcing a state).
  void clearHealth(int64_t now_ms, int64_t now_unix_ms);
  // Periodic housekeeping on the control loop: ends ejections that ran out, applies the drain
  // deadline, and records when a draining backend became empty (no bound session, nothing in
  // flight).
  void tick(const config::DrainConfig& drain, int64_t bound_sessions, int64_t now_ms,
            int64_t now_unix_ms);

  struct Description {
    BackendState state = BackendState::Ready;
    config::AdminState admin = config::AdminState::Ready;
    bool active_up = true;
    std::string active_detail;
    bool ejected = false;
    int64_t ejected_until_unix_ms = 0;
    uint32_t ejections = 0;               // in the current streak of failures
    uint32_t consecutive_failures = 0;    // passive, since the last success
    int64_t last_change_unix_ms = 0;
    int64_t drain_since_unix_ms = 0;      // 0 = not draining
    int64_t drain_empty_since_unix_ms = 0;
    bool drain_expired = false;
    int64_t slow_start_since_ms = 0;
    uint64_t transitions[kBackendStateCount] = {};  // entries into each state
  };
  Description describe() const;

  struct Totals {
    uint64_t requests[TrafficShard::kStatusClasses][TrafficShard::kReasons] = {};
    uint64_t errors = 0;
    int64_t in_flight = 0;
    uint64_t allRequests() const;
  };
  Totals totals() const;

private:
  // Recomputes state_ from the inputs below; on a change logs it, counts it and stamps it.
  void recompute(int64_t now_ms, int64_t now_unix_ms);

  const std::string name_;
  std::atomic<BackendState> state_{BackendState::Ready};
  std::atomic<int64_t> slow_start_since_ms_{0};
  std::atomic<bool> drain_expired_{false};
  std::atomic<uint32_t> consecutive_failures_{0};
  std::atomic<bool> ejection_streak_{false};  // mirrors ejections_ > 0 for the lock-free check

  mutable std::mutex mu_;  // guards everything below
  config::AdminState admin_;
  bool active_up_ = true;
  std::string active_detail_;
  int64_t ejected_until_ms_ = 0;  // 0 = not ejected
  int64_t ejected_until_unix_ms_ = 0;
  uint32_t ejections_ = 0;
  int64_t last_change_unix_ms_ = 0;
  int64_t drain_since_ms_ = 0;
  int64_t drain_since_unix_ms_ = 0;
  int64_t drain_empty_since_unix_ms_ = 0;
  uint64_t transitions_[kBackendStateCount] = {};
  bool started_ = false;

  const uint32_t shard_count_;
  std::unique_ptr<TrafficShard[]> shards_;
};

using BackendRecordSharedPtr = std::shared_ptr<BackendRecord>;

} // namespace tether::health
