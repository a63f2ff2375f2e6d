#include "bench/lab/report_html.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "bench/lab/results_writer.h"
#include "bench/lab/svg_chart.h"

namespace tether::lab {

namespace {

std::string esc(const std::string& s) { return xmlEscape(s); }

std::string interval(Micros us) {
  if (us < kMinute) return std::to_string(us / kSecond) + " s";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g min", static_cast<double>(us) / 6e7);
  return buf;
}

std::string minutes(Micros us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g min", std::round(static_cast<double>(us) / 6e6) / 10);
  return buf;
}

std::string fixed(double v, int d) {
  const std::string s = formatNumber(v, d);
  return s.empty() ? "&ndash;" : s;
}

std::string thousands(uint64_t v) {
  std::string s = std::to_string(v), out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i && (s.size() - i) % 3 == 0) out += ',';
    out += s[i];
  }
  return out;
}

std::string eventDetail(const EventSpec& e) {
  auto dur = [](Micros us) { return minutes(us); };
  switch (e.kind) {
  case EventKind::HotKey: {
    char buf[96];
    std::snprintf(buf, sizeof buf, "one session sends %.0f%% of all requests for %s", e.share * 100,
                  dur(e.duration).c_str());
    return buf;
  }
  case EventKind::ScaleOut: return "add backends up to " + std::to_string(e.to);
  case EventKind::ScaleIn:
    return "remove backends down to " + std::to_string(e.to) +
           (e.drain ? ", draining first" + (e.drain_timeout ? " (timeout " + dur(e.drain_timeout) + ")" : std::string())
                    : ", without drain");
  case EventKind::Crash: return e.backend + " crashes (loses its memory)";
  case EventKind::Recover: return e.backend + " comes back, empty";
  case EventKind::Weight: return e.backend + " weight -> " + std::to_string(e.weight);
  case EventKind::RollingRestart:
    return std::string("restart every backend in turn") +
           (e.drain ? ", draining each first" + (e.drain_timeout ? " (timeout " + dur(e.drain_timeout) + ")" : std::string())
                    : ", without drain") +
           ", down " + interval(e.restart_time) + " each";
  }
  return "";
}

std::vector<Marker> markers(const Scenario& s) {
  std::vector<Marker> out;
  for (const auto& e : s.events) out.push_back({static_cast<double>(e.at) / 6e7, e.label});
  return out;
}

std::string loadCharts(const LabRun& run, const RunResult& r) {
  LineChart sessions, requests;
  sessions.title = r.config.label() + ": sessions held per backend";
  requests.title = r.config.label() + ": requests per backend per " + interval(run.scenario.sample_interval);
  for (LineChart* c : {&sessions, &requests}) {
    c->x_label = "minutes";
    c->markers = markers(run.scenario);
  }
  sessions.y_label = "sessions";
  requests.y_label = "requests";
  for (const auto& ls : r.series) {
    sessions.x.push_back(static_cast<double>(ls.at) / 6e7);
  }
  requests.x = sessions.x;
  for (size_t slot = 0; slot < r.slot_names.size(); ++slot) {
    LineSeries s{r.slot_names[slot], {}, chartColor(slot), false}, q = s;
    for (const auto& ls : r.series) {
      const bool present = slot < ls.phase.size() && ls.phase[slot] != 255;
      s.y.push_back(present ? static_cast<double>(ls.sessions[slot]) : std::nan(""));
      q.y.push_back(present ? static_cast<double>(ls.requests[slot]) : std::nan(""));
    }
    sessions.series.push_back(std::move(s));
    requests.series.push_back(std::move(q));
  }
  return sessions.render() + "\n" + requests.render() + "\n";
}

std::string ratioChart(const LabRun& run, bool sessions_metric) {
  LineChart c;
  c.title = std::string("peak-to-average ") + (sessions_metric ? "sessions held" : "requests") +
            " over backends taking new sessions";
  c.x_label = "minutes";
  c.y_label = "max / mean";
  c.y_min = 1;
  c.markers = markers(run.scenario);
  c.reference_lines = {1.25};
  size_t k = 0;
  for (const auto& r : run.results) {
    if (r.series.empty()) continue;
    if (c.x.empty()) {
      for (const auto& ls : r.series) c.x.push_back(static_cast<double>(ls.at) / 6e7);
    }
    LineSeries s{r.config.label(), {}, chartColor(k++), false};
    for (const auto& ls : r.series) {
      const double v = sessions_metric ? ls.ratio_sessions : ls.ratio_requests;
      s.y.push_back(v > 0 ? v : std::nan(""));
    }
    c.series.push_back(std::move(s));
  }
  double top = 1.5;
  for (const auto& s : c.series) {
    for (double v : s.y) if (!std::isnan(v)) top = std::max(top, v);
  }
  c.y_max = std::min(top * 1.05, 4.0);
  return c.render() + "\n";
}

