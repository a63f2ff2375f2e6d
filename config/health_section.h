#pragma once
// HealthSection: reads the `health:`, `drain:` and `admin:` maps of the config file. Internal to
// config/ (it exposes yaml-cpp types through Field); only config_loader.cc uses it.
//
// The three sections are one file because they configure one feature set: backend state (probes,
// passive ejection, slow start), what draining a backend does to its sessions, and the admin API
// that flips those states at run time. Value rules live in validate.cc; this file knows shapes,
// positions and the checks that span fields:
// - within a section (timeout < interval, max_eject_for >= eject_for, HTTP-only keys on a tcp
//   check, a non-loopback admin listener without a token), checked as each map is read;
// - against `listen` (the admin listener must not share a proxy listener's socket), checked by
//   checkListen() once the whole document is read, since `listen:` may come after `admin:`.
//
// Errors go to the FieldReader; nothing throws. Single-threaded: one per load.

#include <optional>
#include <vector>

#include "config/config_model.h"
#include "config/field_reader.h"

namespace tether::config {

class HealthSection {
public:
  HealthSection(FieldReader& reader, HealthConfig& health, DrainConfig& drain, AdminConfig& admin)
      : reader_(reader), health_(health), drain_(drain), admin_(admin) {}

  // The rules for the top-level `health`, `drain` and `admin` keys.
  void readHealth(const Field& f);
  void readDrain(const Field& f);
  void readAdmin(const Field& f);
  // The admin listener against the proxy's listen addresses. Call once after the whole document,
  // with `listen` already defaulted when the key was absent.
  void checkListen(const std::vector<SocketAddress>& listen);

private:
  void readActive(const Field& f);
  void readPassive(const Field& f);
  // Runs `read` on `f` and returns `f` when it added no error, so cross-field checks compare only
  // values that were actually read (a refused value keeps its default, which is not what the
  // file says).
  template <class Read> std::optional<Field> readTracked(const Field& f, Read read);

  FieldReader& reader_;
  HealthConfig& health_;
  DrainConfig& drain_;
  AdminConfig& admin_;
  // Where the admin listener came from, for checkListen(): the `admin` key, and `admin.listen`
  // when it was given and read cleanly.
  std::optional<Field> admin_at_;
  std::optional<Field> admin_listen_at_;
  bool admin_listen_ok_ = true;  // false when admin.listen was refused: nothing to compare
};

} // namespace tether::config
