// The scenario schema as tables of {key, reader}; what each key means is in
// bench/scenarios/README.md. Shapes and ranges are checked here, at the key's position; the
// timeline (does the backend a crash names exist then?) is checked by checkTimeline(). The reads
// themselves are tether's config/ FieldReader, so a scenario reports mistakes, durations and
// strategy names exactly as tether's own config does.

#include "bench/lab/scenario_loader.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "config/field_reader.h"
#include "config/validate.h"

namespace tether::lab {
namespace {

using config::Field;
using config::KeyRule;

constexpr double kMaxRate = 100000;        // sessions per second: beyond it a run never ends
constexpr uint32_t kMaxBackends = 1000;

// The field at a dotted path ("workload.think_time") of a document already read without errors.
Field fieldAt(const Field& root, std::string_view dotted) {
  Field f = root;
  while (!dotted.empty() && f.node.IsMap()) {
    const size_t dot = dotted.find('.');
    const std::string name(dotted.substr(0, dot));
    dotted = dot == std::string_view::npos ? std::string_view() : dotted.substr(dot + 1);
    for (auto it = f.node.begin(); it != f.node.end(); ++it) {
      const YAML::Node key = it->first;
      const YAML::Node value = it->second;
      if (key.IsScalar() && key.Scalar() == name) {
        f = f.child(key, value);
        break;
      }
    }
  }
  return f;
}

class Loader : public config::FieldReader {
public:
  using FieldReader::FieldReader;
  void readDocument(const Field& root, Scenario& s);

private:
  // Reads the lab needs beyond tether's own config: fractional numbers, durations in simulated
  // microseconds, and plain lists.
  void readNumber(const Field& f, double min, double max, double& out, bool exclusive_min = false);
  void readMicros(const Field& f, Micros& out, bool allow_zero = false);
  bool expectList(const Field& f);
  void readStringList(const Field& f, std::vector<std::string>& out);