std::string brokenCharts(const LabRun& run) {
  std::string out;
  const Scenario& s = run.scenario;
  const double factor = s.default_config.balance_factor;
  std::vector<Binding> bindings;
  for (const auto& r : run.results) {
    if (std::find(bindings.begin(), bindings.end(), r.config.binding) == bindings.end()) bindings.push_back(r.config.binding);
  }
  std::vector<std::pair<Binding, double>> charts;
  for (Binding b : bindings) {
    // Without a binding the strategies differ most with bounded loads off: show both.
    if (b == Binding::None && factor != 0) charts.push_back({b, 0.0});
    charts.push_back({b, factor});
  }
  for (const auto& [b, f] : charts) {
    BarChart c;
    c.title = "sessions broken per event, binding " + std::string(bindingName(b)) + ", balance factor " +
              balanceName(f) + " (log scale)";
    c.y_label = "sessions broken";
    c.log_scale = true;
    std::vector<const RunResult*> rows;
    for (const auto& r : run.results) {
      if (r.config.binding == b && r.config.balance_factor == f) rows.push_back(&r);
    }
    if (rows.empty()) continue;
    for (const auto* r : rows) c.series.push_back(r->config.strategyName());
    for (size_t w = 0; w < rows[0]->windows.size(); ++w) {
      c.groups.push_back(rows[0]->windows[w].label);
      std::vector<double> v;
      for (const auto* r : rows) v.push_back(static_cast<double>(r->windows[w].broken));
      c.values.push_back(std::move(v));
    }
    out += c.render() + "\n";
  }
  return out;
}

