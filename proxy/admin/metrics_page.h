#pragma once
// The /metrics page: every counter and gauge tether keeps, in Prometheus text format. Built on
// the control loop when scraped, from the status report (whose per-backend totals already sum
// every worker's TrafficShard) and by summing the per-worker WorkerMetrics; nothing on the
// request path knows about Prometheus.

#include <string>

namespace tether::proxy::admin {

class DataPlaneView;

std::string renderMetrics(const DataPlaneView& view);

} // namespace tether::proxy::admin
