// ConfigLoader: walks one YAML document against tether's schema and fills a Config.
//
// The walk keeps going after an error so one load reports every mistake in the file, each at the
// line and column of the key or value at fault. Which keys exist is config_keys.h; each map is read
// with rules of {key, reader} that must name exactly that table's keys for the map (checkRules
// below), so a key missing from the table is an "unknown key" error, which is how typos
// ("conect: 2s") surface instead of silently keeping a default. What a valid value looks like is
// decided in validate.cc; this file only knows about YAML shapes and positions.
//
// This is the only file that catches yaml-cpp exceptions. Nothing escapes it.

#include "config/config_loader.h"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <system_error>

#include "config/config_keys.h"
#include "config/health_section.h"
#include "config/routing_section.h"
#include "config/validate.h"
#include "config/field_reader.h"

namespace tether::config {
namespace {

constexpr uint64_t kMaxWorkers = 256;  // far above any core count we deploy on
constexpr uint32_t kMaxIdlePerBackend = 1000000;  // same ceiling as max_connections
constexpr uint32_t kMaxReceiveBuffer = 64u << 20;       // SO_RCVBUF above this is a typo

class Loader : public FieldReader {
public:
  using FieldReader::FieldReader;

  void readDocument(const YAML::Node& root, Config& c);

protected:
  // A reader that disagrees with the key table is a bug in tether, not in the file; saying so on
  // every load that reaches that map makes any such bug fail the loader tests at once.
  void checkRules(const Field& f, const std::vector<KeyRule>& rules) override {
    std::vector<std::string_view> names;
    for (const auto& r : rules) names.push_back(r.name);
    if (auto why = checkReaderKeys(keyPathOf(f.path), names)) {
      error(f.anchor, "internal error in tether's config reader: " + *why);
    }
  }

private:
  void readWorkers(const Field& f, uint32_t& out);
  void readListen(const Field& f, std::vector<SocketAddress>& out);
  void readBackends(const Field& f, std::vector<BackendConfig>& out);
  void readAccessLog(const Field& f, std::string& out);
};

void Loader::readWorkers(const Field& f, uint32_t& out) {
  const std::string expected = "'auto' or a whole number in 1.." + std::to_string(kMaxWorkers);
  if (!expectScalar(f, expected)) return;
  if (f.node.Scalar() == "auto") {
    out = 0;
    return;
  }
  const auto r = parseUnsigned(f.node.Scalar(), 1, kMaxWorkers);
  if (r.ok()) out = static_cast<uint32_t>(*r.value);
  else error(f, "expected " + expected + ", got '" + f.node.Scalar() + "'");
}

void Loader::readListen(const Field& f, std::vector<SocketAddress>& out) {
  std::vector<Field> items;
  if (f.node.IsScalar()) {
    items.push_back(f);
  } else if (f.node.IsSequence()) {
    if (f.node.size() == 0) error(f, "must name at least one address");
    size_t i = 0;
    for (auto it = f.node.begin(); it != f.node.end(); ++it) items.push_back(f.item(*it, i++));
  } else {
    error(f, "expected an address or a list of addresses, got " + describeNode(f.node));
    return;
  }
  out.clear();
  // Port 0 means "any free port", so several of those do not collide; anything else would fail
  // to bind at startup, which is later and less clear than saying so here.
  std::map<std::string, int> first_line;
  for (const auto& a : items) {
    if (!expectScalar(a, "an address such as 127.0.0.1:8080")) continue;
    auto r = parseSocketAddress(a.node.Scalar(), /*allow_port_zero=*/true);
    if (!r.ok()) {
      error(a, r.error);
      continue;
    }
    if (r.value->port != 0) {
      const auto [first, inserted] = first_line.emplace(r.value->toString(), a.mark().line + 1);
      if (!inserted) {
        error(a, "duplicate listen address '" + first->first + "' (first at line " +
                     std::to_string(first->second) + ")");
        continue;
      }
    }
    out.push_back(std::move(*r.value));
  }
}

void Loader::readBackends(const Field& f, std::vector<BackendConfig>& out) {
  if (!f.node.IsSequence()) {
    error(f, "expected a list of backends, got " + describeNode(f.node));
    return;
  }
  if (f.node.size() == 0) {
    error(f, "at least one backend is required");
    return;
  }
  // Names are identities (stick tables, health carried across reloads), so they must be unique.
  // Addresses need not be: two names on one address is a legitimate way to weight or test.
  std::map<std::string, int> first_line;
  size_t index = 0;
  for (auto it = f.node.begin(); it != f.node.end(); ++it) {
    const Field entry = f.item(*it, index++);
    BackendConfig b;
    std::optional<Field> name_at;
    std::optional<Field> address_at;
    bool address_ok = false;
    const auto seen = readMap(entry, {
        {"name",
         [&](const Field& v) {
           name_at = v;
           if (!expectScalar(v, "a backend name")) return;
           if (auto why = checkBackendName(v.node.Scalar())) error(v, *why);
           else b.name = v.node.Scalar();
         }},
        {"address",
         [&](const Field& v) {
           address_at = v;
           if (!expectScalar(v, "an address such as 127.0.0.1:9001")) return;
           auto r = parseSocketAddress(v.node.Scalar(), /*allow_port_zero=*/false);
           if (!r.ok()) return error(v, r.error);
           b.address = std::move(*r.value);
           address_ok = true;
         }},
        {"weight", [&](const Field& v) { readUnsigned(v, 1, 1000, b.weight); }},
        {"state", [&](const Field& v) { readEnum(v, kAdminStateNames, b.state); }},
    });
    if (!entry.node.IsMap()) continue;
    requireKeys(entry, seen, {"address"});
    if (!name_at && address_ok) b.name = b.address.toString();
    if (!b.name.empty()) {
      const Field& at = name_at ? *name_at : *address_at;
      const auto [first, inserted] = first_line.emplace(b.name, at.mark().line + 1);
      if (!inserted) {
        error(at, "duplicate backend name '" + b.name + "' (first defined at line " +
                      std::to_string(first->second) + ")" +
                      (name_at ? "" : "; the default name is the address, so give each a 'name'"));
      }
    }
    out.push_back(std::move(b));
  }
}

void Loader::readAccessLog(const Field& f, std::string& out) {
  const std::string expected = "off, stdout or a file path";
  if (!expectScalar(f, expected)) return;
  if (f.node.Scalar().empty()) return error(f, "expected " + expected + ", got ''");
  out = f.node.Scalar();
}

// yaml-cpp's 0-based mark as a 1-based FilePosition.
FilePosition positionOf(const YAML::Mark& m) {
  if (m.is_null()) return {};
  return {m.line + 1, m.column + 1};
}

void Loader::readDocument(const YAML::Node& root, Config& c) {
  const Field doc{root, "", YAML::Mark()};
  if (!root.IsMap()) {
    error(doc, "expected a map of settings (listen, backends, ...), got " + describeNode(root));
    return;
  }
  // Small factories so each schema row below fits on a line or two.
  auto section = [this](std::vector<KeyRule> rules) -> FieldRead {
    return [this, rules = std::move(rules)](const Field& f) { readMap(f, rules); };
  };
  auto duration = [this](Duration& out) -> FieldRead {
    return [this, &out](const Field& f) { readDuration(f, out); };
  };
  auto number = [this](auto min, auto max, auto& out) -> FieldRead {
    return [this, min, max, &out](const Field& f) { readUnsigned(f, min, max, out); };
  };
  auto choice = [this](std::span<const std::string_view> names, auto& out) -> FieldRead {
    return [this, names, &out](const Field& f) { readEnum(f, names, out); };
  };
  RoutingSection routing(*this, c.routing);
  HealthSection health(*this, c.health, c.drain, c.admin);
  bool backends_ok = false;
  auto& t = c.timeouts;
  auto& fw = c.forwarding;

  const auto seen = readMap(doc, {
      {"listen", [&](const Field& f) { readListen(f, c.listen); }},
      {"workers", [&](const Field& f) { readWorkers(f, c.workers); }},
      {"backends",
       [&](const Field& f) {
         c.positions.backends = positionOf(f.anchor);
         const size_t before = errorCount();
         readBackends(f, c.backends);
         backends_ok = errorCount() == before;
       }},
      {"routing", [&](const Field& f) { routing.read(f); }},
      {"timeouts", section({{"client_header", duration(t.client_header)},
                            {"client_idle", duration(t.client_idle)},
                            {"connect", duration(t.connect)},
                            {"upstream_response", duration(t.upstream_response)},
                            {"graceful_shutdown", duration(t.graceful_shutdown)}})},
      // A head below 1 KiB cannot hold an ordinary browser request; above 1 MiB is an attack.
      {"limits",
       section({{"max_header_bytes", number(1024u, 1048576u, c.limits.max_header_bytes)},
                {"max_body_bytes", number(uint64_t{0}, UINT64_MAX, c.limits.max_body_bytes)},
                {"max_connections", number(1u, 1000000u, c.limits.max_connections)}})},
      {"upstream", section({{"max_idle_per_backend",
                             number(0u, kMaxIdlePerBackend, c.upstream.max_idle_per_backend)},
                            {"idle_timeout", duration(c.upstream.idle_timeout)},
                            {"receive_buffer",
                             number(0u, kMaxReceiveBuffer, c.upstream.receive_buffer)},
                            {"retries", number(0u, 10u, c.upstream.retries)},
                            {"retry_on_reset",
                             [&](const Field& f) { readBool(f, c.upstream.retry_on_reset); }}})},
      {"forwarding",
       section({{"x_forwarded_for", [&](const Field& f) { readBool(f, fw.x_forwarded_for); }},
                {"trusted_proxies",
                 [&](const Field& f) { readNetworks(f, fw.trusted_proxies); }}})},
      {"logging",
       section({{"level", choice(LoggingConfig::kLevelNames, c.logging.level)},
                {"access_log", [&](const Field& f) { readAccessLog(f, c.logging.access_log); }},
                {"format", choice(LoggingConfig::kFormatNames, c.logging.format)}})},
      {"health", [&](const Field& f) { health.readHealth(f); }},
      {"drain", [&](const Field& f) { health.readDrain(f); }},
      {"admin", [&](const Field& f) { health.readAdmin(f); }},
  });
  if (!seen.count("backends")) {
    error(doc, "missing required key 'backends' (a list of upstream servers)");
  }
  if (!seen.count("listen")) c.listen = {SocketAddress{"127.0.0.1", 8080}};
  // After the whole document: `backends:` may follow `routing:`, and `listen:` may follow
  // `admin:` (or be absent, defaulted just above).
  if (backends_ok) routing.checkBackends(c.backends);
  health.checkListen(c.listen);
  c.positions.file = file();
  if (routing.slotsAt()) c.positions.jump_slots = positionOf(routing.slotsAt()->anchor);
}

// Notes where each document's first non-null node starts, without building any nodes.
class DocumentProbe : public YAML::EventHandler {
public:
  int documents = 0;
  bool has_content = false;  // the current document holds something besides null
  YAML::Mark content_at;

