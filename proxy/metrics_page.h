#pragma once
// The /metrics page: every counter and gauge tether keeps, in Prometheus text format. Built on
// the control loop when scraped, by summing the per-worker shards (WorkerMetrics, and each
// backend's TrafficShards); nothing on the request path knows about Prometheus.

#include <string>

namespace tether::proxy {

class ControlPlane;
class Server;

std::string renderMetrics(Server& server, const ControlPlane& control);

} // namespace tether::proxy
