#pragma once
// WorkloadPlan: every session and request of a run, generated once from the scenario and its seed
// and replayed unchanged against every configuration, so configurations differ only in routing.
//
// Model (bench/scenarios/README.md has the keys):
//   - sessions arrive as a Poisson process of rate workload.arrival_rate;
//   - each session makes requests_per_session requests separated by think_time pauses; its first
//     request is the login: the backend that serves it holds the session in memory;
//   - a share of sessions sit behind NAT: they share one of nat.groups source addresses, chosen
//     with Zipf(nat.zipf) popularity (a few big corporate/carrier NATs, many small ones);
//   - a share are mobile: before each request after the first the client changes network (a new
//     source address) with probability mobile.ip_change_probability;
//   - each hot_key event adds one session that sends share/(1 - share) times as many requests as
//     everyone else together during its window (Poisson), so it carries `share` of the traffic.
// Every session has its own random stream (Rng::stream(seed, 2, i)), so the plan does not change
// when a distribution elsewhere does.
//
// Immutable after buildPlan(); shared read-only by the simulations of one run.

#include <cstdint>
#include <string>
#include <vector>

#include "bench/lab/scenario.h"

namespace tether::lab {

enum class ClientKind : uint8_t { Plain = 0, Nat, Mobile, Hot };

struct PlannedSession {
  uint64_t sid = 0;        // the session id; its cookie value is sessionIdText(sid)
  Micros arrival = 0;
  uint32_t requests = 0;   // requests within the run (a session may be cut by the end)
  ClientKind kind = ClientKind::Plain;
};

struct PlannedRequest {
  Micros at = 0;
  uint32_t session = 0;    // index into WorkloadPlan::sessions
  uint32_t ip = 0;         // client IPv4 address, host order
};

struct WorkloadPlan {
  std::vector<PlannedSession> sessions;
  std::vector<PlannedRequest> requests;  // sorted by time, then session
  uint64_t sessions_by_kind[4] = {};
  uint64_t requests_by_kind[4] = {};
  double arrival_rate = 0;               // after --quick scaling
};

// rate_scale multiplies workload.arrival_rate (--quick).
WorkloadPlan buildPlan(const Scenario& scenario, double rate_scale = 1.0);

// 16 lowercase hex digits.
std::string sessionIdText(uint64_t sid);
// Dotted quad into `out` (at least 16 bytes); returns the length.
size_t formatIp(uint32_t ip, char* out);

// Zipf(s) over n items: item i (0-based) has weight 1/(i+1)^s. Cumulative table, one draw per
// sample. s = 0 is uniform.
class ZipfTable {
public:
  ZipfTable(uint32_t n, double s);
  uint32_t sample(Rng& rng) const;

private:
  std::vector<double> cdf_;
};

} // namespace tether::lab
