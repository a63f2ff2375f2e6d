#include "routing/strategy_kind.h"

#include <array>

namespace tether::routing {
namespace {

constexpr std::array<std::string_view, 8> kNames = {
    "round_robin", "ring", "maglev", "rendezvous", "jump", "multiprobe", "random",
    "ip_hash_modulo"};
static_assert(static_cast<size_t>(StrategyKind::IpHashModulo) + 1 == kNames.size());

} // namespace

std::span<const std::string_view> strategyNames() { return kNames; }

std::string_view strategyName(StrategyKind kind) {
  const auto i = static_cast<size_t>(kind);
  return i < kNames.size() ? kNames[i] : std::string_view("?");
}

std::optional<StrategyKind> parseStrategy(std::string_view name) {
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<StrategyKind>(i);
  }
  return std::nullopt;
}

} // namespace tether::routing