  void OnDocumentStart(const YAML::Mark&) override {
    ++documents;
    has_content = false;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark& m, YAML::anchor_t) override { note(m); }
  void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                const std::string&) override {
    note(m);
  }
  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    note(m);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    note(m);
  }
  void OnMapEnd() override {}

private:
  void note(const YAML::Mark& m) {
    if (!has_content) content_at = m;
    has_content = true;
  }
};

// Where a second document with content starts, if there is one. An empty trailing document
// ("---" at the end) holds nothing to lose and is fine. This is our own bounded loop rather than
// YAML::LoadAll because yaml-cpp 0.7's LoadAll never returns on some malformed input (a stray ","
// yields empty documents until memory runs out).
std::optional<YAML::Mark> findSecondDocument(const std::string& text) {
  constexpr int kMaxDocumentsScanned = 16;  // bounds the yaml-cpp loop; real files have 1 or 2
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentProbe probe;
  for (int i = 0; i < kMaxDocumentsScanned && parser.HandleNextDocument(probe); ++i) {
    if (probe.documents >= 2 && probe.has_content) return probe.content_at;
  }
  return std::nullopt;
}

LoadResult unreadable(const std::string& path, int err) {
  return {ConfigErrors{{path, 0, 0, "cannot read: " + std::generic_category().message(err)}}};
}

} // namespace

