#pragma once
// AdminApi: the admin listener's endpoints, on top of AdminServer's HTTP handling.
//
//   GET  /status                    JSON: config version, reloads, every backend (state, health,
//                                   weight, bound sessions, in flight, requests, errors, last
//                                   change) and, for a draining backend, its drain progress
//   GET  /metrics                   Prometheus text (see metrics_page.h)
//   POST /backends/NAME/drain       admin state drain: no new sessions, bound ones continue
//   POST /backends/NAME/undrain     back to ready (also from maintenance)
//   POST /backends/NAME/maintenance nothing reaches it; its bound sessions are re-placed
//   POST /backends/NAME/ready       admin state ready (health verdicts still apply)
//   POST /reload                    re-read the config file; answers after the swap or the
//                                   rejection (422 with every error as file:line:col: message)
//
// Unknown backend: 404 {"error":...}; unknown path: 404; wrong method: 405 with Allow. Every
// change is logged. It reads the proxy through DataPlaneView and changes it through AdminActions
// only. Control loop only (AdminServer calls it there).

#include "proxy/admin/admin_server.h"
#include "proxy/admin/data_plane_view.h"

namespace tether::proxy::admin {

class AdminApi {
public:
  AdminApi(const DataPlaneView& view, AdminActions& actions) : view_(view), actions_(actions) {}

  void handle(const AdminRequest& request, AdminReply reply);

  // Exposed for tests of the JSON shape.
  std::string statusJson() const;

private:
  void backendAction(const AdminRequest& request, std::string_view name, std::string_view action,
                     AdminReply& reply);

  const DataPlaneView& view_;
  AdminActions& actions_;
};

} // namespace tether::proxy::admin
