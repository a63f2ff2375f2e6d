#include "proxy/admin/admin_api.h"

#include <cstdio>
#include <ctime>

#include <spdlog/spdlog.h>

#include "proxy/admin/json_writer.h"
#include "proxy/admin/metrics_page.h"
#include "proxy/admin/prometheus_writer.h"

namespace tether::proxy::admin {

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
  const DataPlaneStatus s = view_.status();
  JsonWriter w;
  w.beginObject();
  w.field("version", s.version);
  w.field("config_file", s.config_file);
  w.field("workers", s.workers);
  w.key("reloads").beginObject().field("ok", s.reloads.ok).field("failed", s.reloads.failed);
  timeOrNull(w, "last", s.reloads.last_unix_ms);
  w.key("last_errors").beginArray();
  for (const auto& e : s.reloads.last_errors) w.value(e);
  w.endArray().endObject();
  w.key("backends").beginArray();
  for (const auto& b : s.backends) {
    const auto& d = b.detail;
    w.beginObject();
    w.field("name", b.name);
    w.field("address", b.address);
    w.field("state", health::stateName(d.state));
    w.field("admin_state", health::adminStateName(d.admin));
    w.field("weight", b.weight);
    w.field("bound_sessions", b.bound_sessions);
    w.field("in_flight", b.totals.in_flight);
    w.field("requests", b.totals.allRequests());
    w.field("errors", b.totals.errors);
    timeOrNull(w, "last_state_change", d.last_change_unix_ms);
    w.key("health").beginObject();
    w.key("active").beginObject().field("enabled", s.active_checks).field("up", d.active_up);
    if (b.probe) {
      w.field("detail", b.probe->last_detail).field("probes", b.probe->probes);
    } else {
      w.field("detail", d.active_detail);
    }
    w.endObject();
    w.key("passive").beginObject().field("enabled", s.passive_checks);
    w.field("ejected", d.ejected);
    timeOrNull(w, "ejected_until", d.ejected ? d.ejected_until_unix_ms : 0);
    w.field("ejections", d.ejections).field("consecutive_failures", d.consecutive_failures);
    w.endObject().endObject();
    w.field("slow_start_share", b.slow_start_share);
    if (d.drain_since_unix_ms > 0) {
      w.key("drain").beginObject();
      timeOrNull(w, "since", d.drain_since_unix_ms);
      w.field("policy", s.drain_policy == config::DrainConfig::Policy::Keep ? "keep" : "migrate");
      w.field("timed_out", d.drain_expired);
      w.field("bound_sessions_left", b.bound_sessions);
      w.field("in_flight", b.totals.in_flight);
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
  const auto change = actions_.setBackendState(name, target);
  if (!change) return reply(adminError(404, "unknown backend '" + std::string(name) + "'"));
  spdlog::info("admin: {} {} -> backend {} is {}{}", request.method, request.path, name,
               health::stateName(change->state), change->changed ? "" : " (unchanged)");
  JsonWriter w;
  w.beginObject().field("backend", name).field("state", health::stateName(change->state));
  w.field("admin_state", health::adminStateName(target)).field("changed", change->changed).endObject();
  reply(json(200, w.take()));
}

void AdminApi::handle(const AdminRequest& request, AdminReply reply) {
  const std::string_view path = request.path;
  if (path == "/status" || path == "/metrics") {
    if (request.method != "GET" && request.method != "HEAD") {
      return reply(methodNotAllowed("GET, HEAD"));
    }
    if (path == "/status") return reply(json(200, statusJson()));
    return reply({200, std::string(kPrometheusContentType), renderMetrics(view_), {}});
  }
  if (path == "/reload") {
    if (request.method != "POST") return reply(methodNotAllowed("POST"));
    spdlog::info("admin: POST /reload");
    actions_.reload([reply](const ReloadOutcome& o) {
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

} // namespace tether::proxy::admin
