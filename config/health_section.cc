// HealthSection (see health_section.h): the `health:`, `drain:` and `admin:` schema.

#include "config/health_section.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/validate.h"

namespace tether::config {
namespace {

// `active:`, `passive:` and `admin:` turn a feature on by being present, so the key alone (an
// implicit null) means "on, with defaults", the same as "{}". Same rule as routing.stick_table.
bool presentButEmpty(const Field& f) { return f.node.IsNull(); }

// A model default as the file would spell it ("2s", "5m"), for "..., the default" in messages,
// so they follow config_model.h if a default changes.
std::string spelled(Duration d) {
  const int64_t ms = d.count();
  if (ms != 0 && ms % 3600000 == 0) return std::to_string(ms / 3600000) + "h";
  if (ms != 0 && ms % 60000 == 0) return std::to_string(ms / 60000) + "m";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

// What the file says for a key, or the default when the key is absent.
std::string shown(const std::optional<Field>& at, Duration fallback) {
  return at ? at->node.Scalar() : spelled(fallback) + ", the default";
}

} // namespace

template <class Read> std::optional<Field> HealthSection::readTracked(const Field& f, Read read) {
  const size_t before = reader_.errorCount();
  read(f);
  if (reader_.errorCount() != before) return std::nullopt;
  return f;
}

void HealthSection::readHealth(const Field& f) {
  reader_.readMap(f, {
      {"active", [this](const Field& v) { readActive(v); }},
      {"passive", [this](const Field& v) { readPassive(v); }},
      {"slow_start", [this](const Field& v) { reader_.readDurationOrZero(v, health_.slow_start); }},
  });
}

void HealthSection::readActive(const Field& f) {
  ActiveHealthConfig& a = health_.active;
  a.enabled = true;
  if (presentButEmpty(f)) return;
  std::optional<Field> interval_at;
  std::optional<Field> timeout_at;
  std::vector<Field> http_only;  // keys a tcp check would silently ignore
  auto text = [this, &http_only](auto check, std::string expected, std::string& out) -> FieldRead {
    return [this, &http_only, check, expected, &out](const Field& v) {
      http_only.push_back(v);
      if (!reader_.expectScalar(v, expected)) return;
      if (auto why = check(v.node.Scalar())) reader_.error(v, *why);
      else out = v.node.Scalar();
    };
  };
  auto number = [this](uint32_t min, uint32_t max, uint32_t& out) -> FieldRead {
    return [this, min, max, &out](const Field& v) { reader_.readUnsigned(v, min, max, out); };
  };
  const auto seen = reader_.readMap(f, {
      {"type",
       [&](const Field& v) { reader_.readEnum(v, ActiveHealthConfig::kTypeNames, a.type); }},
      {"path", text(checkProbePath, "a path such as /health", a.path)},
      {"expect_status",
       [&](const Field& v) {
         http_only.push_back(v);
         if (!reader_.expectScalar(v, "a status code such as 200 or a range such as 200-399")) {
           return;
         }
         const auto r = parseStatusRange(v.node.Scalar());
         if (!r.ok()) return reader_.error(v, r.error);
         a.expect_min = r.value->min;
         a.expect_max = r.value->max;
       }},
      {"host", text(checkProbeHost, "a Host header value such as example.internal", a.host)},
      {"interval",
       [&](const Field& v) {
         interval_at = readTracked(v, [&](const Field& x) { reader_.readDuration(x, a.interval); });
       }},
      {"timeout",
       [&](const Field& v) {
         timeout_at = readTracked(v, [&](const Field& x) { reader_.readDuration(x, a.timeout); });
       }},
      // 100 in a row is already minutes at any sane interval; more is a typo.
      {"rise", number(1, 100, a.rise)},
      {"fall", number(1, 100, a.fall)},
      {"jitter",
       [&](const Field& v) {
         if (!reader_.expectScalar(v, "a percentage such as 10%")) return;
         const auto r = parseJitterPercent(v.node.Scalar());
         if (r.ok()) a.jitter_percent = *r.value;
         else reader_.error(v, r.error);
       }},
  });
  if (!f.node.IsMap()) return;
  // A tcp check sends nothing and reads nothing, so these would be silently ignored; a leftover
  // `path` usually means the type was changed by mistake.
  if (a.type == ActiveHealthConfig::Type::Tcp) {
    for (const Field& key : http_only) {
      reader_.error(key.anchor, key.label() + ": only used by 'type: http' checks, and this one "
                                              "is 'type: tcp'; remove it or use 'type: http'");
    }
  }
  // Compare only values that were read (or defaulted because absent), never a refused one.
  const bool interval_known = interval_at || !seen.count("interval");
  const bool timeout_known = timeout_at || !seen.count("timeout");
  // The interval runs from the end of one probe to the start of the next, so with timeout >=
  // interval a hanging backend is probed less than half as often as a healthy one and takes at
  // least twice as long to reach `fall`. Usually the two values were swapped.
  if (interval_known && timeout_known && a.timeout >= a.interval) {
    const ActiveHealthConfig defaults;
    if (timeout_at) {
      reader_.error(*timeout_at, "must be shorter than interval (" +
                                     shown(interval_at, defaults.interval) + ")");
    } else {
      reader_.error(*interval_at, "must be longer than timeout (" +
                                      shown(std::nullopt, defaults.timeout) +
                                      "); set a shorter 'timeout' too");
    }
  }
}

void HealthSection::readPassive(const Field& f) {
  PassiveHealthConfig& p = health_.passive;
  p.enabled = true;
  if (presentButEmpty(f)) return;
  std::optional<Field> eject_at;
  std::optional<Field> max_at;
  const auto seen = reader_.readMap(f, {
      {"consecutive_failures",
       [&](const Field& v) { reader_.readUnsigned(v, 1u, 1000u, p.consecutive_failures); }},
      {"eject_for",
       [&](const Field& v) {
         eject_at = readTracked(v, [&](const Field& x) { reader_.readDuration(x, p.eject_for); });
       }},
      {"max_eject_for",
       [&](const Field& v) {
         max_at = readTracked(v, [&](const Field& x) { reader_.readDuration(x, p.max_eject_for); });
       }},
  });
  if (!f.node.IsMap()) return;
  const bool eject_known = eject_at || !seen.count("eject_for");
  const bool max_known = max_at || !seen.count("max_eject_for");
  if (eject_known && max_known && p.max_eject_for < p.eject_for) {
    const PassiveHealthConfig defaults;
    if (max_at) {
      reader_.error(*max_at, "must not be shorter than eject_for (" +
                                 shown(eject_at, defaults.eject_for) +
                                 "): it caps the doubling that starts there");
    } else {
      reader_.error(*eject_at, "must not be longer than max_eject_for (" +
                                   shown(std::nullopt, defaults.max_eject_for) +
                                   "); set a longer 'max_eject_for' too");
    }
  }
}

void HealthSection::readDrain(const Field& f) {
  reader_.readMap(f, {
      {"timeout", [this](const Field& v) { reader_.readDurationOrZero(v, drain_.timeout); }},
      {"policy",
       [this](const Field& v) { reader_.readEnum(v, DrainConfig::kPolicyNames, drain_.policy); }},
  });
}

void HealthSection::readAdmin(const Field& f) {
  admin_at_ = f;
  admin_.enabled = true;
  if (presentButEmpty(f)) return;
  const auto seen = reader_.readMap(f, {
      {"listen",
       [this](const Field& v) {
         admin_listen_at_ = v;
         admin_listen_ok_ = false;
         if (!reader_.expectScalar(v, "an address such as 127.0.0.1:9901")) return;
         auto r = parseSocketAddress(v.node.Scalar(), /*allow_port_zero=*/true);
         if (!r.ok()) return reader_.error(v, r.error);
         admin_.listen = std::move(*r.value);
         admin_listen_ok_ = true;
       }},
      {"token",
       [this](const Field& v) {
         // expectScalar never echoes a scalar, and checkAdminToken never echoes the token:
         // error messages end up in logs.
         const std::string expected =
             "a token of at least " + std::to_string(kMinAdminToken) + " printable characters";
         if (!reader_.expectScalar(v, expected)) return;
         if (auto why = checkAdminToken(v.node.Scalar())) reader_.error(v, *why);
         else admin_.token = v.node.Scalar();
       }},
  });
  // The admin API can drain every backend and reload the config: reachable from other machines,
  // it must at least ask for a secret. A token that was refused has its own error already.
  if (admin_listen_at_ && admin_listen_ok_ && !seen.count("token") &&
      !isLoopbackHost(admin_.listen.host)) {
    reader_.error(*admin_listen_at_, "a non-loopback admin listener needs admin.token (anyone "
                                     "who can reach " + admin_.listen.toString() +
                                     " could drain backends or reload the config); add a token "
                                     "or listen on 127.0.0.1");
  }
}

void HealthSection::checkListen(const std::vector<SocketAddress>& listen) {
  if (!admin_.enabled || !admin_listen_ok_) return;
  for (const SocketAddress& proxy : listen) {
    if (!addressesOverlap(admin_.listen, proxy)) continue;
    const std::string why = "the proxy listens on " + proxy.toString() + " (listen), so the " +
                            "two would compete for the same connections; give the admin API " +
                            "its own port";
    if (admin_listen_at_) {
      reader_.error(*admin_listen_at_,
                    admin_.listen.toString() + " clashes with the proxy: " + why);
    } else {
      reader_.error(admin_at_->anchor, admin_at_->label() + ": the default admin.listen " +
                                           admin_.listen.toString() + " clashes with the proxy: " +
                                           why + " (set admin.listen)");
    }
    return;  // one clash is enough to act on
  }
}

} // namespace tether::config
