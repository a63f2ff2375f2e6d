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
  switch (options.kind) {
  case StrategyKind::Ring:
    return std::make_shared<const RingHash>(backends, options.seed,
                                            options.ring_points_per_weight);
  case StrategyKind::Maglev:
    return std::make_shared<const Maglev>(backends, options.seed, options.maglev_table_size);
  case StrategyKind::Rendezvous: return std::make_shared<const Rendezvous>(backends, options.seed);
  case StrategyKind::Jump: return std::make_shared<const JumpHash>(backends, options.jump_slots);
  case StrategyKind::MultiProbe:
    return std::make_shared<const MultiProbe>(backends, options.seed, options.multiprobe_probes);
  case StrategyKind::RoundRobin: return std::make_shared<const RoundRobin>(backends);
  case StrategyKind::Random: return std::make_shared<const RandomStrategy>(backends);
  case StrategyKind::IpHashModulo: return std::make_shared<const IpHashModulo>(backends);
  }
  return nullptr;  // a value outside the enum: only a cast could produce one
}

} // namespace tether::routing
