#include "config/reload_check.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "routing/hash.h"
#include "routing/jump_hash.h"

namespace tether::config {
namespace {

bool plainYaml(const std::string& name) {
  static const std::set<std::string> kNulls = {"~", "null", "Null", "NULL"};
  if (name.empty() || kNulls.count(name) || name == "-") return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-' || c == '.' || c == '/';
  });
}

std::string quoted(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::set<std::string> backendNames(const Config& c) {
  std::set<std::string> out;
  for (const auto& b : c.backends) out.insert(b.name);
  return out;
}

// Backends of both configs whose slot differs: "'app3' from slot 2 to slot 1".
std::vector<std::string> movedBackends(const std::vector<std::string>& before,
                                       const std::vector<std::string>& after) {
  std::vector<std::string> out;
  for (size_t i = 0; i < before.size(); ++i) {
    if (before[i].empty()) continue;
    const auto it = std::find(after.begin(), after.end(), before[i]);
    if (it == after.end()) continue;  // removed: its keys have to move
    const auto j = static_cast<size_t>(it - after.begin());
    if (j != i) {
      out.push_back("'" + before[i] + "' from slot " + std::to_string(i) + " to slot " +
                    std::to_string(j));
    }
  }
  return out;
}

// The share of keys whose backend differs between two jump configurations, over a fixed sample
// of keys: jump's own function, so tombstones are re-hashed exactly as tether does it.
double movedShare(const Config& a, const std::vector<std::string>& slots_a, const Config& b,
                  const std::vector<std::string>& slots_b) {
  auto list = [](const Config& c) {
    routing::BackendList out;
    for (const auto& backend : c.backends) out.push_back({backend.name, "", 0, 1});
    return out;
  };
  const routing::BackendList list_a = list(a);
  const routing::BackendList list_b = list(b);
  const routing::JumpHash jump_a(list_a, slots_a);
  const routing::JumpHash jump_b(list_b, slots_b);
  constexpr uint32_t kSample = 10000;  // +-1% at worst: enough to say "most" or "a third"
  uint32_t moved = 0;
  for (uint32_t i = 0; i < kSample; ++i) {
    const uint64_t key = routing::mix64(i, kSample);
    routing::BackendId x = routing::kNoBackend;
    routing::BackendId y = routing::kNoBackend;
    jump_a.candidates(key, &x, 1);
    jump_b.candidates(key, &y, 1);
    if (x == routing::kNoBackend || y == routing::kNoBackend || list_a[x].key != list_b[y].key) {
      ++moved;
    }
  }
  return static_cast<double>(moved) / kSample;
}

std::string percent(double share) {
  return std::to_string(static_cast<int>(std::lround(share * 100))) + "%";
}

std::string joinQuoted(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "'" : ", '") + n + "'";
  return out;
}

} // namespace

std::vector<std::string> effectiveJumpSlots(const Config& config) {
  if (!config.routing.jump_slots.empty()) return config.routing.jump_slots;
  std::vector<std::string> out;
  for (const auto& b : config.backends) out.push_back(b.name);
  return out;
}

std::vector<std::string> keptJumpSlots(const Config& running, const Config& next) {
  std::vector<std::string> slots = effectiveJumpSlots(running);
  const std::set<std::string> staying = backendNames(next);
  const std::vector<std::string> before = slots;
  for (const auto& name : before) {
    if (!name.empty() && !staying.count(name)) routing::removeJumpSlot(slots, name);
  }
  const std::set<std::string> had(before.begin(), before.end());
  for (const auto& b : next.backends) {
    if (!had.count(b.name)) routing::addJumpSlot(slots, b.name);
  }
  return slots;
}

std::string jumpSlotsYaml(const std::vector<std::string>& slots) {
  std::string out = "[";
  for (size_t i = 0; i < slots.size(); ++i) {
    if (i > 0) out += ", ";
    if (slots[i].empty()) out += "~";
    else out += plainYaml(slots[i]) ? slots[i] : quoted(slots[i]);
  }
  return out + "]";
}

ConfigErrors checkReload(const Config& running, const Config& next) {
  ConfigErrors errors;
  const auto jump = routing::StrategyKind::Jump;
  // Only a jump config reloaded as jump keeps keys by slot number; any other change of strategy
  // re-places keys by design.
  if (running.routing.strategy != jump || next.routing.strategy != jump) return errors;
  const auto before = effectiveJumpSlots(running);
  const auto after = effectiveJumpSlots(next);
  const auto moved = movedBackends(before, after);
  if (moved.empty()) return errors;
  const auto kept = keptJumpSlots(running, next);

  const std::set<std::string> staying = backendNames(next);
  std::vector<std::string> removed;
  for (const auto& name : before) {
    if (!name.empty() && !staying.count(name)) removed.push_back(name);
  }
  const bool explicit_slots = !next.routing.jump_slots.empty();
  const FilePosition at = explicit_slots ? next.positions.jump_slots : next.positions.backends;
  std::string message = explicit_slots ? "routing.jump.slots: " : "backends: ";
  message += "with strategy jump this reload would move backend" +
             std::string(moved.size() > 1 ? "s " : " ");
  for (size_t i = 0; i < moved.size(); ++i) message += (i ? ", " : "") + moved[i];
  message += "; jump maps keys to slot numbers, so about " +
             percent(movedShare(running, before, next, after)) + " of sessions would move where " +
             percent(movedShare(running, before, next, kept)) + " must. ";
  message += removed.empty() ? std::string("To keep every backend in its slot")
                             : "To remove " + joinQuoted(removed) + " moving only " +
                                   (removed.size() > 1 ? "their" : "its") + " keys";
  message += ", set routing.jump.slots: " + jumpSlotsYaml(kept);
  errors.push_back({next.positions.file, at.line, at.column, std::move(message)});
  return errors;
}

namespace {

struct RestartOnly {
  std::string_view key;
  bool (*differs)(const Config& a, const Config& b);
};

constexpr RestartOnly kRestartOnly[] = {
    {"listen", [](const Config& a, const Config& b) { return a.listen != b.listen; }},
    {"workers", [](const Config& a, const Config& b) { return a.workers != b.workers; }},
    {"routing.stick_table.size",
     [](const Config& a, const Config& b) {
       return a.routing.stick_table.size != b.routing.stick_table.size;
     }},
    {"routing.stick_table.idle_ttl",
     [](const Config& a, const Config& b) {
       return a.routing.stick_table.idle_ttl != b.routing.stick_table.idle_ttl;
     }},
    {"logging.access_log",
     [](const Config& a, const Config& b) { return a.logging.access_log != b.logging.access_log; }},
    {"logging.format",
     [](const Config& a, const Config& b) { return a.logging.format != b.logging.format; }},
    {"admin", [](const Config& a, const Config& b) { return a.admin.enabled != b.admin.enabled; }},
    {"admin.listen",
     [](const Config& a, const Config& b) { return a.admin.listen != b.admin.listen; }},
    {"admin.token", [](const Config& a, const Config& b) { return a.admin.token != b.admin.token; }},
};

} // namespace

std::vector<std::string> restartOnlyChanges(const Config& running, const Config& next) {
  std::vector<std::string> out;
  for (const auto& r : kRestartOnly) {
    if (r.differs(running, next)) {
      out.push_back(std::string(r.key) + " changed; it takes effect at the next restart");
    }
  }
  return out;
}

std::vector<std::string_view> restartOnlyKeys() {
  std::vector<std::string_view> keys;
  for (const auto& r : kRestartOnly) keys.push_back(r.key);
  return keys;
}

} // namespace tether::config