LoadResult loadConfigString(const std::string& text, const std::string& file_name) {
  Loader loader(file_name);
  Config config;
  try {
    const YAML::Node root = YAML::Load(text);
    if (root.IsNull()) {
      loader.error(YAML::Mark(), "config is empty; at least 'backends' is required");
    } else {
      loader.readDocument(root, config);
    }
    // A second document would be ignored by everything downstream; say so instead.
    if (auto second = findSecondDocument(text)) {
      loader.error(*second, "only one YAML document is allowed per config file");
    }
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp's own message for this is "bad file".
    loader.error(e.mark, "invalid YAML: nested more than " + std::to_string(e.depth()) +
                             " levels deep");
  } catch (const YAML::ParserException& e) {
    loader.error(e.mark, "invalid YAML: " + e.msg);
  } catch (const YAML::Exception& e) {
    loader.error(e.mark, "cannot read config: " + e.msg);
  }
  if (loader.failed()) return {loader.take()};
  return {std::move(config)};
}

LoadResult loadConfigFile(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return unreadable(path, errno);
  std::string text;
  errno = 0;
  char buf[64 * 1024];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, file)) > 0) text.append(buf, n);
  // fopen succeeds on a directory; the read is what fails (EISDIR).
  const int read_errno = std::ferror(file) ? (errno != 0 ? errno : EIO) : 0;
  std::fclose(file);
  if (read_errno != 0) return unreadable(path, read_errno);

  LoadResult result = loadConfigString(text, path);
  if (result.ok()) result.config().source_path = path;
  return result;
}

} // namespace tether::config
