#include "routing/strategy_factory.h"

#include "routing/ip_hash_modulo.h"
#include "routing/jump_hash.h"
#include "routing/maglev.h"
#include "routing/multiprobe.h"
#include "routing/random_strategy.h"
#include "routing/rendezvous.h"
#include "routing/ring_hash.h"
#include "routing/round_robin.h"

namespace tether::routing {

StrategyConstSharedPtr makeStrategy(const StrategyOptions& options, const BackendList& backends) {
  const std::string_view name = options.name;
  if (name == "ring") {
    return std::make_shared<const RingHash>(backends, options.seed,
                                            options.ring_points_per_weight);
  }
  if (name == "maglev") {
    return std::make_shared<const Maglev>(backends, options.seed, options.maglev_table_size);
  }
  if (name == "rendezvous") return std::make_shared<const Rendezvous>(backends, options.seed);
  if (name == "jump") return std::make_shared<const JumpHash>(backends, options.jump_slots);
  if (name == "multiprobe") {
    return std::make_shared<const MultiProbe>(backends, options.seed, options.multiprobe_probes);
  }
  if (name == "round_robin") return std::make_shared<const RoundRobin>(backends);
  if (name == "random") return std::make_shared<const RandomStrategy>(backends);
  if (name == "ip_hash_modulo") return std::make_shared<const IpHashModulo>(backends);
  return nullptr;
}

std::vector<std::string_view> strategyNames() {
  return {"ring",        "maglev",      "rendezvous", "jump",
          "multiprobe",  "round_robin", "random",     "ip_hash_modulo"};
}

} // namespace tether::routing