  void readDistribution(const Field& f, bool seconds, Distribution& out);
  void readWorkload(const Field& f, WorkloadSpec& w);
  void readTether(const Field& f, TetherKnobs& t);
  void readCompare(const Field& f, Scenario& s);
  void readConfig(const Field& f, LabConfig& out);
  void readBalance(const Field& f, double& out);
  // A strategy name, as tether's config spells it.
  void readStrategy(const Field& f, routing::StrategyKind& out);
  void readEvents(const Field& f, std::vector<EventSpec>& out);
  void readEvent(const Field& f, EventSpec& e);
  // A value that is a number (counts) or a duration (seconds), as the distribution needs.
  void readValue(const Field& f, bool seconds, double& out);
};

void Loader::readNumber(const Field& f, double min, double max, double& out, bool exclusive_min) {
  char range[96];
  std::snprintf(range, sizeof range, "a number %s %g and <= %g", exclusive_min ? ">" : ">=", min,
                max);
  if (!expectScalar(f, range)) return;
  const std::string& text = f.node.Scalar();
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  // strtod also takes hex, "nan" and "inf"; a scenario means none of them.
  const bool parsed = !text.empty() && end == text.c_str() + text.size() && errno == 0 &&
                      std::isfinite(v) && text.find_first_of("xXnN") == std::string::npos;
  if (!parsed || v > max || (exclusive_min ? v <= min : v < min)) {
    error(f, std::string("expected ") + range + ", got '" + text + "'");
    return;
  }
  out = v;
}

void Loader::readMicros(const Field& f, Micros& out, bool allow_zero) {
  config::Duration d{};
  const size_t before = errorCount();
  if (allow_zero) readDurationOrZero(f, d);
  else readDuration(f, d);
  if (errorCount() == before) out = static_cast<Micros>(d.count()) * 1000;
}

bool Loader::expectList(const Field& f) {
  if (f.node.IsSequence()) return true;
  error(f, "expected a list, got " + config::describeNode(f.node));
  return false;
}

void Loader::readStringList(const Field& f, std::vector<std::string>& out) {
  if (!expectList(f)) return;
  out.clear();
  for (size_t i = 0; i < f.node.size(); ++i) {
    std::string item;
    const size_t before = errorCount();
    readString(f.item(f.node[i], i), item);
    if (errorCount() == before) out.push_back(std::move(item));
  }
}

void Loader::readValue(const Field& f, bool seconds, double& out) {
  if (seconds) {
    int64_t us = 0;
    const size_t before = errorCount();
    readMicros(f, us, true);
    if (errorCount() == before) out = static_cast<double>(us) / 1e6;
  } else {
    readNumber(f, 0, 1e9, out);
  }
}

void Loader::readDistribution(const Field& f, bool seconds, Distribution& out) {
  Distribution d;
  std::string kind;
  const auto seen = readMap(f, {
      {"dist", [&](const Field& x) { readString(x, kind); }},
      {"value", [&](const Field& x) { readValue(x, seconds, d.value); }},
      {"mean", [&](const Field& x) { readValue(x, seconds, d.mean); }},
      {"median", [&](const Field& x) { readValue(x, seconds, d.median); }},
      {"sigma", [&](const Field& x) { readNumber(x, 0, 10, d.sigma, true); }},
      {"min", [&](const Field& x) { readValue(x, seconds, d.min); }},
      {"max", [&](const Field& x) { readValue(x, seconds, d.max); }},
  });
  if (!f.node.IsMap()) return;
  requireKeys(f, seen, {"dist"});
  if (!seen.count("dist")) return;
  static const std::pair<const char*, Distribution::Kind> kKinds[] = {
      {"constant", Distribution::Kind::Constant},
      {"uniform", Distribution::Kind::Uniform},
      {"exponential", Distribution::Kind::Exponential},
      {"lognormal", Distribution::Kind::LogNormal},
      {"geometric", Distribution::Kind::Geometric}};
  bool known = false;
  for (const auto& [name, k] : kKinds) {
    if (kind == name) {
      d.kind = k;
      known = true;
    }
  }
  if (!known) {
    error(f, "dist: expected constant, uniform, exponential, lognormal or geometric, got '" +
                 kind + "'");
    return;
  }
  auto need = [&](const char* key, double v) {
    if (!seen.count(key)) error(f, kind + " needs '" + key + "'");
    else if (v <= 0) error(f, std::string(key) + " must be greater than zero");
  };
  switch (d.kind) {
  case Distribution::Kind::Constant: need("value", d.value); break;
  case Distribution::Kind::Uniform:
    need("max", d.max);
    if (seen.count("max") && d.min >= d.max) error(f, "uniform needs min < max");
    break;
  case Distribution::Kind::Exponential: need("mean", d.mean); break;
  case Distribution::Kind::Geometric:
    need("mean", d.mean);
    if (d.mean > 0 && d.mean < 1) error(f, "geometric mean must be at least 1");
    break;
  case Distribution::Kind::LogNormal:
    need("median", d.median);
    need("sigma", d.sigma);
    break;
  }
  if (d.kind != Distribution::Kind::Uniform && d.max > 0 && d.min >= d.max) {
    error(f, "min must be below max");
  }
  out = d;
}

void Loader::readWorkload(const Field& f, WorkloadSpec& w) {
  const auto seen = readMap(f, {
      {"arrival_rate", [&](const Field& x) { readNumber(x, 0, kMaxRate, w.arrival_rate, true); }},
      {"requests_per_session", [&](const Field& x) { readDistribution(x, false, w.requests_per_session); }},
      {"think_time", [&](const Field& x) { readDistribution(x, true, w.think_time); }},
      {"nat", [&](const Field& x) {
         readMap(x, {{"share", [&](const Field& y) { readNumber(y, 0, 1, w.nat.share); }},
                     {"groups", [&](const Field& y) { readUnsigned(y, 1u, 1000000u, w.nat.groups); }},
                     {"zipf", [&](const Field& y) { readNumber(y, 0, 5, w.nat.zipf); }}});
       }},
      {"mobile", [&](const Field& x) {
         readMap(x, {{"share", [&](const Field& y) { readNumber(y, 0, 1, w.mobile.share); }},
                     {"ip_change_probability", [&](const Field& y) {
                        readNumber(y, 0, 1, w.mobile.ip_change_probability);
                      }}});
       }},
  });
  requireKeys(f, seen, {"arrival_rate", "requests_per_session", "think_time"});
  if (w.nat.share + w.mobile.share > 1.0 + 1e-9) error(f, "nat.share + mobile.share must be at most 1");
}

void Loader::readTether(const Field& f, TetherKnobs& t) {
  readMap(f, {
      {"hash_seed", [&](const Field& x) { readUnsigned(x, uint64_t{0}, UINT64_MAX, t.hash_seed); }},
      {"affinity_cookie", [&](const Field& x) {
         int64_t ttl = t.cookie_ttl_ms * 1000, idle = t.cookie_idle_ttl_ms * 1000;
         readMap(x, {{"ttl", [&](const Field& y) { readMicros(y, ttl); }},
                     {"idle_ttl", [&](const Field& y) { readMicros(y, idle, true); }}});
         t.cookie_ttl_ms = ttl / 1000;
         t.cookie_idle_ttl_ms = idle / 1000;
         if (idle > ttl) error(x, "idle_ttl must be at most ttl");
       }},
      {"stick_table", [&](const Field& x) {
         int64_t idle = t.table_idle_ttl_ms * 1000;
         uint64_t size = t.table_size;
         readMap(x, {{"size", [&](const Field& y) { readUnsigned(y, uint64_t{1}, uint64_t{100000000}, size); }},
                     {"idle_ttl", [&](const Field& y) { readMicros(y, idle); }}});
         t.table_size = static_cast<size_t>(size);
         t.table_idle_ttl_ms = idle / 1000;
       }},
      {"ring", [&](const Field& x) {
         readMap(x, {{"points_per_weight", [&](const Field& y) { readUnsigned(y, 1u, 10000u, t.ring_points_per_weight); }}});
       }},
      {"maglev", [&](const Field& x) {
         readMap(x, {{"table_size", [&](const Field& y) { readUnsigned(y, 101u, 10000019u, t.maglev_table_size); }}});
       }},
      {"multiprobe", [&](const Field& x) {
         readMap(x, {{"probes", [&](const Field& y) { readUnsigned(y, 1u, 1000u, t.multiprobe_probes); }}});
       }},
  });
}

void Loader::readBalance(const Field& f, double& out) {
  if (f.node.IsScalar() && (f.node.Scalar() == "off" || f.node.Scalar() == "0")) {
    out = 0;
    return;
  }
  readNumber(f, 1, 100, out, true);
}

void Loader::readStrategy(const Field& f, routing::StrategyKind& out) {
  if (!expectScalar(f, "a strategy name")) return;
  const auto r = config::parseStrategyName(f.node.Scalar());
  if (r.ok()) out = *r.value;
  else error(f, r.error);
}

void Loader::readConfig(const Field& f, LabConfig& out) {
  LabConfig c;
  const auto seen = readMap(f, {
      {"strategy", [&](const Field& x) { readStrategy(x, c.strategy); }},
      {"binding", [&](const Field& x) {
         std::string b;
         readString(x, b);
         if (auto parsed = parseBinding(b)) c.binding = *parsed;
         else if (x.node.IsScalar()) error(x, "expected none, cookie, table or cookie+table, got '" + b + "'");
       }},
      {"balance_factor", [&](const Field& x) { readBalance(x, c.balance_factor); }},
  });
  requireKeys(f, seen, {"strategy", "binding", "balance_factor"});
  out = c;
}

void Loader::readCompare(const Field& f, Scenario& s) {
  const auto seen = readMap(f, {
      {"strategies", [&](const Field& x) {
         if (!expectList(x)) return;
         s.strategies.clear();
         for (size_t i = 0; i < x.node.size(); ++i) {
           routing::StrategyKind kind{};
           const size_t before = errorCount();
           readStrategy(x.item(x.node[i], i), kind);
           if (errorCount() == before) s.strategies.push_back(kind);
         }
       }},
      {"bindings", [&](const Field& x) {
         std::vector<std::string> names;
         readStringList(x, names);
         s.bindings.clear();
         for (size_t i = 0; i < names.size(); ++i) {
           if (auto b = parseBinding(names[i])) s.bindings.push_back(*b);
           else error(x.item(x.node[i], i), "expected none, cookie, table or cookie+table, got '" + names[i] + "'");
         }
       }},
      {"balance_factors", [&](const Field& x) {
         if (!expectList(x)) return;
         s.balance_factors.clear();
         for (size_t i = 0; i < x.node.size(); ++i) {
           double v = 0;
           const size_t before = errorCount();
           readBalance(x.item(x.node[i], i), v);
           if (errorCount() == before) s.balance_factors.push_back(v);
         }
       }},
      {"default", [&](const Field& x) { readConfig(x, s.default_config); }},
      {"charts", [&](const Field& x) {
         if (!expectList(x)) return;
         s.charts.clear();
         for (size_t i = 0; i < x.node.size(); ++i) {
           LabConfig c;
           const size_t before = errorCount();
           readConfig(x.item(x.node[i], i), c);
           if (errorCount() == before) s.charts.push_back(c);
         }
       }},
      {"moved_sample_keys", [&](const Field& x) { readUnsigned(x, 100u, 10000000u, s.moved_sample_keys); }},
      {"quick_scale", [&](const Field& x) { readNumber(x, 0, 1, s.quick_scale, true); }},
  });
  requireKeys(f, seen, {"strategies", "bindings", "balance_factors", "default"});
}

void Loader::readEvent(const Field& f, EventSpec& e) {
  e.line = f.mark().line + 1;
  e.column = f.mark().column + 1;
  int kinds = 0;
  auto kind = [&](EventKind k, const Field& x, std::vector<KeyRule> rules,
                  std::initializer_list<std::string_view> required) {
    ++kinds;
    e.kind = k;
    const auto seen = readMap(x, rules);
    requireKeys(x, seen, required);
  };
  const auto seen = readMap(f, {
      {"at", [&](const Field& x) { readMicros(x, e.at, true); }},
      {"name", [&](const Field& x) { readString(x, e.label); }},
      {"hot_key", [&](const Field& x) {
         kind(EventKind::HotKey, x,
              {{"share", [&](const Field& y) { readNumber(y, 0, 0.9, e.share, true); }},
               {"duration", [&](const Field& y) { readMicros(y, e.duration); }}},
              {"share", "duration"});
       }},
      {"scale_out", [&](const Field& x) {
         kind(EventKind::ScaleOut, x, {{"to", [&](const Field& y) { readUnsigned(y, 1u, kMaxBackends, e.to); }}}, {"to"});
       }},
      {"scale_in", [&](const Field& x) {
         kind(EventKind::ScaleIn, x,
              {{"to", [&](const Field& y) { readUnsigned(y, 1u, kMaxBackends, e.to); }},
               {"drain", [&](const Field& y) { readBool(y, e.drain); }},
               {"drain_timeout", [&](const Field& y) { readMicros(y, e.drain_timeout, true); }}},
              {"to"});
       }},
      {"crash", [&](const Field& x) {
         kind(EventKind::Crash, x, {{"backend", [&](const Field& y) { readString(y, e.backend); }}}, {"backend"});
       }},
      {"recover", [&](const Field& x) {
         kind(EventKind::Recover, x, {{"backend", [&](const Field& y) { readString(y, e.backend); }}}, {"backend"});
       }},
      {"weight", [&](const Field& x) {
         kind(EventKind::Weight, x,
              {{"backend", [&](const Field& y) { readString(y, e.backend); }},
               {"weight", [&](const Field& y) { readUnsigned(y, 1u, 1000u, e.weight); }}},
              {"backend", "weight"});
       }},
      {"rolling_restart", [&](const Field& x) {
         kind(EventKind::RollingRestart, x,
              {{"drain", [&](const Field& y) { readBool(y, e.drain); }},
               {"drain_timeout", [&](const Field& y) { readMicros(y, e.drain_timeout, true); }},
               {"restart_time", [&](const Field& y) { readMicros(y, e.restart_time, true); }},
               {"pause", [&](const Field& y) { readMicros(y, e.pause, true); }}},
              {});
       }},
  });
  requireKeys(f, seen, {"at"});
  if (f.node.IsMap() && kinds != 1) {
    error(f, "needs exactly one of hot_key, scale_out, scale_in, crash, recover, weight, rolling_restart");
  }
  if (e.label.empty()) e.label = std::string(eventKindName(e.kind));
}

void Loader::readEvents(const Field& f, std::vector<EventSpec>& out) {
  if (!expectList(f)) return;
  out.clear();
  for (size_t i = 0; i < f.node.size(); ++i) {
    EventSpec e;
    readEvent(f.item(f.node[i], i), e);
    out.push_back(std::move(e));
  }
}

void Loader::readDocument(const Field& root, Scenario& s) {
  const auto seen = readMap(root, {
      {"name", [&](const Field& x) { readString(x, s.name); }},
      {"description", [&](const Field& x) { readString(x, s.description); }},
      {"seed", [&](const Field& x) { readUnsigned(x, uint64_t{0}, UINT64_MAX, s.seed); }},
      {"duration", [&](const Field& x) { readMicros(x, s.duration); }},
      {"warmup", [&](const Field& x) { readMicros(x, s.warmup, true); }},
      {"sample_interval", [&](const Field& x) {
         readMicros(x, s.sample_interval);
         if (s.sample_interval % kSecond != 0) error(x, "must be a whole number of seconds");
       }},
      {"backends", [&](const Field& x) {
         readMap(x, {{"count", [&](const Field& y) { readUnsigned(y, 1u, kMaxBackends, s.initial_backends); }},
                     {"prefix", [&](const Field& y) { readString(y, s.backend_prefix); }}});
       }},
      {"workload", [&](const Field& x) { readWorkload(x, s.workload); }},
      {"app", [&](const Field& x) {
         readMap(x, {{"session_idle_timeout", [&](const Field& y) { readMicros(y, s.app_session_timeout); }}});
       }},
      {"tether", [&](const Field& x) { readTether(x, s.tether); }},
      {"compare", [&](const Field& x) { readCompare(x, s); }},
      {"events", [&](const Field& x) { readEvents(x, s.events); }},
  });
  requireKeys(root, seen, {"name", "duration", "workload", "compare"});
  if (errorCount() > 0) return;
  // Cross-key rules, pointed at the key that has to change.
  auto at = [&](std::string_view dotted) { return fieldAt(root, dotted); };
  if (s.warmup >= s.duration) error(at("warmup"), "must be shorter than duration");
  const double think_max = s.workload.think_time.upperBound();
  if (!(think_max * 1e6 < static_cast<double>(s.app_session_timeout))) {
    error(at("workload.think_time"),
          "needs a max below app.session_idle_timeout: a longer pause would log the user out in "
          "the application itself, which is not the balancer's doing");
  }
}

} // namespace

ScenarioLoad parseScenario(std::string_view text, const std::string& file) {
  ScenarioLoad out;
  Loader loader(file);
  Scenario s;
  s.file = file;
  try {
    const YAML::Node root = YAML::Load(std::string(text));
    loader.readDocument({root, "", root.Mark()}, s);
  } catch (const YAML::Exception& e) {
    loader.error(e.mark, "YAML: " + e.msg);
  }
  if (loader.errorCount() == 0) {
    for (const auto& problem : checkTimeline(s)) {
      const EventSpec& e = s.events[problem.event];
      YAML::Mark m;
      m.line = e.line - 1;
      m.column = e.column - 1;
      loader.error(m, "events[" + std::to_string(problem.event) + "] (" + e.label + "): " +
                          problem.message);
    }
  }
  out.errors = loader.take();
  if (out.errors.empty()) out.scenario = std::move(s);
  return out;
}

ScenarioLoad loadScenario(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ScenarioLoad out;
    out.errors.push_back({path, 0, 0, "cannot read the scenario file"});
    return out;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parseScenario(text.str(), path);
}

} // namespace tether::lab
