// Micro-benchmarks for the placement strategies (routing/strategy_factory.h):
//   - BM_Candidates: candidates() per key, first choice only (max = 1) and the full list
//     (max = n, what Router asks for), at 3, 10 and 100 backends;
//   - BM_Build: building the strategy (the per-snapshot cost, off the loop) with a memory
//     counter, `retained_bytes`: heap the built strategy keeps (counted by replacing global
//     operator new/delete in this executable only);
//   - BM_RemoveOne: rebuild after removing one middle backend, with `percent_moved` (keys whose
//     first choice changed) next to `optimal_percent` = 100/N, the minimum any scheme can move.
//
//   ninja -C build tether_strategy_bench && build/bench/tether_strategy_bench

#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "routing/hash.h"
#include "routing/strategy_factory.h"

namespace {

std::atomic<int64_t> g_live_bytes{0};
// Each block carries its size in a header so delete can subtract it (sized delete is optional).
constexpr size_t kHeader = alignof(std::max_align_t);

} // namespace

// noinline: when GCC inlines these into std containers it pairs the builtin `new` with our
// `free` and warns (-Wmismatched-new-delete) although the pair is consistent.
__attribute__((noinline)) void* operator new(size_t size) {
  auto* raw = static_cast<char*>(std::malloc(size + kHeader));
  if (raw == nullptr) throw std::bad_alloc();
  *reinterpret_cast<size_t*>(raw) = size;
  g_live_bytes.fetch_add(static_cast<int64_t>(size), std::memory_order_relaxed);
  return raw + kHeader;
}

__attribute__((noinline)) void operator delete(void* p) noexcept {
  if (p == nullptr) return;
  char* raw = static_cast<char*>(p) - kHeader;
  g_live_bytes.fetch_sub(static_cast<int64_t>(*reinterpret_cast<size_t*>(raw)),
                         std::memory_order_relaxed);
  std::free(raw);
}

__attribute__((noinline)) void operator delete(void* p, size_t) noexcept { operator delete(p); }

namespace tether::routing {
namespace {

BackendList makeBackends(int n) {
  BackendList list;
  for (int i = 0; i < n; ++i) {
    list.push_back({"app" + std::to_string(i + 1), "10.0.0." + std::to_string(i % 250 + 1),
                    8080, 1});
  }
  return list;
}

StrategyOptions optionsFor(const char* name) {
  StrategyOptions options;
  options.kind = *parseStrategy(name);  // every name below is one of strategyNames()
  return options;
}

uint64_t keyHash(uint64_t i) {
  return hashBytes(std::string_view(reinterpret_cast<const char*>(&i), sizeof(i)), 0);
}

// Args: {backends, max}
void BM_Candidates(benchmark::State& state, const char* name) {
  const auto backends = makeBackends(static_cast<int>(state.range(0)));
  const auto strategy = makeStrategy(optionsFor(name), backends);
  const auto max = static_cast<uint32_t>(state.range(1));
  // 4096 precomputed keys: realistic cache behaviour without hashing in the timed loop.
  std::vector<uint64_t> keys(4096);
  for (size_t i = 0; i < keys.size(); ++i) keys[i] = keyHash(i);
  std::vector<BackendId> out(max);
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(strategy->candidates(keys[i++ & 4095], out.data(), max));
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
}

// Args: {backends}
void BM_Build(benchmark::State& state, const char* name) {
  const auto backends = makeBackends(static_cast<int>(state.range(0)));
  const auto options = optionsFor(name);
  int64_t retained = 0;
  for (auto _ : state) {
    const int64_t before = g_live_bytes.load();
    auto strategy = makeStrategy(options, backends);
    retained = g_live_bytes.load() - before;
    benchmark::DoNotOptimize(strategy.get());
  }
  state.counters["retained_bytes"] = static_cast<double>(retained);
}

// Args: {backends}. The middle backend is removed (jump: tombstoned in place).
void BM_RemoveOne(benchmark::State& state, const char* name) {
  const int n = static_cast<int>(state.range(0));
  const auto before_list = makeBackends(n);
  auto after_list = before_list;
  after_list.erase(after_list.begin() + n / 2);
  const auto before_options = optionsFor(name);
  auto after_options = before_options;
  if (after_options.kind == StrategyKind::Jump) {
    for (const auto& b : before_list) after_options.jump_slots.push_back(b.key);
    after_options.jump_slots[static_cast<size_t>(n / 2)].clear();
  }
  const auto before = makeStrategy(before_options, before_list);
  StrategyConstSharedPtr after;
  for (auto _ : state) {
    after = makeStrategy(after_options, after_list);
    benchmark::DoNotOptimize(after.get());
  }
  constexpr uint64_t kKeys = 20000;
  uint64_t moved = 0;
  for (uint64_t k = 0; k < kKeys; ++k) {
    BackendId a = kNoBackend, b = kNoBackend;
    before->candidates(keyHash(k), &a, 1);
    after->candidates(keyHash(k), &b, 1);
    moved += before_list[a].key != after_list[b].key;
  }
  state.counters["percent_moved"] = 100.0 * static_cast<double>(moved) / kKeys;
  state.counters["optimal_percent"] = 100.0 / n;
}

void registerAll() {
  for (const char* name : {"ring", "maglev", "rendezvous", "jump", "multiprobe", "random",
                           "ip_hash_modulo", "round_robin"}) {
    auto* c = benchmark::RegisterBenchmark((std::string("BM_Candidates/") + name).c_str(),
                                           BM_Candidates, name);
    for (int n : {3, 10, 100}) c->Args({n, 1})->Args({n, n});
    benchmark::RegisterBenchmark((std::string("BM_Build/") + name).c_str(), BM_Build, name)
        ->Arg(3)->Arg(10)->Arg(100)->Unit(benchmark::kMicrosecond);
    // Not sticky: their "moved" share is meaningless.
    if (std::string_view(name) == "random" || std::string_view(name) == "round_robin") continue;
    benchmark::RegisterBenchmark((std::string("BM_RemoveOne/") + name).c_str(), BM_RemoveOne,
                                 name)
        ->Arg(5)->Arg(10)->Arg(100)->Unit(benchmark::kMicrosecond);
  }
}

const int kRegistered = (registerAll(), 0);

} // namespace
} // namespace tether::routing
