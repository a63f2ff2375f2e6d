// The model's enums: each name table lines up with its enumerators, and the log levels map to
// spdlog's numbers (config/ does not link spdlog, so only a test can hold the two in step).

#include <catch2/catch.hpp>

#include <spdlog/spdlog.h>

#include "tests/config/config_test_util.h"

namespace tether::config {
namespace {

using namespace tether::config::test;

TEST_CASE("model: every log level maps to the spdlog level of the same name", "[config]") {
  // Given each logging.level name, expect the loaded level's spdlogLevel() to be what spdlog
  // itself calls that name.
  for (size_t i = 0; i < std::size(LoggingConfig::kLevelNames); ++i) {
    const std::string name(LoggingConfig::kLevelNames[i]);
    INFO(name);
    const Config c = loadOk("backends: [{address: 127.0.0.1:9001}]\nlogging: {level: " + name +
                            "}\n");
    CHECK(c.logging.level == static_cast<LoggingConfig::Level>(i));
    CHECK(spdlogLevel(c.logging.level) == static_cast<int>(spdlog::level::from_str(name)));
  }
}

TEST_CASE("model: choices load as the enumerator of their position in the name table", "[config]") {
  // Given the last name of each choice (the one most likely to be off by one), expect the last
  // enumerator.
  const std::string base = "backends: [{address: 127.0.0.1:9001, state: maintenance}]\n";
  const Config c = loadOk(base +
                          "routing: {strategy: ip_hash_modulo, on_missing_key: reject, "
                          "load_metric: requests}\n"
                          "logging: {format: json}\n"
                          "health: {active: {type: tcp}}\n"
                          "drain: {policy: migrate}\n");
  CHECK(c.backends[0].state == AdminState::Maintenance);
  CHECK(c.routing.strategy == routing::StrategyKind::IpHashModulo);
  CHECK(c.routing.on_missing_key == RoutingConfig::OnMissingKey::Reject);
  CHECK(c.routing.load_metric == RoutingConfig::LoadMetric::Requests);
  CHECK(c.logging.format == LoggingConfig::Format::Json);
  CHECK(c.health.active.type == ActiveHealthConfig::Type::Tcp);
  CHECK(c.drain.policy == DrainConfig::Policy::Migrate);
}

} // namespace
} // namespace tether::config
