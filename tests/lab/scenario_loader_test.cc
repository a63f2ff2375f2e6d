// The scenario loader: the checked-in scenarios load, and every mistake is reported as
// FILE:LINE:COL: message at the key or value at fault.

#include <catch2/catch.hpp>

#include "bench/lab/scenario_loader.h"
#include "lab_test_util.h"

namespace tether::lab {
namespace {

// A valid document; tests replace one line of it.
const std::string kValid = R"(name: t
duration: 30m
warmup: 1m
workload:
  arrival_rate: 2
  requests_per_session: {dist: geometric, mean: 5, max: 20}
  think_time: {dist: exponential, mean: 5s, max: 20s}
app: {session_idle_timeout: 2m}
compare:
  strategies: [ring, maglev]
  bindings: [none, cookie]
  balance_factors: [off, 1.25]
  default: {strategy: ring, binding: cookie+table, balance_factor: 1.25}
events:
  - {at: 5m, crash: {backend: app2}}
  - {at: 6m, recover: {backend: app2}}
)";

std::string replaced(const std::string& from, const std::string& to) {
  std::string s = kValid;
  const size_t at = s.find(from);
  REQUIRE(at != std::string::npos);
  return s.replace(at, from.size(), to);
}

std::string firstError(const std::string& text) {
  const auto loaded = parseScenario(text, "s.yaml");
  REQUIRE_FALSE(loaded.ok());
  return loaded.errors[0].toString();
}

TEST_CASE("the checked-in scenarios load", "[lab]") {
  for (const char* name : {"default.yaml", "smoke.yaml"}) {
    const Scenario s = testing::loadChecked(name);
    CHECK(s.strategies.size() == 8);
    CHECK(s.bindings.size() == 3);
    CHECK(s.balance_factors.size() == 3);
    CHECK(s.default_config.label() == "ring/cookie+table/1.25");
    // The matrix, then the default (not in it).
    CHECK(s.configurations().size() == 8 * 3 * 3 + 1);
    bool kinds[7] = {};
    for (const auto& e : s.events) kinds[static_cast<int>(e.kind)] = true;
    for (bool k : kinds) CHECK(k);  // every kind of event is in the timeline
  }
}

TEST_CASE("a valid document loads with its values", "[lab]") {
  const auto loaded = parseScenario(kValid, "s.yaml");
  REQUIRE(loaded.ok());
  const Scenario& s = *loaded.scenario;
  CHECK(s.duration == 30 * kMinute);
  CHECK(s.workload.think_time.mean == 5.0);
  CHECK(s.workload.think_time.max == 20.0);
  CHECK(s.workload.requests_per_session.kind == Distribution::Kind::Geometric);
  CHECK(s.app_session_timeout == 2 * kMinute);
  REQUIRE(s.events.size() == 2);
  CHECK(s.events[0].label == "crash");
  CHECK(s.events[0].at == 5 * kMinute);
  CHECK(s.events[0].line == 15);
  CHECK(s.balance_factors == std::vector<double>{0, 1.25});
}

TEST_CASE("scenario errors carry the file, line and column of the culprit", "[lab]") {
  // Given one mistake per document, expect one positioned message naming the key.
  CHECK(firstError(replaced("duration: 30m", "duration: 30 minutes")) ==
        "s.yaml:2:11: duration: invalid duration '30 minutes' (use e.g. 250ms, 10s, 2m, 1h)");
  CHECK(firstError(replaced("warmup: 1m", "warmpu: 1m")).rfind("s.yaml:3:1: unknown key 'warmpu' at top level (expected one of: name, ", 0) == 0);
  CHECK(firstError(replaced("arrival_rate: 2", "arrival_rate: -2")).rfind("s.yaml:5:17: workload.arrival_rate:", 0) == 0);
  CHECK(firstError(replaced("dist: geometric", "dist: poisson")).rfind("s.yaml:6:25: workload.requests_per_session: dist: expected", 0) == 0);
  // Strategy names are tether's own, with tether's message.
  CHECK(firstError(replaced("[ring, maglev]", "[ring, magleb]")) ==
        "s.yaml:10:22: compare.strategies[1]: unknown strategy 'magleb' (expected one of: "
        "round_robin, ring, maglev, rendezvous, jump, multiprobe, random, ip_hash_modulo)");
  CHECK(firstError(replaced("bindings: [none, cookie]", "bindings: [none, cookies]")) ==
        "s.yaml:11:20: compare.bindings[1]: expected none, cookie, table or cookie+table, got 'cookies'");
  CHECK(firstError(replaced("[off, 1.25]", "[off, 0.5]")).rfind("s.yaml:12:26: compare.balance_factors[1]: expected a number > 1 and <= 100", 0) == 0);
  // A think time that can exceed the application's own timeout is refused at think_time.
  CHECK(firstError(replaced("max: 20s}", "max: 5m}")).rfind("s.yaml:7:15: workload.think_time: needs a max below", 0) == 0);
  // Timeline: a backend that does not exist, an out-of-order event, a recover of a live backend.
  CHECK(firstError(replaced("backend: app2}}\n  - {at: 6m", "backend: app9}}\n  - {at: 6m")) ==
        "s.yaml:15:5: events[0] (crash): no backend 'app9' at that time");
  CHECK(firstError(replaced("at: 6m", "at: 4m")) ==
        "s.yaml:16:5: events[1] (recover): events must be in strictly increasing time order");
  CHECK(firstError(replaced("- {at: 5m, crash: {backend: app2}}", "- {at: 5m, weight: {backend: app2, weight: 2}}")) ==
        "s.yaml:16:5: events[1] (recover): 'app2' is not down at that time");
  CHECK(firstError(replaced("crash: {backend: app2}}", "crash: {backend: app2}, scale_out: {to: 6}}")).rfind(
            "s.yaml:15:5: events[0]: needs exactly one of", 0) == 0);
  // Missing required keys point at the map that lacks them.
  CHECK(firstError(replaced("name: t\n", "")).rfind("s.yaml:1:1: top level: missing required key 'name'", 0) == 0);
  // Broken YAML is reported at yaml-cpp's position.
  CHECK(firstError(replaced("app: {session_idle_timeout: 2m}", "app: {session_idle_timeout: 2m")).rfind("s.yaml:", 0) == 0);
}

TEST_CASE("every mistake in a file is reported, not just the first", "[lab]") {
  std::string text = replaced("duration: 30m", "duration: soon");
  text = text.substr(0, text.find("arrival_rate: 2")) + "arrival_rate: fast" +
         text.substr(text.find("arrival_rate: 2") + 15);
  const auto loaded = parseScenario(text, "s.yaml");
  REQUIRE(loaded.errors.size() == 2);
  CHECK(loaded.errors[0].line == 2);
  CHECK(loaded.errors[1].line == 5);
}

TEST_CASE("an unreadable file is one error", "[lab]") {
  const auto loaded = loadScenario("/nonexistent/lab.yaml");
  REQUIRE(loaded.errors.size() == 1);
  CHECK(loaded.errors[0].toString() == "/nonexistent/lab.yaml:0:0: cannot read the scenario file");
}

} // namespace
} // namespace tether::lab
