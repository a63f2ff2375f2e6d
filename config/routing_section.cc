// RoutingSection (see routing_section.h): the `routing:` schema, one reader per key.

#include "config/routing_section.h"

#include <cstdint>
#include <map>
#include <set>
#include <utility>

#include "config/validate.h"

namespace tether::config {
namespace {

std::string_view kindName(KeySourceConfig::Kind kind) {
  return KeySourceConfig::kKindNames[static_cast<size_t>(kind)];
}

// Sections whose presence turns a feature on may be written with nothing after the key
// ("stick_table:" alone): that means "on, with defaults", the same as "{}".
bool presentButEmpty(const Field& f) { return f.node.IsNull(); }

// The key a field was read under: "header" for "routing.key[0].header".
std::string keyName(const Field& f) { return f.path.substr(f.path.rfind('.') + 1); }

} // namespace

void RoutingSection::read(const Field& f) {
  auto number = [this](auto min, auto max, auto& out) -> FieldRead {
    return [this, min, max, &out](const Field& v) { reader_.readUnsigned(v, min, max, out); };
  };
  auto choice = [this](std::span<const std::string_view> names, auto& out) -> FieldRead {
    return [this, names, &out](const Field& v) { reader_.readEnum(v, names, out); };
  };
  auto section = [this](std::vector<KeyRule> rules) -> FieldRead {
    return [this, rules = std::move(rules)](const Field& v) { reader_.readMap(v, rules); };
  };
  std::optional<Field> learn_cookie_at;

  const auto seen = reader_.readMap(f, {
      {"strategy", [this](const Field& v) { readStrategy(v); }},
      {"key", [this](const Field& v) { readKey(v); }},
      {"on_missing_key",
       choice(RoutingConfig::kOnMissingKeyNames, out_.on_missing_key)},
      {"hash_seed", number(uint64_t{0}, UINT64_MAX, out_.hash_seed)},
      {"balance_factor", [this](const Field& v) { readBalanceFactor(v); }},
      {"load_metric", choice(RoutingConfig::kLoadMetricNames, out_.load_metric)},
      {"ring", section({{"points_per_weight", number(1u, 10000u, out_.ring_points_per_weight)}})},
      {"maglev", [this](const Field& v) { readMaglev(v); }},
      {"multiprobe", section({{"probes", number(1u, 1000u, out_.multiprobe_probes)}})},
      {"jump", [this](const Field& v) { readJump(v); }},
      {"affinity_cookie", [this](const Field& v) { readAffinityCookie(v); }},
      {"stick_table", [this](const Field& v) { readStickTable(v); }},
      {"learn_cookie",
       [&](const Field& v) {
         learn_cookie_at = v;
         readCookieName(v, out_.learn_cookie);
       }},
  });
  // Learned bindings live in the stick table; without one there is nowhere to put them.
  if (learn_cookie_at && !seen.count("stick_table")) {
    reader_.error(learn_cookie_at->anchor,
                  learn_cookie_at->label() + ": requires 'stick_table' (learned session ids are "
                                             "stored there); add 'stick_table: {}' to routing");
  }
}

void RoutingSection::readStrategy(const Field& f) {
  strategy_at_ = f;
  if (!reader_.expectScalar(f, "a strategy name")) return;
  const auto r = parseStrategyName(f.node.Scalar());
  if (r.ok()) out_.strategy = *r.value;
  else reader_.error(f, r.error);
}

void RoutingSection::readKey(const Field& f) {
  if (!f.node.IsSequence()) {
    reader_.error(f, "expected a list of key sources such as [{cookie: JSESSIONID}, "
                     "{source_ip: {}}], got " + describeNode(f.node));
    return;
  }
  if (f.node.size() > kMaxKeySources) {
    reader_.error(f, "at most " + std::to_string(kMaxKeySources) + " key sources, got " +
                         std::to_string(f.node.size()));
    return;
  }
  out_.key.clear();
  size_t index = 0;
  for (auto it = f.node.begin(); it != f.node.end(); ++it) readKeySource(f.item(*it, index++));
}

void RoutingSection::readKeySource(const Field& item) {
  const std::string example = "a one-key map such as 'cookie: JSESSIONID'";
  if (!item.node.IsMap()) {
    std::string hint;
    if (item.node.IsScalar() && item.node.Scalar() == "source_ip") {
      hint = " (write 'source_ip: {}')";
    }
    reader_.error(item, "expected " + example + ", got " + describeNode(item.node) + hint);
    return;
  }
  if (item.node.size() == 0) {
    reader_.error(item, "expected one source (" + joinNames(KeySourceConfig::kKindNames) +
                            "), got an empty map");
    return;
  }
  KeySourceConfig source;
  std::optional<Field> first;  // the item's source key, once one has been read
  bool ok = false;
  // Each rule: refuse a second kind in the same item, else read the kind's value.
  auto kind = [&](KeySourceConfig::Kind k, auto read) -> FieldRead {
    return [&, k, read](const Field& v) {
      if (first) {
        reader_.error(v.anchor, item.label() + ": one source per list item, but '" +
                                    keyName(v) + "' follows '" + keyName(*first) +
                                    "'; give each source its own '- ' item (they are tried in "
                                    "list order)");
        ok = false;
        return;
      }
      first = v;
      source.kind = k;
      const size_t before = reader_.errorCount();
      read(v);
      ok = reader_.errorCount() == before;
    };
  };
  auto named = [this, &source](auto check, const std::string& expected) {
    return [this, &source, check, expected](const Field& v) {
      if (!reader_.expectScalar(v, expected)) return;
      if (auto why = check(v.node.Scalar())) reader_.error(v, *why);
      else source.name = v.node.Scalar();
    };
  };
  reader_.readMap(item, {
      {"cookie", kind(KeySourceConfig::Kind::Cookie, named(checkCookieName, "a cookie name"))},
      {"header", kind(KeySourceConfig::Kind::Header, named(checkHeaderName, "a header name"))},
      {"query",
       kind(KeySourceConfig::Kind::Query, named(checkQueryParamName, "a query parameter name"))},
      {"source_ip", kind(KeySourceConfig::Kind::SourceIp,
                         [this, &source](const Field& v) {
                           if (presentButEmpty(v)) return;
                           reader_.readMap(v, {{"trusted_proxies", [&](const Field& t) {
                                                  reader_.readNetworks(t, source.trusted_proxies);
                                                }}});
                         })},
  });
  if (!ok) return;
  // A repeated source can never supply a key the first copy did not: almost surely a typo.
  for (size_t i = 0; i < out_.key.size(); ++i) {
    if (out_.key[i].kind == source.kind && out_.key[i].name == source.name) {
      reader_.error(item, "duplicate key source '" + std::string(kindName(source.kind)) +
                              (source.name.empty() ? "" : ": " + source.name) +
                              "' (same as routing.key[" + std::to_string(i) + "])");
      return;
    }
  }
  out_.key.push_back(std::move(source));
}

void RoutingSection::readBalanceFactor(const Field& f) {
  if (!reader_.expectScalar(f, "0 (off) or a number greater than 1.0 such as 1.25")) return;
  const auto r = parseBalanceFactor(f.node.Scalar());
  if (r.ok()) out_.balance_factor = *r.value;
  else reader_.error(f, r.error);
}

void RoutingSection::readMaglev(const Field& f) {
  reader_.readMap(f, {{"table_size", [this](const Field& v) {
                         table_size_at_ = v;
                         const std::string range = "101.." + std::to_string(kMaxMaglevTableSize);
                         if (!reader_.expectScalar(v, "a prime number in " + range)) return;
                         const auto r = parseUnsigned(v.node.Scalar(), 1, kMaxMaglevTableSize);
                         if (!r.ok()) return reader_.error(v, r.error);
                         if (!isPrime(*r.value)) {
                           return reader_.error(
                               v, std::to_string(*r.value) + " is not prime (Maglev needs a "
                                  "prime table size so every backend's permutation visits every "
                                  "slot); the next prime is " +
                                  std::to_string(nextPrime(*r.value)));
                         }
                         out_.maglev_table_size = static_cast<uint32_t>(*r.value);
                       }}});
}

void RoutingSection::readJump(const Field& f) {
  reader_.readMap(f, {{"slots", [this](const Field& v) {
                         slots_at_ = v;
                         const size_t before = reader_.errorCount();
                         if (!v.node.IsSequence()) {
                           return reader_.error(v, "expected a list of backend names (~ for a "
                                                   "removed slot), got " + describeNode(v.node));
                         }
                         if (v.node.size() == 0) {
                           return reader_.error(v, "must list every backend; remove 'slots' to "
                                                   "use the order of 'backends'");
                         }
                         size_t i = 0;
                         for (auto it = v.node.begin(); it != v.node.end(); ++it) {
                           const Field slot = v.item(*it, i++);
                           if (slot.node.IsNull()) {
                             out_.jump_slots.emplace_back();  // tombstone
                           } else if (!reader_.expectScalar(slot, "a backend name or ~")) {
                             continue;
                           } else if (slot.node.Scalar().empty()) {
                             reader_.error(slot, "empty backend name; write ~ for a removed slot");
                             continue;
                           } else {
                             out_.jump_slots.push_back(slot.node.Scalar());
                           }
                           slot_items_.push_back(slot);
                         }
                         slots_ok_ = reader_.errorCount() == before;
                       }}});
}

void RoutingSection::readCookieName(const Field& f, std::string& out) {
  if (!reader_.expectScalar(f, "a cookie name")) return;
  if (auto why = checkCookieName(f.node.Scalar())) reader_.error(f, *why);
  else out = f.node.Scalar();
}

void RoutingSection::readStringList(const Field& f, const std::string& what,
                                    std::vector<Field>& out) {
  if (!f.node.IsSequence()) {
    reader_.error(f, "expected a list of " + what + ", got " + describeNode(f.node));
    return;
  }
  size_t i = 0;
  for (auto it = f.node.begin(); it != f.node.end(); ++it) {
    const Field item = f.item(*it, i++);
    if (reader_.expectScalar(item, "text")) out.push_back(item);
  }
}

void RoutingSection::readAffinityCookie(const Field& f) {
  AffinityCookieConfig& a = out_.affinity_cookie;
  a.enabled = true;
  if (presentButEmpty(f)) {
    reader_.error(f, "missing required key 'secrets' (cookie signing keys, each at least 16 "
                     "bytes)");
    return;
  }
  std::optional<Field> ttl_at;
  std::optional<Field> idle_ttl_at;
  std::optional<Field> same_site_at;
  auto text = [this](auto check, std::string& out) -> FieldRead {
    return [this, check, &out](const Field& v) {
      if (!reader_.expectScalar(v, "text")) return;
      if (auto why = check(v.node.Scalar())) reader_.error(v, *why);
      else out = v.node.Scalar();
    };
  };
  const auto seen = reader_.readMap(f, {
      {"name", [&](const Field& v) { readCookieName(v, a.name); }},
      {"ttl",
       [&](const Field& v) {
         ttl_at = v;
         reader_.readDuration(v, a.ttl);
       }},
      {"idle_ttl",
       [&](const Field& v) {
         idle_ttl_at = v;
         reader_.readDuration(v, a.idle_ttl);
       }},
      {"path", text(checkCookiePath, a.path)},
      {"domain", text(checkCookieDomain, a.domain)},
      {"secure", [&](const Field& v) { reader_.readBool(v, a.secure); }},
      {"http_only", [&](const Field& v) { reader_.readBool(v, a.http_only); }},
      {"same_site",
       [&](const Field& v) {
         same_site_at = v;
         reader_.readChoice(v, {"Strict", "Lax", "None"}, a.same_site);
       }},
      {"attributes",
       [&](const Field& v) {
         std::vector<Field> items;
         readStringList(v, "cookie attributes such as [Partitioned]", items);
         for (const auto& item : items) {
           if (auto why = checkCookieAttribute(item.node.Scalar())) reader_.error(item, *why);
           else a.attributes.push_back(item.node.Scalar());
         }
       }},
      {"secrets",
       [&](const Field& v) {
         std::vector<Field> items;
         readStringList(v, "secrets", items);
         if (v.node.IsSequence() && v.node.size() == 0) {
           reader_.error(v, "at least one secret is required");
         }
         // Never echo a secret: error messages end up in logs.
         constexpr size_t kMinSecret = 16;  // 128 bits if random; below that, guessable
         for (const auto& item : items) {
           const size_t n = item.node.Scalar().size();
           if (n < kMinSecret) {
             reader_.error(item, "a secret must be at least " + std::to_string(kMinSecret) +
                                     " bytes long (got " + std::to_string(n) + ")");
           } else {
             a.secrets.push_back(item.node.Scalar());
           }
         }
       }},
  });
  if (!f.node.IsMap()) return;
  if (!seen.count("secrets")) {
    reader_.error(f.anchor, f.label() + ": missing required key 'secrets' (cookie signing keys, each at least 16 "
                     "bytes)");
  }
  if (idle_ttl_at && a.idle_ttl > a.ttl) {
    reader_.error(*idle_ttl_at, "must not be longer than ttl (" +
                                    (ttl_at ? ttl_at->node.Scalar() : "24h, the default") + ")");
  }
  // Browsers drop SameSite=None cookies that are not also Secure.
  if (same_site_at && a.same_site == "None" && !a.secure) {
    reader_.error(*same_site_at, "SameSite=None requires 'secure: true' (browsers reject "
                                 "SameSite=None cookies without Secure)");
  }
}

void RoutingSection::readStickTable(const Field& f) {
  StickTableConfig& s = out_.stick_table;
  s.enabled = true;
  if (presentButEmpty(f)) return;
  reader_.readMap(f, {
      {"size", [&](const Field& v) { reader_.readUnsigned(v, uint64_t{1}, 100000000, s.size); }},
      {"idle_ttl", [&](const Field& v) { reader_.readDuration(v, s.idle_ttl); }},
      {"persist",
       [&](const Field& v) {
         if (!reader_.expectScalar(v, "a file path")) return;
         if (v.node.Scalar().empty()) return reader_.error(v, "expected a file path, got ''");
         s.persist = v.node.Scalar();
       }},
  });
}

void RoutingSection::checkBackends(const std::vector<BackendConfig>& backends) {
  if (out_.strategy == routing::StrategyKind::Maglev && strategy_at_) {
    const uint64_t need = kMaglevSlotsPerBackend * backends.size();
    if (out_.maglev_table_size < need) {
      const uint64_t prime = nextPrime(need);
      const std::string advice =
          prime <= kMaxMaglevTableSize ? "; try " + std::to_string(prime)
                                       : "; that is above the maximum of " +
                                             std::to_string(kMaxMaglevTableSize) +
                                             ", so use strategy 'ring' for this many backends";
      const std::string why = "must be prime and at least 100 x the backend count (" +
                              std::to_string(backends.size()) + " backends need " +
                              std::to_string(need) + ")" + advice;
      if (table_size_at_) {
        reader_.error(*table_size_at_, std::to_string(out_.maglev_table_size) + " is too small: " +
                                           "the table size " + why);
      } else {
        reader_.error(*strategy_at_, "the default maglev.table_size " +
                                         std::to_string(out_.maglev_table_size) +
                                         " is too small: it " + why);
      }
    }
  }
  // Skip when the list itself was refused: its errors are already reported.
  if (!slots_ok_) return;
  std::set<std::string> configured;
  std::vector<std::string_view> names;
  for (const auto& b : backends) {
    configured.insert(b.name);
    names.push_back(b.name);
  }
  std::map<std::string, size_t> first_slot;
  for (size_t i = 0; i < out_.jump_slots.size(); ++i) {
    const std::string& name = out_.jump_slots[i];
    if (name.empty()) continue;
    if (!configured.count(name)) {
      reader_.error(slot_items_[i], "unknown backend '" + name + "' (configured: " +
                                        joinNames(names) + "; write ~ for a removed slot)");
      continue;
    }
    const auto [first, inserted] = first_slot.emplace(name, i);
    if (!inserted) {
      reader_.error(slot_items_[i], "backend '" + name + "' appears more than once (first at " +
                                        "slots[" + std::to_string(first->second) + "])");
    }
  }
  // Jump maps keys to slot numbers, so a backend with no slot would get no traffic, silently.
  for (const auto& b : backends) {
    if (first_slot.count(b.name)) continue;
    reader_.error(*slots_at_, "backend '" + b.name + "' has no slot; every configured backend "
                              "must appear exactly once (add new backends at the end, and "
                              "replace removed ones with ~, so only their keys move)");
  }
}

} // namespace tether::config
