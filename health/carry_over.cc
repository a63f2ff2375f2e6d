#include "health/carry_over.h"

#include <string_view>
#include <unordered_map>

namespace tether::health {

BackendViewSharedPtr carryOver(const config::Snapshot& next, const config::Snapshot* previous,
                               const BackendView* previous_view, const ClockReading& clock,
                               uint32_t worker_shards) {
  const auto& backends = next.router->backends();
  std::unordered_map<std::string_view, BackendRecordSharedPtr> old;
  std::unordered_map<std::string_view, config::AdminState> old_configured;
  if (previous && previous_view) {
    const auto& old_backends = previous->router->backends();
    for (routing::BackendId i = 0; i < old_backends.size(); ++i) {
      old.emplace(old_backends[i].key, previous_view->records()[i]);
    }
    for (const auto& b : previous->config.backends) old_configured.emplace(b.name, b.state);
  }
  std::unordered_map<std::string_view, config::AdminState> configured_now;
  for (const auto& b : next.config.backends) configured_now.emplace(b.name, b.state);

  std::vector<BackendRecordSharedPtr> records;
  records.reserve(backends.size());
  for (routing::BackendId i = 0; i < backends.size(); ++i) {
    const auto& name = backends[i].key;
    const auto c = configured_now.find(name);
    const config::AdminState configured =
        c == configured_now.end() ? config::AdminState::Ready : c->second;
    if (auto it = old.find(name); it != old.end()) {
      const auto was = old_configured.find(name);
      if (was == old_configured.end() || was->second != configured) {
        it->second->setAdmin(configured, clock.now_ms, clock.now_unix_ms);
      }
      records.push_back(it->second);
      continue;
    }
    records.push_back(std::make_shared<BackendRecord>(name, worker_shards, configured, clock.now_ms,
                                                      clock.now_unix_ms, previous != nullptr));
  }
  return std::make_shared<BackendView>(std::move(records), next.config);
}

} // namespace tether::health
