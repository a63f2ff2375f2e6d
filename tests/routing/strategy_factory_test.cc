// makeStrategy / StrategyKind: every kind builds the strategy of its name, knobs reach the
// strategy, and names parse exactly (no case folding, no guessing).

#include <catch2/catch.hpp>

#include "routing/jump_hash.h"
#include "routing/maglev.h"
#include "routing/multiprobe.h"
#include "routing/ring_hash.h"
#include "routing/strategy_factory.h"
#include "tests/routing/strategy_test_util.h"

namespace tether::routing {
namespace {

using namespace testing;

TEST_CASE("strategy factory: every name builds its strategy", "[routing]") {
  // Given each name of strategyNames(), expect its kind to build a strategy reporting that name,
  // with the backend count, and zero candidates for an empty backend list.
  const auto names = strategyNames();
  CHECK(names.size() == 8);
  CHECK(names.front() == "round_robin");  // the default leads "expected one of: ..." lists
  const auto list = apps(3);
  for (const auto name : names) {
    INFO(name);
    StrategyOptions options;
    REQUIRE(parseStrategy(name).has_value());
    options.kind = *parseStrategy(name);
    CHECK(strategyName(options.kind) == name);
    const auto s = makeStrategy(options, list);
    REQUIRE(s != nullptr);
    CHECK(s->name() == name);
    CHECK(s->backendCount() == 3);
    CHECK(s->sticky() == (name != "round_robin" && name != "random"));
    const auto empty = makeStrategy(options, BackendList{});
    REQUIRE(empty != nullptr);
    BackendId out[4];
    CHECK(empty->candidates(7, out, 4) == 0);
  }
}

TEST_CASE("strategy names: unknown names parse to nothing", "[routing]") {
  // Given a misspelt, empty or differently cased name, expect nullopt (config/ reports it; we
  // never guess).
  CHECK_FALSE(parseStrategy("consistent").has_value());
  CHECK_FALSE(parseStrategy("").has_value());
  CHECK_FALSE(parseStrategy("Ring").has_value());
}

TEST_CASE("strategy factory: knobs reach the strategy", "[routing]") {
  // Given non-default knobs, expect them in the built strategy.
  StrategyOptions options;
  options.ring_points_per_weight = 10;
  options.maglev_table_size = 1009;
  options.multiprobe_probes = 5;
  options.jump_slots = {"app1", "", "app3"};
  const auto list = apps(3);

  options.kind = StrategyKind::Ring;
  const auto ring = makeStrategy(options, list);
  CHECK(dynamic_cast<const RingHash&>(*ring).pointCount() == 30);
  options.kind = StrategyKind::Maglev;
  const auto maglev = makeStrategy(options, list);
  CHECK(dynamic_cast<const Maglev&>(*maglev).tableSize() == 1009);
  options.kind = StrategyKind::MultiProbe;
  const auto mp = makeStrategy(options, list);
  CHECK(dynamic_cast<const MultiProbe&>(*mp).probes() == 5);
  options.kind = StrategyKind::Jump;
  const auto jump = makeStrategy(options, list);
  CHECK(dynamic_cast<const JumpHash&>(*jump).slots() ==
        std::vector<BackendId>{0, kNoBackend, 2});
  // The seed changes hashed strategies' choices.
  options.kind = StrategyKind::Rendezvous;
  const auto a = makeStrategy(options, list);
  options.seed = 99;
  const auto b = makeStrategy(options, list);
  CHECK_FALSE(sameChoicesByName(*a, list, *b, list, 200));
}

} // namespace
} // namespace tether::routing
