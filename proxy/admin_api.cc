#include "proxy/admin_api.h"

#include <cstdio>
#include <ctime>

#include <spdlog/spdlog.h>

#include "proxy/control_plane.h"
#include "proxy/json_writer.h"
#include "proxy/metrics_page.h"
#include "proxy/prometheus_writer.h"
#include "health/clock.h"
#include "proxy/server.h"

namespace tether::proxy {

using health::monotonicMs;
using health::wallMs;

namespace {

// RFC 3339 UTC with milliseconds: "2026-11-26T06:00:00.123Z".
std::string rfc3339(int64_t unix_ms) {
  const time_t secs = static_cast<time_t>(unix_ms / 1000);
  tm t{};
  gmtime_r(&secs, &t);
  char buf[96];  // roomy enough that the compiler can prove no truncation
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", t.tm_year + 1900,
                t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec,
                static_cast<int>(unix_ms % 1000));
  return buf;
}

void timeOrNull(JsonWriter& w, std::string_view key, int64_t unix_ms) {
  w.key(key);
  if (unix_ms > 0) w.value(rfc3339(unix_ms));
  else w.null();
}

AdminResponse json(int status, std::string body) { return {status, "application/json", std::move(body), {}}; }

AdminResponse methodNotAllowed(std::string_view allow) {
  AdminResponse r = adminError(405, "method not allowed; use " + std::string(allow));
  r.allow = std::string(allow);
  return r;
}

} // namespace

std::string AdminApi::statusJson() const {
  auto g = server_.current();
  const auto& cfg = g->snapshot->config;
  const auto& router = *g->snapshot->router;
  const auto reloads = control_.reloadStats();
  const int64_t now_ms = monotonicMs();
  JsonWriter w;
  w.beginObject();
  w.field("version", g->snapshot->version);
  w.field("config_file", cfg.source_path);
  w.field("workers", server_.workerCount());
  w.key("reloads").beginObject().field("ok", reloads.ok).field("failed", reloads.failed);
  timeOrNull(w, "last", reloads.last_unix_ms);
  w.key("last_errors").beginArray();
  for (const auto& e : reloads.last_errors) w.value(e);
  w.endArray().endObject();
  w.key("backends").beginArray();
  for (routing::BackendId id = 0; id < router.backends().size(); ++id) {
    const auto& b = router.backends()[id];
    auto& rt = g->backends->record(id);
    const auto d = rt.describe();
    const auto t = rt.totals();
    const int64_t bound = g->routing_state ? g->routing_state->table().boundTo(router.stableId(id)) : 0;
    w.beginObject();
    w.field("name", b.key);
    w.field("address", cfg.backends[id].address.toString());
    w.field("state", health::stateName(d.state));
    w.field("admin_state", health::adminStateName(d.admin));
    w.field("weight", b.weight);
    w.field("bound_sessions", bound);
    w.field("in_flight", t.in_flight);
    w.field("requests", t.allRequests());
    w.field("errors", t.errors);
    timeOrNull(w, "last_state_change", d.last_change_unix_ms);
    w.key("health").beginObject();
    w.key("active").beginObject().field("enabled", cfg.health.active.enabled).field("up", d.active_up);
    if (auto probe = control_.probeDetail(b.key)) {
      w.field("detail", probe->last_detail).field("probes", probe->probes);
    } else {
      w.field("detail", d.active_detail);
    }
    w.endObject();
    w.key("passive").beginObject().field("enabled", cfg.health.passive.enabled);
    w.field("ejected", d.ejected);
    timeOrNull(w, "ejected_until", d.ejected ? d.ejected_until_unix_ms : 0);
    w.field("ejections", d.ejections).field("consecutive_failures", d.consecutive_failures);
    w.endObject().endObject();
    w.field("slow_start_share", g->backends->share(id, now_ms));
    if (d.drain_since_unix_ms > 0) {
      w.key("drain").beginObject();
      timeOrNull(w, "since", d.drain_since_unix_ms);
      w.field("policy", cfg.drain.policy == config::DrainConfig::Policy::Keep ? "keep" : "migrate");
      w.field("timed_out", d.drain_expired);
      w.field("bound_sessions_left", bound);
      w.field("in_flight", t.in_flight);
      timeOrNull(w, "empty_since", d.drain_empty_since_unix_ms);
      w.endObject();
    }
    w.endObject();
  }
  w.endArray().endObject();
  return w.take();
}

void AdminApi::backendAction(const AdminRequest& request, std::string_view name,
                             std::string_view action, AdminReply& reply) {
  config::AdminState target;
  if (action == "drain") target = config::AdminState::Drain;
  else if (action == "undrain" || action == "ready") target = config::AdminState::Ready;
  else if (action == "maintenance") target = config::AdminState::Maintenance;
  else return reply(adminError(404, "unknown action '" + std::string(action) +
                                        "' (drain, undrain, maintenance, ready)"));
  if (request.method != "POST") return reply(methodNotAllowed("POST"));
  auto g = server_.current();
  auto id = g->snapshot->router->byName(name);
  if (!id) return reply(adminError(404, "unknown backend '" + std::string(name) + "'"));
  auto& rt = g->backends->record(*id);
  const bool changed = rt.setAdmin(target, monotonicMs(), wallMs());
  spdlog::info("admin: {} {} -> backend {} is {}{}", request.method, request.path, name,
               health::stateName(rt.state()), changed ? "" : " (unchanged)");
  JsonWriter w;
  w.beginObject().field("backend", name).field("state", health::stateName(rt.state()));
  w.field("admin_state", health::adminStateName(target)).field("changed", changed).endObject();
  reply(json(200, w.take()));
}

void AdminApi::handle(const AdminRequest& request, AdminReply reply) {
  const std::string_view path = request.path;
  if (path == "/status" || path == "/metrics") {
    if (request.method != "GET" && request.method != "HEAD") {
      return reply(methodNotAllowed("GET, HEAD"));
    }
    if (path == "/status") return reply(json(200, statusJson()));
    return reply({200, std::string(kPrometheusContentType), renderMetrics(server_, control_), {}});
  }
  if (path == "/reload") {
    if (request.method != "POST") return reply(methodNotAllowed("POST"));
    spdlog::info("admin: POST /reload");
    control_.reload([reply](const ControlPlane::ReloadOutcome& o) {
      JsonWriter w;
      w.beginObject().field("result", o.ok ? "ok" : "failed").field("version", o.version);
      if (!o.ok) {
        w.key("errors").beginArray();
        for (const auto& e : o.errors) w.value(e);
        w.endArray();
      }
      if (!o.warnings.empty()) {
        w.key("warnings").beginArray();
        for (const auto& e : o.warnings) w.value(e);
        w.endArray();
      }
      w.endObject();
      reply(json(o.ok ? 200 : 422, w.take()));
    });
    return;
  }
  constexpr std::string_view kBackends = "/backends/";
  if (path.substr(0, kBackends.size()) == kBackends) {
    const auto rest = path.substr(kBackends.size());
    const auto slash = rest.rfind('/');
    if (slash != std::string_view::npos && slash > 0) {
      return backendAction(request, rest.substr(0, slash), rest.substr(slash + 1), reply);
    }
  }
  reply(adminError(404, "no such endpoint; see GET /status, GET /metrics, POST /reload, "
                        "POST /backends/NAME/{drain,undrain,maintenance,ready}"));
}

} // namespace tether::proxy
