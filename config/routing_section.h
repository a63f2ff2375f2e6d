#pragma once
// RoutingSection: reads the `routing:` map of the config file into a RoutingConfig. Internal to
// config/ (it exposes yaml-cpp types through Field); only config_loader.cc uses it.
//
// Its own file because the section is as large as the rest of the schema together: key sources,
// per-strategy tables, the affinity cookie and the stick table. Value rules live in validate.cc;
// this file knows shapes, positions and the checks that span fields:
// - within the section (learn_cookie needs stick_table, SameSite=None needs secure,
//   idle_ttl <= ttl), checked at the end of read();
// - against the backend list (jump.slots names, maglev.table_size >= 100 x backends), checked by
//   checkBackends() once the whole document is read, since `backends:` may come after `routing:`.
//
// Errors go to the FieldReader; nothing throws. Single-threaded: one per load.

#include <optional>
#include <string>
#include <vector>

#include "config/config_model.h"
#include "config/field_reader.h"

namespace tether::config {

class RoutingSection {
public:
  // Key sources are tried per request, so a long list is a config mistake, not a need.
  static constexpr size_t kMaxKeySources = 16;
  // Maglev needs M much larger than N for even shares (paper §3.4 uses M >= 100 N).
  static constexpr uint64_t kMaglevSlotsPerBackend = 100;

  RoutingSection(FieldReader& reader, RoutingConfig& out) : reader_(reader), out_(out) {}

  // The rule for the top-level `routing` key.
  void read(const Field& f);
  // Checks that need the backend list. Call once after the whole document, and only when the
  // backends themselves read cleanly (a bad backend would otherwise surface twice).
  void checkBackends(const std::vector<BackendConfig>& backends);
  // The `jump.slots` key, when the section has one.
  const std::optional<Field>& slotsAt() const { return slots_at_; }

private:
  void readStrategy(const Field& f);
  void readKey(const Field& f);
  void readKeySource(const Field& item);
  void readBalanceFactor(const Field& f);
  void readMaglev(const Field& f);
  void readJump(const Field& f);
  void readAffinityCookie(const Field& f);
  void readStickTable(const Field& f);
  void readCookieName(const Field& f, std::string& out);
  void readStringList(const Field& f, const std::string& what, std::vector<Field>& out);

  FieldReader& reader_;
  RoutingConfig& out_;
  // Where things were, for the checks that run after read().
  std::optional<Field> strategy_at_;
  std::optional<Field> table_size_at_;
  std::optional<Field> slots_at_;
  std::vector<Field> slot_items_;  // parallel to out_.jump_slots
  bool slots_ok_ = false;          // jump.slots read without errors: worth checking by name
};

} // namespace tether::config
