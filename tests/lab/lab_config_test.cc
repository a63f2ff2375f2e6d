// LabConfig -> tether's routing section: what the lab simulates is what tether would run with a
// config file saying the same, because the lab hands config/ a RoutingConfig and lets config/
// build the Router's and the strategy's options.

#include <catch2/catch.hpp>

#include "bench/lab/lab_config.h"
#include "config/config_loader.h"

namespace tether::lab {
namespace {

config::RoutingConfig loadRouting(const std::string& routing_yaml) {
  const auto loaded = config::loadConfigString(
      "backends: [{address: 127.0.0.1:9001}]\nrouting:\n" + routing_yaml, "lab.yaml");
  INFO((loaded.ok() ? std::string() : loaded.errors()[0].toString()));
  REQUIRE(loaded.ok());
  return loaded.config().routing;
}

TEST_CASE("the lab's routing section is the one tether loads from the same settings", "[lab]") {
  // Given a cookie-keyed configuration with both bindings and non-default knobs, expect exactly
  // the routing section tether reads from the YAML an operator would write for it.
  TetherKnobs knobs;
  knobs.hash_seed = 7;
  knobs.cookie_ttl_ms = 2 * 3600 * 1000;
  knobs.cookie_idle_ttl_ms = 20 * 60 * 1000;
  knobs.table_size = 5000;
  knobs.table_idle_ttl_ms = 10 * 60 * 1000;
  knobs.ring_points_per_weight = 100;
  knobs.maglev_table_size = 1009;
  knobs.multiprobe_probes = 9;
  const LabConfig ring{routing::StrategyKind::Ring, Binding::CookieTable, 1.25};
  CHECK(routingConfig(ring, knobs) ==
        loadRouting("  strategy: ring\n"
                    "  key: [{cookie: SID}]\n"
                    "  on_missing_key: assign\n"
                    "  hash_seed: 7\n"
                    "  balance_factor: 1.25\n"
                    "  load_metric: sessions\n"
                    "  ring: {points_per_weight: 100}\n"
                    "  maglev: {table_size: 1009}\n"
                    "  multiprobe: {probes: 9}\n"
                    "  affinity_cookie: {ttl: 2h, idle_ttl: 20m, "
                    "secrets: [tether-lab-secret-0123456789abcdef]}\n"
                    "  stick_table: {size: 5000, idle_ttl: 10m}\n"));

  // ip_hash_modulo keys on the source address; without bindings neither map is present.
  const LabConfig ip{routing::StrategyKind::IpHashModulo, Binding::None, 0};
  CHECK(routingConfig(ip, TetherKnobs{}) ==
        loadRouting("  strategy: ip_hash_modulo\n"
                    "  key: [{source_ip: {}}]\n"));
}

} // namespace
} // namespace tether::lab
