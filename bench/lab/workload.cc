#include "bench/lab/workload.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace tether::lab {

namespace {

// Address pools (host order): unique clients from 64.0.0.0, NAT groups from 198.51.100.0
// (TEST-NET-2 and beyond), addresses a mobile client moves to from 128.0.0.0.
constexpr uint32_t kPlainBase = 0x40000000u;
constexpr uint32_t kNatBase = 0xC6336400u;
constexpr uint32_t kMobileBase = 0x80000000u;

// Stream numbers of Rng::stream(seed, n, i).
constexpr uint64_t kArrivalStream = 1;
constexpr uint64_t kSessionStream = 2;
constexpr uint64_t kHotStream = 3;

Micros toMicros(double seconds) { return static_cast<Micros>(std::llround(seconds * 1e6)); }

} // namespace

ZipfTable::ZipfTable(uint32_t n, double s) {
  cdf_.resize(std::max<uint32_t>(1, n));
  double sum = 0;
  for (size_t i = 0; i < cdf_.size(); ++i) {
    sum += 1.0 / std::pow(static_cast<double>(i + 1), s);
    cdf_[i] = sum;
  }
  for (double& c : cdf_) c /= sum;
}

uint32_t ZipfTable::sample(Rng& rng) const {
  const double u = rng.uniform();
  const auto it = std::upper_bound(cdf_.begin(), cdf_.end(), u);
  return static_cast<uint32_t>(std::min<size_t>(it - cdf_.begin(), cdf_.size() - 1));
}

std::string sessionIdText(uint64_t sid) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(sid));
  return buf;
}

size_t formatIp(uint32_t ip, char* out) {
  const int n = std::snprintf(out, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255,
                              ip & 255);
  return static_cast<size_t>(n);
}

WorkloadPlan buildPlan(const Scenario& scenario, double rate_scale) {
  const WorkloadSpec& w = scenario.workload;
  WorkloadPlan plan;
  plan.arrival_rate = w.arrival_rate * rate_scale;
  const ZipfTable nat(w.nat.groups, w.nat.zipf);
  Rng arrivals(Rng::stream(scenario.seed, kArrivalStream));
  const double mean_gap = 1.0 / plan.arrival_rate;
  double t = 0;
  for (uint32_t i = 0;; ++i) {
    t += arrivals.exponential(mean_gap);
    const Micros arrival = toMicros(t);
    if (arrival >= scenario.duration) break;
    Rng rng(Rng::stream(scenario.seed, kSessionStream, i));
    PlannedSession s;
    s.sid = rng.next();
    s.arrival = arrival;
    const double kind = rng.uniform();
    uint32_t ip = kPlainBase + i;
    if (kind < w.nat.share) {
      s.kind = ClientKind::Nat;
      ip = kNatBase + nat.sample(rng);
    } else if (kind < w.nat.share + w.mobile.share) {
      s.kind = ClientKind::Mobile;
    }
    const uint32_t planned = w.requests_per_session.sampleCount(rng);
    const auto index = static_cast<uint32_t>(plan.sessions.size());
    Micros at = arrival;
    uint32_t made = 0;
    for (uint32_t k = 0; k < planned; ++k) {
      if (k > 0) {
        at += std::max<Micros>(1, toMicros(w.think_time.sample(rng)));
        if (s.kind == ClientKind::Mobile && rng.uniform() < w.mobile.ip_change_probability) {
          ip = kMobileBase + static_cast<uint32_t>(rng.next() >> 34);
        }
      }
      if (at >= scenario.duration) break;
      plan.requests.push_back({at, index, ip});
      ++made;
    }
    s.requests = made;
    plan.sessions.push_back(s);
  }

  // Hot keys: one session per hot_key event carrying `share` of the requests in its window.
  for (size_t e = 0; e < scenario.events.size(); ++e) {
    const EventSpec& ev = scenario.events[e];
    if (ev.kind != EventKind::HotKey) continue;
    const Micros end = std::min(scenario.duration, ev.at + ev.duration);
    uint64_t others = 0;
    for (const auto& r : plan.requests) others += r.at >= ev.at && r.at < end;
    const double rate = ev.share / (1.0 - ev.share) * static_cast<double>(others) /
                        (static_cast<double>(end - ev.at) / 1e6);
    if (rate <= 0) continue;
    Rng rng(Rng::stream(scenario.seed, kHotStream, e));
    PlannedSession s;
    s.sid = rng.next();
    s.arrival = ev.at;
    s.kind = ClientKind::Hot;
    const auto index = static_cast<uint32_t>(plan.sessions.size());
    const uint32_t ip = kMobileBase - 1 - static_cast<uint32_t>(e);
    Micros at = ev.at;
    while (at < end) {
      plan.requests.push_back({at, index, ip});
      ++s.requests;
      at += std::max<Micros>(1, toMicros(rng.exponential(1.0 / rate)));
    }
    plan.sessions.push_back(s);
  }

  std::sort(plan.requests.begin(), plan.requests.end(),
            [](const PlannedRequest& a, const PlannedRequest& b) {
              return a.at != b.at ? a.at < b.at : a.session < b.session;
            });
  for (const auto& s : plan.sessions) ++plan.sessions_by_kind[static_cast<int>(s.kind)];
  for (const auto& r : plan.requests) {
    ++plan.requests_by_kind[static_cast<int>(plan.sessions[r.session].kind)];
  }
  return plan;
}

} // namespace tether::lab
