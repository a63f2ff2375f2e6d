// The simulator on hand-made workloads small enough to count by hand, then the properties the
// report relies on: determinism, the targets for tether's default, and the failure modes
// the lab exists to show (ip_hash_modulo and mobile clients, NAT piles, keys moved).

#include <catch2/catch.hpp>

#include "bench/lab/moved_keys.h"
#include "bench/lab/results_writer.h"
#include "bench/lab/runner.h"
#include "bench/lab/simulation.h"
#include "lab_test_util.h"
#include "routing/strategy_factory.h"

namespace tether::lab {
namespace {

using testing::addSession;
using Kind = routing::StrategyKind;

EventSpec event(EventKind kind, Micros at, const std::string& backend = "") {
  EventSpec e;
  e.kind = kind;
  e.at = at;
  e.backend = backend;
  e.label = std::string(eventKindName(kind));
  return e;
}

RunResult simulate(const Scenario& s, const WorkloadPlan& plan, LabConfig config) {
  RunOptions options;
  options.measure_time = false;
  options.moved_sample_keys = 1000;
  return Simulation(s, plan, config, options).run();
}

// The backend (index in `names`) a strategy places `value` on with every backend up.
uint32_t placementOf(Kind strategy, const std::vector<std::string>& names,
                     const std::string& value) {
  routing::BackendList list;
  for (const auto& n : names) list.push_back({n, "192.0.2.1", 1, 1});
  routing::StrategyOptions so;
  so.kind = strategy;
  const auto s = routing::makeStrategy(so, list);
  routing::KeyPolicy keys({routing::KeySource{}}, 0);
  routing::BackendId first = routing::kNoBackend;
  s->candidates(keys.hashValue(value), &first, 1);
  return first;
}

std::string ipText(uint32_t ip) {
  char buf[16];
  return std::string(buf, formatIp(ip, buf));
}

TEST_CASE("sessions broken: a crash and a recovery, counted by hand", "[lab]") {
  // Given 2 backends and 20 sessions with requests at 10 s, 70 s and 130 s, app1 down between
  // 60 s and 120 s: expect each session that lives on app1 to be lost at 70 s; then, at 130 s,
  // without a binding it is placed back on app1 (moved: app2 held it); with a cookie or the
  // stick table it stays on app2.
  Scenario s = testing::tinyScenario(2, 10 * kMinute);
  s.events = {event(EventKind::Crash, 60 * kSecond, "app1"), event(EventKind::Recover, 120 * kSecond, "app1")};
  WorkloadPlan plan;
  uint64_t on_app1 = 0;
  for (uint64_t sid = 1; sid <= 20; ++sid) {
    const double d = 0.01 * static_cast<double>(sid);
    addSession(plan, sid, {10 + d, 70 + d, 130 + d}, {0x40000000u + static_cast<uint32_t>(sid)});
    on_app1 += placementOf(Kind::Ring, {"app1", "app2"}, sessionIdText(sid)) == 0;
  }
  testing::sortPlan(plan);
  REQUIRE(on_app1 > 0);
  REQUIRE(on_app1 < 20);

  const RunResult none = simulate(s, plan, {Kind::Ring, Binding::None, 0});
  CHECK(none.sessions == 20);
  CHECK(none.requests == 60);
  CHECK(none.broken == 2 * on_app1);
  CHECK(none.broken_lost == on_app1);
  CHECK(none.broken_moved == on_app1);
  CHECK(none.sessions_broken == on_app1);
  REQUIRE(none.windows.size() == 3);
  CHECK(none.windows[0].broken == 0);                          // steady
  CHECK(none.windows[1].broken == on_app1);                    // crash
  CHECK(none.windows[1].broken_lost == on_app1);
  CHECK(none.windows[1].at_risk == static_cast<int64_t>(on_app1));
  CHECK(none.windows[2].broken == on_app1);                    // recover
  CHECK(none.windows[2].broken_moved == on_app1);
  // A crash of 1 of 2 equal backends must move half the keys; the ring moves about that.
  CHECK(none.windows[1].ideal == Approx(0.5));
  CHECK(none.windows[1].movedFactor(true) == Approx(1.0).margin(0.1));

  for (Binding b : {Binding::Cookie, Binding::Table, Binding::CookieTable}) {
    const RunResult bound = simulate(s, plan, {Kind::Ring, b, 0});
    INFO(bindingName(b));
    CHECK(bound.broken == on_app1);
    CHECK(bound.broken_lost == on_app1);
    CHECK(bound.windows[2].broken == 0);
  }
}

TEST_CASE("sessions broken: round robin without a binding breaks every other request", "[lab]") {
  // Given one session of 5 requests over 2 backends, expect round robin to alternate and log the
  // user out on requests 2..5; a cookie keeps it on its first backend.
  Scenario s = testing::tinyScenario(2, 10 * kMinute);
  WorkloadPlan plan;
  addSession(plan, 77, {1, 2, 3, 4, 5}, {0x40000001u});
  CHECK(simulate(s, plan, {Kind::RoundRobin, Binding::None, 0}).broken == 4);
  CHECK(simulate(s, plan, {Kind::RoundRobin, Binding::None, 0}).broken_moved == 4);
  CHECK(simulate(s, plan, {Kind::RoundRobin, Binding::Cookie, 0}).broken == 0);
  CHECK(simulate(s, plan, {Kind::Ring, Binding::None, 0}).broken == 0);
}

TEST_CASE("ip_hash_modulo breaks a mobile session when its address changes", "[lab]") {
  // Given one session whose address changes after its first request to one that hash-mod-2 maps
  // to the other backend, expect ip_hash_modulo with the stick table (keyed on the address) to
  // log the user out once; its cookie binding, and every cookie-keyed strategy, keep the session.
  const std::vector<std::string> names = {"app1", "app2"};
  const uint32_t first_ip = 0x80000001u;
  uint32_t second_ip = first_ip + 1;
  while (placementOf(Kind::IpHashModulo, names, ipText(second_ip)) ==
         placementOf(Kind::IpHashModulo, names, ipText(first_ip))) {
    ++second_ip;
  }
  Scenario s = testing::tinyScenario(2, 10 * kMinute);
  WorkloadPlan plan;
  addSession(plan, 5, {1, 2, 3}, {first_ip, second_ip, second_ip}, ClientKind::Mobile);
  CHECK(simulate(s, plan, {Kind::IpHashModulo, Binding::Table, 0}).broken_moved == 1);
  CHECK(simulate(s, plan, {Kind::IpHashModulo, Binding::None, 0}).broken_moved == 1);
  CHECK(simulate(s, plan, {Kind::IpHashModulo, Binding::Cookie, 0}).broken == 0);
  CHECK(simulate(s, plan, {Kind::Ring, Binding::Table, 0}).broken == 0);
  CHECK(simulate(s, plan, {Kind::Ring, Binding::None, 0}).broken == 0);
}

TEST_CASE("a drain keeps bound sessions until they end, no drain loses them", "[lab]") {
  // Given 3 backends scaled in to 2 at 60 s, with sessions still making requests until 200 s:
  // with drain, bound sessions on app3 finish there and nothing breaks; without drain, the ones
  // on app3 are lost.
  Scenario s = testing::tinyScenario(3, 10 * kMinute);
  EventSpec in = event(EventKind::ScaleIn, 60 * kSecond);
  in.to = 2;
  s.events = {in};
  WorkloadPlan plan;
  uint64_t on_app3 = 0;
  for (uint64_t sid = 1; sid <= 30; ++sid) {
    const double d = 0.01 * static_cast<double>(sid);
    addSession(plan, sid, {10 + d, 100 + d, 200 + d}, {0x40000000u + static_cast<uint32_t>(sid)});
    on_app3 += placementOf(Kind::Ring, {"app1", "app2", "app3"}, sessionIdText(sid)) == 2;
  }
  testing::sortPlan(plan);
  REQUIRE(on_app3 > 0);
  const RunResult drained = simulate(s, plan, {Kind::Ring, Binding::Cookie, 0});
  CHECK(drained.broken == 0);
  CHECK(drained.windows[1].finished >= 200 * kSecond);  // removed once its last session ended
  CHECK(drained.windows[1].finished <= 202 * kSecond);
  s.events[0].drain = false;
  const RunResult cut = simulate(s, plan, {Kind::Ring, Binding::Cookie, 0});
  CHECK(cut.broken == on_app3);
  CHECK(cut.broken_lost == on_app3);
}

TEST_CASE("same scenario and seed give byte-identical results, another seed does not", "[lab]") {
  RunnerOptions options;
  options.quick = true;
  options.measure_time = false;
  options.strategies = {"ring", "ip_hash_modulo", "random"};
  options.bindings = {"none", "cookie"};
  options.balance_factors = {1.25};
  const Scenario s = testing::loadChecked("smoke.yaml");
  const LabRun a = runLab(s, options);
  const LabRun b = runLab(s, options);
  CHECK(a.results.size() == 3 * 2 + 1);
  CHECK(resultsCsv(a) == resultsCsv(b));
  CHECK(resultsJson(a) == resultsJson(b));
  options.seed = s.seed + 1;
  options.only_default = true;
  const LabRun c = runLab(s, options);
  CHECK(c.scenario.seed == s.seed + 1);
  CHECK(resultsJson(c).find("\"seed\": " + std::to_string(s.seed + 1)) != std::string::npos);
  REQUIRE(c.results.size() == 1);
  const RunResult* same_config = a.defaultResult();
  REQUIRE(same_config);
  CHECK(c.results[0].requests != same_config->requests);  // another workload
}

TEST_CASE("tether's default meets its targets on smoke.yaml", "[lab]") {
  RunnerOptions options;
  options.only_default = true;
  options.measure_time = false;
  const LabRun run = runLab(testing::loadChecked("smoke.yaml"), options);
  REQUIRE(run.results.size() == 1);
  const RunResult* d = run.defaultResult();
  REQUIRE(d);
  const auto checks = checkTargets(run.scenario, *d);
  CHECK(checks.size() == 7);  // 2 scale outs, crash, recover, scale in, rolling restart, balance
  for (const auto& t : checks) {
    INFO(t.target << " [" << t.window << "]: " << t.detail);
    CHECK(t.pass);
  }
  // The crash put sessions at risk (so "only the crashed backend's" means something).
  for (const auto& w : d->windows) {
    if (w.label == "crash") CHECK(w.at_risk > 0);
  }
}

TEST_CASE("the lab shows what it exists to show", "[lab]") {
  // On smoke.yaml: ip_hash_modulo loses mobile users in the steady state where a cookie-keyed
  // strategy loses none, NAT groups pile sessions onto fewer backends, adding a 5th backend
  // remaps most ip_hash keys (4 x the minimum) while the ring moves about the minimum, and
  // bounded loads without a binding keep moving sessions.
  const Scenario s = testing::loadChecked("smoke.yaml");
  const WorkloadPlan plan = buildPlan(s);
  const RunResult ip = simulate(s, plan, {Kind::IpHashModulo, Binding::Table, 0});
  const RunResult ring = simulate(s, plan, {Kind::Ring, Binding::Table, 0});
  const RunResult ring_none = simulate(s, plan, {Kind::Ring, Binding::None, 0});
  const RunResult ring_none_bounded = simulate(s, plan, {Kind::Ring, Binding::None, 1.25});
  CHECK(ip.windows[0].broken_moved > 0);
  CHECK(ring.windows[0].broken == 0);
  CHECK(ip.sessions_load.steady > ring.sessions_load.steady + 0.1);
  for (size_t i = 0; i < s.events.size(); ++i) {
    const auto& w = ring_none.windows[i + 1];
    if (w.label == "add_one") {
      CHECK(w.movedFactor(true) == Approx(1.0).margin(0.3));
      CHECK(ip.windows[i + 1].movedFactor(true) > 2.5);
    }
    if (w.label == "scale_out") CHECK(w.ideal == Approx(0.5));
  }
  CHECK(ring_none_bounded.broken > 2 * ring_none.broken);
}

TEST_CASE("minimum fraction of keys to move is the total variation distance", "[lab]") {
  CHECK(MovedKeys::minimumFraction({0.25, 0.25, 0.25, 0.25}, std::vector<double>(8, 0.125)) == Approx(0.5));
  CHECK(MovedKeys::minimumFraction({0.5, 0.5}, {1.0, 0.0}) == Approx(0.5));
  CHECK(MovedKeys::minimumFraction({0.25, 0.25, 0.25, 0.25}, {0.5, 1.0 / 6, 1.0 / 6, 1.0 / 6}) == Approx(0.25));
  CHECK(MovedKeys::movedFraction({0, 1, 2, 3}, {0, 1, 3, 3}) == Approx(0.25));
  CHECK(peakToAverage({10, 10, 30}, {1, 1, 3}) == Approx(1.0));
  CHECK(peakToAverage({20, 10, 30}, {1, 1, 1}) == Approx(1.5));
  CHECK(peakToAverage({20, 10, 99}, {1, 1, 0}) == Approx(20.0 / 15));  // weight 0: not taking new sessions
}

} // namespace
} // namespace tether::lab
