#pragma once
// checkReload: whether a config may replace the running one in a live process, beyond being
// valid on its own. A reload keeps bindings, health and counters, so what it must not do is move
// sessions the operator did not ask to move.
//
// The rule today is jump's slot order. strategy jump maps keys to slot numbers, and without
// routing.jump.slots the slots are the backends in list order, so removing a backend from the
// middle of the list shifts every later backend down a slot, and their keys move with them
// (removing the second of five backends moves about 75% of keys instead of 20%). Keeping the
// order as run-time state instead would make two instances started from the same file route
// differently, so the file must say it: a reload whose effective slot order moves a backend that
// stays to another slot is refused, and the error estimates how many keys would move, and prints
// the routing.jump.slots line that removes and adds the same backends while every other backend
// keeps its slot (routing::removeJumpSlot / addJumpSlot). Appending a backend, removing the last
// one, and filling a tombstone are allowed as they are.
//
// Errors point into the new file (Config::positions): at routing.jump.slots when it sets the
// order, else at backends. Pure; any thread.

#include <string>
#include <string_view>
#include <vector>

#include "config/config_error.h"
#include "config/config_model.h"

namespace tether::config {

// Every reason `next` may not replace `running` by a reload; empty when it may.
ConfigErrors checkReload(const Config& running, const Config& next);

// The settings a running process cannot change (sockets already bound, threads already running,
// tables already sized: the keys config_keys.h marks AtRestart) whose value differs, each as
// "<key> changed; it takes effect at the next restart". The reload applies everything else and
// keeps the running values of these.
std::vector<std::string> restartOnlyChanges(const Config& running, const Config& next);
// The keys restartOnlyChanges() compares, for the test that holds them to the key table.
std::vector<std::string_view> restartOnlyKeys();

// The slot order a config routes with under strategy jump: routing.jump.slots ("" = tombstone),
// or the backend names in list order.
std::vector<std::string> effectiveJumpSlots(const Config& config);

// The slots that take `running` to `next`'s backends moving only the keys that must move:
// running's order with each removed backend tombstoned, then each added one (in `next`'s list
// order) in the first tombstone or a new slot at the end.
std::vector<std::string> keptJumpSlots(const Config& running, const Config& next);

// Slots as a YAML flow list, "[app1, ~, app3]": tombstones as ~, names quoted when YAML would
// otherwise read them as something else.
std::string jumpSlotsYaml(const std::vector<std::string>& slots);

} // namespace tether::config