const char* kStyle = R"(body{font-family:sans-serif;max-width:1400px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:12px}th,td{border:1px solid #ccc;padding:3px 6px;text-align:right}
th{background:#f0f0f0}td.l,th.l{text-align:left}tr.default td{background:#fff5cc;font-weight:bold}
.pass{color:#070;font-weight:bold}.fail{color:#b00;font-weight:bold}code{background:#f4f4f4;padding:1px 4px}
svg{display:block;margin:1em 0;max-width:100%;height:auto}td.z{color:#999}
)";

} // namespace

std::string reportHtml(const LabRun& run, const ReportContext& context) {
  const Scenario& s = run.scenario;
  const WorkloadPlan& p = run.plan;
  std::string o = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>tether affinity lab: " +
                  esc(s.name) + "</title><style>" + kStyle + "</style></head><body>\n";
  o += "<h1>tether affinity lab: " + esc(s.name) + "</h1>\n";
  if (!s.description.empty()) o += "<p>" + esc(s.description) + "</p>\n";
  o += "<table><tr><th class=l>scenario</th><td class=l><code>" + esc(s.file) + "</code></td></tr>"
       "<tr><th class=l>seed</th><td class=l>" + std::to_string(s.seed) + (run.quick ? " (--quick)" : "") +
       "</td></tr><tr><th class=l>reproduce</th><td class=l><code>" + esc(run.reproduceCommand()) +
       " --out DIR</code></td></tr><tr><th class=l>command</th><td class=l><code>" + esc(context.command_line) +
       "</code></td></tr><tr><th class=l>generated</th><td class=l>" + esc(context.generated) + " on " +
       esc(context.machine) + ", " + formatNumber(run.wall_seconds, 1) + " s; 1-minute load average at start / end: " +
       esc(context.load) + " (other work on the cores inflates ns / route)</td></tr></table>\n";
  o += "<p>Everything but the routing cost (ns per route) is deterministic: the same scenario and seed "
       "give byte-identical <code>results.csv</code> and <code>results.json</code>. Definitions are at "
       "the end of this page and in <code>bench/lab/README.md</code>.</p>\n";

  // Workload and timeline.
  o += "<h2>Workload</h2><table><tr><th class=l>arrivals</th><td class=l>Poisson, " +
       formatNumber(p.arrival_rate, 2) + " sessions/s</td></tr><tr><th class=l>requests per session</th><td class=l>" +
       esc(s.workload.requests_per_session.describe(false)) + "</td></tr><tr><th class=l>think time</th><td class=l>" +
       esc(s.workload.think_time.describe(true)) + "</td></tr><tr><th class=l>clients</th><td class=l>" +
       thousands(p.sessions_by_kind[0]) + " plain, " + thousands(p.sessions_by_kind[1]) + " behind " +
       std::to_string(s.workload.nat.groups) + " NAT addresses (Zipf " + formatNumber(s.workload.nat.zipf, 2) +
       "), " + thousands(p.sessions_by_kind[2]) + " mobile (IP change p=" +
       formatNumber(s.workload.mobile.ip_change_probability, 3) + " per request), " +
       thousands(p.sessions_by_kind[3]) + " hot</td></tr><tr><th class=l>requests</th><td class=l>" +
       thousands(p.requests.size()) + " (" + thousands(p.requests_by_kind[3]) + " from hot keys)</td></tr>"
       "<tr><th class=l>application</th><td class=l>keeps a session in memory until idle " +
       minutes(s.app_session_timeout) + "</td></tr><tr><th class=l>backends</th><td class=l>" +
       std::to_string(s.initial_backends) + " at start, weight 1</td></tr></table>\n";
  o += "<h2>Timeline</h2><table><tr><th class=l>window</th><th>starts</th><th class=l>what happens</th></tr>"
       "<tr><td class=l>steady</td><td>0 min</td><td class=l>baseline (warm-up " + minutes(s.warmup) +
       " excluded from load statistics)</td></tr>";
  for (const auto& e : s.events) {
    o += "<tr><td class=l>" + esc(e.label) + "</td><td>" + minutes(e.at) + "</td><td class=l>" +
         esc(eventDetail(e)) + "</td></tr>";
  }
  o += "</table>\n";

  // Targets.
  if (const RunResult* d = run.defaultResult()) {
    o += "<h2>Targets for tether's default (" + esc(d->config.label()) + ")</h2><table><tr><th class=l>target</th>"
         "<th class=l>window</th><th class=l>result</th><th class=l>measured</th></tr>";
    for (const auto& t : checkTargets(s, *d)) {
      o += "<tr><td class=l>" + esc(t.target) + "</td><td class=l>" + esc(t.window) + "</td><td class=l><span class=" +
           (t.pass ? "pass>PASS" : "fail>FAIL") + "</span></td><td class=l>" + esc(t.detail) + "</td></tr>";
    }
    o += "</table>\n";
  }

  o += "<h2>Load per backend over time</h2>\n";
  o += ratioChart(run, true) + ratioChart(run, false);
  for (const auto& r : run.results) {
    if (!r.series.empty()) o += loadCharts(run, r);
  }
  o += "<h2>Sessions broken per event</h2>\n<p>Each window runs from its event to the next one. Hover a bar "
       "for its value. Lost = the backend holding the session crashed, restarted or was removed; "
       "moved = it still held the session but the request went elsewhere.</p>\n";
  o += brokenCharts(run);

  // Summary table.
  const auto& windows = run.results.empty() ? std::vector<WindowMetrics>{} : run.results[0].windows;
  o += "<h2>Summary</h2>\n<p>Broken = sessions logged out (lost + moved). Moved&nbsp;x = keys moved "
       "over the theoretical minimum, all events together (1.00 is optimal; &ndash; for strategies with "
       "no key mapping). Peak/avg = max over mean across ready backends, weight-normalised: mean over the "
       "steady state, and the worst sample of the run.</p>\n<table><tr><th class=l>strategy</th><th class=l>binding</th>"
       "<th>balance</th><th>broken</th><th>lost</th><th>moved</th>";
  for (const auto& w : windows) o += "<th>" + esc(w.label) + "</th>";
  o += "<th>moved&nbsp;x</th><th>sessions peak/avg steady</th><th>sessions worst</th>"
       "<th>requests peak/avg steady</th><th>requests worst</th><th>ns / route median</th><th>mean</th></tr>\n";
  for (const auto& r : run.results) {
    o += std::string("<tr") + (r.is_default ? " class=default" : "") + "><td class=l>" + esc(r.config.strategyName()) +
         "</td><td class=l>" + esc(std::string(bindingName(r.config.binding))) + "</td><td>" +
         balanceName(r.config.balance_factor) + "</td><td>" + thousands(r.broken) + "</td><td>" +
         thousands(r.broken_lost) + "</td><td>" + thousands(r.broken_moved) + "</td>";
    for (const auto& w : r.windows) {
      o += std::string("<td") + (w.broken == 0 ? " class=z" : "") + ">" + thousands(w.broken) + "</td>";
    }
    o += "<td>" + fixed(r.movedFactorTotal(), 2) + "</td><td>" + fixed(r.sessions_load.steady, 3) + "</td><td>" +
         fixed(r.sessions_load.max, 2) + "</td><td>" + fixed(r.requests_load.steady, 3) + "</td><td>" +
         fixed(r.requests_load.max, 2) + "</td><td>" + fixed(r.route_ns_median, 0) + "</td><td>" +
         fixed(r.route_ns, 0) + "</td></tr>\n";
  }
  o += "</table>\n";

  // Balance per window.
  auto windowTable = [&](const char* what, bool sessions_metric) {
    o += std::string("<h2>Peak-to-average ") + what + ", per window</h2>\n<p>Mean of the window's samples "
         "(worst sample in brackets), over the backends taking new sessions, weight-normalised.";
    o += sessions_metric ? " After a membership change bound sessions never move, so the spread decays as "
                           "sessions end rather than at once.</p>\n"
                         : " A hot key is one session: bounded loads (which count sessions) cannot spread "
                           "its requests.</p>\n";
    o += "<table><tr><th class=l>strategy</th><th class=l>binding</th><th>balance</th>";
    for (const auto& w : windows) o += "<th>" + esc(w.label) + "</th>";
    o += "</tr>\n";
    for (const auto& r : run.results) {
      o += std::string("<tr") + (r.is_default ? " class=default" : "") + "><td class=l>" + esc(r.config.strategyName()) +
           "</td><td class=l>" + esc(std::string(bindingName(r.config.binding))) + "</td><td>" +
           balanceName(r.config.balance_factor) + "</td>";
      for (const auto& w : r.windows) {
        const PeakToAverage& p = sessions_metric ? w.sessions_load : w.requests_load;
        o += "<td>" + (p.samples ? fixed(p.mean, 2) + " (" + fixed(p.max, 2) + ")" : std::string("&ndash;")) + "</td>";
      }
      o += "</tr>\n";
    }
    o += "</table>\n";
  };
  windowTable("sessions held", true);
  windowTable("requests", false);

  // Keys moved per event.
  o += "<h2>Keys moved per event (factor of the minimum)</h2>\n<table><tr><th class=l>strategy</th>"
       "<th class=l>binding</th><th>balance</th>";
  for (const auto& w : windows) {
    if (w.event >= 0) o += "<th>" + esc(w.label) + "</th>";
  }
  o += "</tr>\n";
  for (const auto& r : run.results) {
    if (!r.sticky) continue;
    o += std::string("<tr") + (r.is_default ? " class=default" : "") + "><td class=l>" + esc(r.config.strategyName()) +
         "</td><td class=l>" + esc(std::string(bindingName(r.config.binding))) + "</td><td>" +
         balanceName(r.config.balance_factor) + "</td>";
    for (const auto& w : r.windows) {
      if (w.event >= 0) o += "<td>" + fixed(w.movedFactor(r.sticky), 2) + "</td>";
    }
    o += "</tr>\n";
  }
  o += "</table>\n";

  o += R"(<h2>Definitions</h2>
<ul>
<li><b>Session broken</b>: a request reaches a backend that does not hold its session in memory; the
application logs the user out and the session starts again on that backend. A session can break more
than once. <b>Lost</b>: the backend that held it crashed, restarted or was removed (no balancer can
save those). <b>Moved</b>: the backend still held it, the balancer sent the request elsewhere.</li>
<li><b>Keys moved</b>: at each state change, a fixed sample of keys is placed before and after
(<code>Router::place</code>, bounded loads at the loads of the moment); the moved share is divided by
the minimum any placement must move (the total variation distance between the weight shares of the
backends taking new sessions). Bindings do not change this figure; they decide whether a moved key
breaks a session.</li>
<li><b>Peak-to-average</b>: every sample interval, over the backends taking new sessions, max over mean
of sessions held in memory (weight-normalised) and of requests served in the interval.</li>
<li><b>ns / route</b>: wall time of each <code>Router::route()</code> call (cookie parsing, HMAC
verification and issue, stick-table lookups, placement) minus the clock's own cost, on one core:
median and mean over every call of the run. The median ignores calls another process preempted; the
mean includes them. Measured, so it varies from run to run; it is in <code>timing.csv</code> (with the
99th percentile), not in the deterministic files.</li>
<li>Session keys: the application's session cookie for every strategy but <code>ip_hash_modulo</code>,
which keys on the client's source address (as nginx's <code>ip_hash</code>).</li>
</ul>
</body></html>
)";
  return o;
}

} // namespace tether::lab
