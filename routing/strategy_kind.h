#pragma once
// StrategyKind: the placement strategies tether can build, and their names as written in a config
// file (`routing.strategy`) or a lab scenario. One name table, so config/, the factory and the lab
// cannot disagree about which names exist or in which order they are listed.
//
// Pure value type; any thread.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace tether::routing {

// Declared in the order of strategyNames(): the n-th name is the n-th enumerator, so a reader of
// enum choices by position (config's FieldReader::readEnum) maps names to kinds without a switch.
enum class StrategyKind : uint8_t {
  RoundRobin = 0,
  Ring,
  Maglev,
  Rendezvous,
  Jump,
  MultiProbe,
  Random,
  IpHashModulo,
};

// "round_robin", "ring", ...: every kind's name, indexed by its enumerator. round_robin comes
// first because it is the default, which is also the order "expected one of: ..." lists them.
std::span<const std::string_view> strategyNames();
std::string_view strategyName(StrategyKind kind);
// The kind named exactly `name` (case-sensitive), or nullopt.
std::optional<StrategyKind> parseStrategy(std::string_view name);

} // namespace tether::routing
