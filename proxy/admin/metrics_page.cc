#include "proxy/admin/metrics_page.h"

#include <algorithm>

#include "proxy/admin/data_plane_view.h"
#include "proxy/admin/prometheus_writer.h"
#include "proxy/admin/worker_metrics.h"

namespace tether::proxy::admin {

namespace {

using Type = PrometheusWriter::Type;

constexpr std::string_view kClassNames[] = {"none", "1xx", "2xx", "3xx", "4xx", "5xx"};

} // namespace

std::string renderMetrics(const DataPlaneView& view) {
  const DataPlaneStatus status = view.status();
  const auto& backends = status.backends;
  const size_t n = backends.size();
  PrometheusWriter w;

  w.family("tether_requests_total", Type::Counter,
           "Requests that reached a backend, by backend, response status class and routing reason.");
  for (size_t id = 0; id < n; ++id) {
    for (size_t c = 0; c < health::TrafficShard::kStatusClasses; ++c) {
      for (size_t r = 0; r < health::TrafficShard::kReasons; ++r) {
        const uint64_t v = backends[id].totals.requests[c][r];
        if (v == 0) continue;
        const auto reason = routing::reasonName(static_cast<routing::RouteDecision::Reason>(r));
        w.sample("tether_requests_total",
                 {{"backend", backends[id].name}, {"class", std::string(kClassNames[c])},
                  {"reason", std::string(reason)}},
                 v);
      }
    }
  }

  // Per-worker shards, summed.
  uint64_t latency[WorkerMetrics::kLatencyBuckets] = {};
  uint64_t latency_sum_us = 0;
  uint64_t rebinds[routing::kRebindCauseCount] = {};
  uint64_t unrouted[WorkerMetrics::kStatusClasses] = {};
  for (uint32_t i = 0; i < view.workerCount(); ++i) {
    const auto& m = view.workerMetrics(i);
    for (size_t b = 0; b < WorkerMetrics::kLatencyBuckets; ++b) latency[b] += m.latency[b].load();
    latency_sum_us += m.latency_sum_us.load();
    for (size_t c = 0; c < routing::kRebindCauseCount; ++c) rebinds[c] += m.rebinds[c].load();
    for (size_t c = 0; c < WorkerMetrics::kStatusClasses; ++c) unrouted[c] += m.unrouted[c].load();
  }

  w.family("tether_unrouted_requests_total", Type::Counter,
           "Requests answered without reaching a backend (bad request, no usable backend, ...), by status class.");
  for (size_t c = 0; c < WorkerMetrics::kStatusClasses; ++c) {
    w.sample("tether_unrouted_requests_total", {{"class", std::string(kClassNames[c])}}, unrouted[c]);
  }

  w.family("tether_backend_errors_total", Type::Counter,
           "Exchanges with a backend that ended in a proxy error (connect failure, reset, timeout, bad response).");
  for (size_t id = 0; id < n; ++id) {
    w.sample("tether_backend_errors_total", {{"backend", backends[id].name}}, backends[id].totals.errors);
  }

  w.family("tether_rebinds_total", Type::Counter,
           "Sessions that arrived bound and were placed again, by cause.");
  for (size_t c = 1; c < routing::kRebindCauseCount; ++c) {
    w.sample("tether_rebinds_total",
             {{"cause", std::string(routing::rebindCauseName(static_cast<routing::RebindCause>(c)))}},
             rebinds[c]);
  }

  w.family("tether_bound_sessions", Type::Gauge,
           "Sessions bound to each backend (stick-table and affinity-cookie sessions seen within their idle time).");
  for (size_t id = 0; id < n; ++id) {
    w.sample("tether_bound_sessions", {{"backend", backends[id].name}}, backends[id].bound_sessions);
  }

  w.family("tether_backend_state", Type::Gauge, "1 for the state each backend is in, 0 for the others.");
  for (size_t id = 0; id < n; ++id) {
    for (size_t s = 0; s < health::kBackendStateCount; ++s) {
      const auto st = static_cast<health::BackendState>(s);
      w.sample("tether_backend_state",
               {{"backend", backends[id].name}, {"state", std::string(health::stateName(st))}},
               uint64_t{backends[id].detail.state == st ? 1u : 0u});
    }
  }

  w.family("tether_health_transitions_total", Type::Counter,
           "Backend state changes, by backend and the state entered.");
  for (size_t id = 0; id < n; ++id) {
    for (size_t s = 0; s < health::kBackendStateCount; ++s) {
      w.sample("tether_health_transitions_total",
               {{"backend", backends[id].name},
                {"to", std::string(health::stateName(static_cast<health::BackendState>(s)))}},
               backends[id].detail.transitions[s]);
    }
  }

  w.family("tether_in_flight_requests", Type::Gauge, "Requests in flight to each backend.");
  for (size_t id = 0; id < n; ++id) {
    w.sample("tether_in_flight_requests", {{"backend", backends[id].name}}, backends[id].totals.in_flight);
  }

  w.family("tether_slow_start_share", Type::Gauge,
           "Share of new sessions each backend accepts (below 1 while in slow start).");
  for (size_t id = 0; id < n; ++id) {
    w.sample("tether_slow_start_share", {{"backend", backends[id].name}}, backends[id].slow_start_share);
  }

  w.family("tether_upstream_pool_connections", Type::Gauge,
           "Backend connections per worker: idle in the keep-alive pool, and all open ones.");
  for (uint32_t i = 0; i < view.workerCount(); ++i) {
    const auto& m = view.workerMetrics(i);
    const std::string worker = std::to_string(i);
    w.sample("tether_upstream_pool_connections", {{"worker", worker}, {"state", "idle"}}, m.pool_idle.load());
    w.sample("tether_upstream_pool_connections", {{"worker", worker}, {"state", "open"}}, m.pool_live.load());
  }

  w.family("tether_client_connections", Type::Gauge, "Client connections open, per worker.");
  for (uint32_t i = 0; i < view.workerCount(); ++i) {
    w.sample("tether_client_connections", {{"worker", std::to_string(i)}},
             view.workerMetrics(i).connections.load());
  }

  w.family("tether_request_duration_seconds", Type::Histogram,
           "Time from a request's first byte to the end of its response.");
  {
    std::vector<double> bounds;
    std::vector<uint64_t> cumulative;
    uint64_t running = 0;
    for (size_t b = 0; b + 1 < WorkerMetrics::kLatencyBuckets; ++b) {
      bounds.push_back(WorkerMetrics::kLatencyBoundsMs[b] / 1000.0);
      running += latency[b];
      cumulative.push_back(running);
    }
    running += latency[WorkerMetrics::kLatencyBuckets - 1];
    w.histogram("tether_request_duration_seconds", {}, bounds, cumulative,
                static_cast<double>(latency_sum_us) / 1e6, running);
  }

  const auto& reloads = status.reloads;
  w.family("tether_reloads_total", Type::Counter, "Config reloads, by result.");
  w.sample("tether_reloads_total", {{"result", "ok"}}, reloads.ok);
  w.sample("tether_reloads_total", {{"result", "failed"}}, reloads.failed);
  w.family("tether_config_version", Type::Gauge, "Version of the running config (1 at start, +1 per reload).");
  w.sample("tether_config_version", {}, status.version);

  // Load imbalance: max over mean of the bounded-load metric across ready backends. 1 is even;
  // bounded loads keep it at most balance_factor.
  {
    const bool by_requests = status.load_metric == routing::LoadMetric::Requests;
    int64_t max_load = 0, total = 0, count = 0;
    for (size_t id = 0; id < n; ++id) {
      if (backends[id].detail.state != health::BackendState::Ready) continue;
      const int64_t load = by_requests ? backends[id].totals.in_flight : backends[id].bound_sessions;
      max_load = std::max(max_load, load);
      total += load;
      ++count;
    }
    const double mean = count ? static_cast<double>(total) / static_cast<double>(count) : 0.0;
    w.family("tether_load_imbalance", Type::Gauge,
             "Max over mean of the load metric (routing.load_metric) across ready backends; 0 without load.");
    w.sample("tether_load_imbalance", {{"metric", by_requests ? "requests" : "sessions"}},
             mean > 0 ? static_cast<double>(max_load) / mean : 0.0);
  }

  if (status.stick_table) {
    w.family("tether_stick_table_entries", Type::Gauge, "Entries in the stick table (session registry).");
    w.sample("tether_stick_table_entries", {}, status.stick_table->entries);
    w.family("tether_stick_table_evictions_total", Type::Counter,
             "Entries evicted because the stick table was full.");
    w.sample("tether_stick_table_evictions_total", {}, status.stick_table->evictions);
  }
  return w.take();
}

} // namespace tether::proxy::admin
