// Micro-benchmarks for routing/: Router::route with RoundRobin, and the trusted-proxy CIDR check
// that runs for every request with forwarding enabled.
//
//   ninja -C build tether_routing_bench && build/bench/tether_routing_bench
//
// Setup (backend lists, strategies, CIDR parsing) is outside the timed loops. Every case reports
// items_per_second, i.e. routed requests (or address checks) per second on one thread.

#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "routing/cidr.h"
#include "routing/round_robin.h"
#include "routing/router.h"

namespace tether::routing {
namespace {

// The smallest RequestView: a fixed GET with a session cookie. RoundRobin never reads it, but a
// realistic object keeps the virtual call layout the same as proxy/'s.
class FixedRequest : public RequestView {
public:
  std::string_view method() const override { return "GET"; }
  std::string_view target() const override { return "/api/v1/cart?id=42"; }
  std::optional<std::string_view> headerAt(std::string_view name, size_t index) const override {
    if (name == "cookie" && index == 0) return std::string_view("DEMOSESSION=0123456789abcdef0123456789abcdef");
    return std::nullopt;
  }
  std::string_view peerAddress() const override { return "10.1.2.3"; }
};

// Every other backend is down: route() must skip the unusable candidates.
class EveryOtherUsable : public BackendFilter {
public:
  bool usable(BackendId id) const override { return id % 2 == 0; }
};

BackendList makeBackends(int n, bool weighted) {
  BackendList list;
  list.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    Backend b;
    b.key = "app" + std::to_string(i + 1);
    b.host = "10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1);
    b.port = 8080;
    // Weights 1,2,3 cycle: the precomputed order grows to 2n entries after gcd reduction.
    b.weight = weighted ? static_cast<uint32_t>(i % 3 + 1) : 1;
    list.push_back(std::move(b));
  }
  return list;
}

// Args: {backends, weighted(0/1)}
void BM_RouteRoundRobin(benchmark::State& state) {
  const auto backends = makeBackends(static_cast<int>(state.range(0)), state.range(1) != 0);
  auto strategy = std::make_shared<const RoundRobin>(backends);
  const Router router(backends, strategy);
  const FixedRequest request;
  const AllUsable all;
  for (auto _ : state) {
    RouteDecision d = router.route(request, all);
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["order_len"] = static_cast<double>(strategy->order().size());
}
BENCHMARK(BM_RouteRoundRobin)
    ->ArgNames({"backends", "weighted"})
    ->Args({3, 0})
    ->Args({10, 0})
    ->Args({100, 0})
    ->Args({3, 1})
    ->Args({100, 1});

// Half the backends unusable: measures the skip loop, the cost health adds to a pick.
void BM_RouteRoundRobinHalfDown(benchmark::State& state) {
  const auto backends = makeBackends(static_cast<int>(state.range(0)), false);
  const Router router(backends, std::make_shared<const RoundRobin>(backends));
  const FixedRequest request;
  const EveryOtherUsable half;
  for (auto _ : state) {
    RouteDecision d = router.route(request, half);
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RouteRoundRobinHalfDown)->ArgName("backends")->Arg(3)->Arg(10)->Arg(100);

// Several threads share one Router: the relaxed atomic counter is the only shared write.
void BM_RouteRoundRobinShared(benchmark::State& state) {
  static const auto backends = makeBackends(10, false);
  static const Router router(backends, std::make_shared<const RoundRobin>(backends));
  const FixedRequest request;
  const AllUsable all;
  for (auto _ : state) {
    RouteDecision d = router.route(request, all);
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RouteRoundRobinShared)->Threads(1)->Threads(2)->UseRealTime();

std::vector<Cidr> makeNets(int n) {
  std::vector<Cidr> nets;
  // Misses first, so a hit has to scan the whole list (the worst case for anyContains).
  for (int i = 0; i < n - 2; ++i) {
    nets.push_back(*Cidr::parse("192.168." + std::to_string(i % 256) + ".0/24"));
  }
  nets.push_back(*Cidr::parse("fd00::/8"));
  nets.push_back(*Cidr::parse("10.0.0.0/8"));
  return nets;
}

// Args: {networks, address kind: 0 = IPv4 hit, 1 = IPv4 miss, 2 = IPv6 miss}
void BM_CidrAnyContains(benchmark::State& state) {
  const auto nets = makeNets(static_cast<int>(state.range(0)));
  static constexpr std::string_view kAddresses[] = {"10.1.2.3", "172.16.0.1", "2001:db8::1"};
  const std::string_view address = kAddresses[state.range(1)];
  for (auto _ : state) {
    bool hit = anyContains(nets, address);
    benchmark::DoNotOptimize(hit);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CidrAnyContains)
    ->ArgNames({"nets", "addr"})
    ->Args({2, 0})
    ->Args({2, 1})
    ->Args({16, 0})
    ->Args({16, 1})
    ->Args({16, 2});

// The parse alone (inet_pton plus a std::string for its terminator): the part anyContains pays
// once per request however many networks there are.
void BM_IpAddressParse(benchmark::State& state) {
  const std::string_view address = state.range(0) == 0 ? "10.1.2.3" : "2001:db8::1";
  for (auto _ : state) {
    auto ip = IpAddress::parse(address);
    benchmark::DoNotOptimize(ip);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_IpAddressParse)->ArgName("v6")->Arg(0)->Arg(1);

} // namespace
} // namespace tether::routing
