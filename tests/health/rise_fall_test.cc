#include "health/rise_fall.h"

#include <catch2/catch.hpp>

#include <string>

using tether::health::RiseFall;
using tether::health::Transition;

namespace {

// Feeds a pattern like "ffx.." ('o' ok, 'f' fail) and returns one character per result:
// '-' no change, 'U' up, 'D' down.
std::string run(RiseFall& s, const std::string& pattern) {
  std::string out;
  for (char c : pattern) {
    switch (s.observe(c == 'o')) {
    case Transition::None: out += '-'; break;
    case Transition::Up: out += 'U'; break;
    case Transition::Down: out += 'D'; break;
    }
  }
  return out;
}

} // namespace

TEST_CASE("RiseFall starts up and goes down after exactly `fall` failures", "[health]") {
  // Given rise 2, fall 3, optimistic start, expect the third failure in a row to flip, not before.
  RiseFall s(2, 3);
  CHECK(s.up());
  CHECK(run(s, "ff") == "--");
  CHECK(s.up());
  CHECK(s.consecutiveFail() == 2);
  CHECK(run(s, "f") == "D");
  CHECK_FALSE(s.up());
  CHECK(s.consecutiveFail() == 3);
  // Further failures report no new transition.
  CHECK(run(s, "ff") == "--");
  CHECK(s.consecutiveFail() == 5);
}

TEST_CASE("RiseFall comes up after exactly `rise` successes", "[health]") {
  // Given a backend that starts down with rise 2, expect the second ok in a row to flip.
  RiseFall s(2, 3, /*initially_up=*/false);
  CHECK_FALSE(s.up());
  CHECK(run(s, "o") == "-");
  CHECK(s.consecutiveOk() == 1);
  CHECK(run(s, "o") == "U");
  CHECK(s.up());
  CHECK(s.consecutiveOk() == 2);
  CHECK(s.consecutiveFail() == 0);
}

TEST_CASE("RiseFall runs are consecutive: the other kind resets them", "[health]") {
  // Given fall 3, expect interleaved successes to keep an up backend up forever.
  RiseFall up(2, 3);
  CHECK(run(up, "ffoffoffo") == "---------");
  CHECK(up.up());
  CHECK(up.consecutiveOk() == 1);
  CHECK(up.consecutiveFail() == 0);

  // Given rise 3 on a down backend, expect one failure to restart the count.
  RiseFall down(3, 1, false);
  CHECK(run(down, "oofoofooo") == "--------U");
}

TEST_CASE("RiseFall flaps with the full rise/fall hysteresis", "[health]") {
  // Given rise 2 and fall 2, expect every second result of a run to flip.
  RiseFall s(2, 2);
  CHECK(run(s, "ffooffoo") == "-D-U-D-U");
}

TEST_CASE("RiseFall treats thresholds of 0 as 1", "[health]") {
  RiseFall s(0, 0);
  CHECK(s.rise() == 1);
  CHECK(s.fall() == 1);
  CHECK(run(s, "fo") == "DU");
}

TEST_CASE("RiseFall setThresholds keeps up/down and the runs", "[health]") {
  // Given 2 failures toward fall 5, expect lowering fall to 2 to flip on the next failure, not at
  // once (only observe() flips).
  RiseFall s(2, 5);
  CHECK(run(s, "ff") == "--");
  s.setThresholds(2, 2);
  CHECK(s.up());
  CHECK(s.consecutiveFail() == 2);
  CHECK(run(s, "f") == "D");
  s.setThresholds(4, 2);
  CHECK(run(s, "ooo") == "---");
  CHECK(run(s, "o") == "U");
}
