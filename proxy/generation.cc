#include "proxy/generation.h"

#include <string_view>
#include <unordered_map>

namespace tether::proxy {

GenerationConstSharedPtr makeGeneration(config::SnapshotConstSharedPtr snapshot,
                                        const Generation* previous, routing::SessionStore* store) {
  const auto& backends = snapshot->router->backends();
  auto states = std::make_shared<health::BackendStates>(backends.size());
  if (previous) {
    std::unordered_map<std::string_view, routing::BackendId> old;
    const auto& old_backends = previous->snapshot->router->backends();
    for (routing::BackendId i = 0; i < old_backends.size(); ++i) old.emplace(old_backends[i].key, i);
    for (routing::BackendId i = 0; i < backends.size(); ++i) {
      if (auto it = old.find(backends[i].key); it != old.end()) {
        states->set(i, previous->states->get(it->second));
      }
    }
  }
  auto g = std::make_shared<Generation>();
  g->snapshot = std::move(snapshot);
  g->states = std::move(states);
  g->store = store;
  return g;
}

} // namespace tether::proxy
