// The demo's promise, end to end, with real processes: the built `tether` binary in front of real
// `tether-demo-app` backends, which keep login sessions in their own memory (a request that
// reaches another app is answered "401 not logged in"). One scenario walks through an operator's
// day: 1,000 logins; scale out 3 -> 4 with POST /reload; drain b until it is empty and remove it;
// SIGKILL c; restart c. Every step checks, user by user, that exactly the sessions that had to be
// lost were lost: only c's users are ever logged out, nobody else moves, nobody flaps back.
//
// Everything runs on 127.0.0.1: tether and its admin API on free ports, the apps on port 0 (each
// prints the port it got). Every wait is bounded; every process is stopped by its pid (and a
// failing REQUIRE still kills and reaps it, through ChildProcess's destructor).
#include <catch2/catch.hpp>

#include <signal.h>

#include <algorithm>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "tests/support/child_process.h"
#include "tests/support/http_message.h"
#include "tests/support/socket_util.h"
#include "tests/support/test_client.h"

#ifndef TETHER_BINARY
#error "TETHER_BINARY must be defined by CMake as the path of the built tether executable"
#endif
#ifndef TETHER_DEMO_APP_BINARY
#error "TETHER_DEMO_APP_BINARY must be defined by CMake as the path of the built tether-demo-app"
#endif

namespace tether::test {
namespace {

using namespace std::chrono_literals;

// ------------------------------------------------------------------------------------------------
// A minimal JSON reader for the admin API's answers (RFC 8259 values; numbers as double).
// ------------------------------------------------------------------------------------------------

struct Json {
  enum class Type { Null = 0, Bool, Number, String, Array, Object };
  Type type = Type::Null;
  bool boolean = false;
  double number = 0;
  std::string string;
  std::vector<Json> items;                           // Array
  std::vector<std::pair<std::string, Json>> fields;  // Object, in document order

  bool isNull() const { return type == Type::Null; }
  bool isString() const { return type == Type::String; }
  bool isNumber() const { return type == Type::Number; }
  // The member `key` of an object, or nullptr (also when this is not an object).
  const Json* get(std::string_view key) const {
    if (type != Type::Object) return nullptr;
    for (const auto& [k, v] : fields) {
      if (k == key) return &v;
    }
    return nullptr;
  }
  // The string member `key`, or "" when absent or not a string.
  std::string str(std::string_view key) const {
    const Json* v = get(key);
    return v && v->isString() ? v->string : std::string();
  }
  // The numeric member `key`, or nullopt.
  std::optional<double> num(std::string_view key) const {
    const Json* v = get(key);
    if (!v || !v->isNumber()) return std::nullopt;
    return v->number;
  }
};

class JsonReader {
public:
  explicit JsonReader(std::string_view text) : s_(text) {}

  std::optional<Json> document() {
    Json v;
    if (!value(v, 0)) return std::nullopt;
    ws();
    if (i_ != s_.size()) return std::nullopt;
    return v;
  }

private:
  static constexpr int kMaxDepth = 32;

  void ws() {
    while (i_ < s_.size() && std::string_view(" \t\n\r").find(s_[i_]) != std::string_view::npos) {
      ++i_;
    }
  }
  bool literal(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }
  bool value(Json& out, int depth) {
    if (depth > kMaxDepth) return false;
    ws();
    if (i_ >= s_.size()) return false;
    const char c = s_[i_];
    if (c == '{') return object(out, depth);
    if (c == '[') return array(out, depth);
    if (c == '"') {
      out.type = Json::Type::String;
      return string(out.string);
    }
    if (literal("null")) {
      out.type = Json::Type::Null;
      return true;
    }
    if (literal("true") || literal("false")) {
      out.type = Json::Type::Bool;
      out.boolean = s_[i_ - 2] == 'u';  // "tru|e" vs "fals|e"
      return true;
    }
    return number(out);
  }
  bool object(Json& out, int depth) {
    out.type = Json::Type::Object;
    ++i_;  // '{'
    ws();
    if (i_ < s_.size() && s_[i_] == '}') {
      ++i_;
      return true;
    }
    for (;;) {
      ws();
      std::string key;
      if (i_ >= s_.size() || s_[i_] != '"' || !string(key)) return false;
      ws();
      if (i_ >= s_.size() || s_[i_] != ':') return false;
      ++i_;
      Json v;
      if (!value(v, depth + 1)) return false;
      out.fields.emplace_back(std::move(key), std::move(v));
      ws();
      if (i_ >= s_.size()) return false;
      if (s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (s_[i_] != '}') return false;
      ++i_;
      return true;
    }
  }
  bool array(Json& out, int depth) {
    out.type = Json::Type::Array;
    ++i_;  // '['
    ws();
    if (i_ < s_.size() && s_[i_] == ']') {
      ++i_;
      return true;
    }
    for (;;) {
      Json v;
      if (!value(v, depth + 1)) return false;
      out.items.push_back(std::move(v));
      ws();
      if (i_ >= s_.size()) return false;
      if (s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (s_[i_] != ']') return false;
      ++i_;
      return true;
    }
  }
  static void appendUtf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }
  bool hex4(uint32_t& out) {
    if (i_ + 4 > s_.size()) return false;
    out = 0;
    for (int k = 0; k < 4; ++k) {
      const char h = s_[i_++];
      out <<= 4;
      if (h >= '0' && h <= '9') out |= static_cast<uint32_t>(h - '0');
      else if (h >= 'a' && h <= 'f') out |= static_cast<uint32_t>(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F') out |= static_cast<uint32_t>(h - 'A' + 10);
      else return false;
    }
    return true;
  }
  bool string(std::string& out) {
    ++i_;  // '"'
    while (i_ < s_.size()) {
      const char c = s_[i_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return false;
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (i_ >= s_.size()) return false;
      const char e = s_[i_++];
      switch (e) {
      case '"': out.push_back('"'); break;
      case '\\': out.push_back('\\'); break;
      case '/': out.push_back('/'); break;
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 't': out.push_back('\t'); break;
      case 'u': {
        uint32_t cp = 0;
        if (!hex4(cp)) return false;
        if (cp >= 0xD800 && cp < 0xDC00 && s_.substr(i_, 2) == "\\u") {
          i_ += 2;
          uint32_t lo = 0;
          if (!hex4(lo) || lo < 0xDC00 || lo > 0xDFFF) return false;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        }
        appendUtf8(out, cp);
        break;
      }
      default: return false;
      }
    }
    return false;
  }
  bool number(Json& out) {
    const size_t start = i_;
    if (i_ < s_.size() && s_[i_] == '-') ++i_;
    auto digits = [&] {
      const size_t from = i_;
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
      return i_ > from;
    };
    if (!digits()) return false;
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      if (!digits()) return false;
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (!digits()) return false;
    }
    out.type = Json::Type::Number;
    out.number = std::stod(std::string(s_.substr(start, i_ - start)));
    return true;
  }

  std::string_view s_;
  size_t i_ = 0;
};

std::optional<Json> parseJson(std::string_view text) { return JsonReader(text).document(); }

TEST_CASE("Scenario JSON reader: values and nesting and escapes and malformed input",
          "[scenario][json]") {
  auto j = parseJson(
      R"( {"version":3,"ok":true,"x":null,"s":"a\"b\u00e9","list":[1,-2.5e1,{"k":[]}]} )");
  REQUIRE(j);
  CHECK(j->num("version") == 3);
  CHECK(j->get("ok")->boolean);
  CHECK(j->get("x")->isNull());
  CHECK(j->str("s") == "a\"b\xC3\xA9");
  REQUIRE(j->get("list")->items.size() == 3);
  CHECK(j->get("list")->items[1].number == -25);
  CHECK(j->get("list")->items[2].get("k")->items.empty());
  CHECK_FALSE(j->get("missing"));
  for (const char* bad : {"", "{", "{\"a\":}", "[1,]", "{\"a\":1}x", "\"\x01\"", "01x", "tru"}) {
    INFO(bad);
    CHECK_FALSE(parseJson(bad));
  }
}

// ------------------------------------------------------------------------------------------------
// Processes: the demo apps and tether.
// ------------------------------------------------------------------------------------------------

constexpr Millis kStartTimeout = 5s;
constexpr Millis kExitTimeout = 5s;

// One tether-demo-app process. Started on port 0 the first time; restart() reuses its port.
struct DemoApp {
  std::string name;
  uint16_t port = 0;
  std::unique_ptr<ChildProcess> proc;
  std::string out_path;
  std::string err_path;
};

// Starts `app` (port 0 = any) and waits for its "NAME listening on 127.0.0.1:PORT" line.
// Returns "" or what went wrong.
std::string startApp(const TempDir& dir, DemoApp& app, int generation) {
  const std::string base = dir.path() + "/" + app.name + "." + std::to_string(generation);
  app.out_path = base + ".out";
  app.err_path = base + ".err";
  app.proc = std::make_unique<ChildProcess>(
      std::vector<std::string>{TETHER_DEMO_APP_BINARY, "--name", app.name, "--listen",
                               "127.0.0.1:" + std::to_string(app.port)},
      app.out_path, app.err_path);
  if (app.proc->pid() <= 0) return app.proc->spawnError();
  const std::string prefix = app.name + " listening on 127.0.0.1:";
  const auto deadline = Clock::now() + kStartTimeout;
  while (Clock::now() < deadline) {
    const std::string out = readFile(app.out_path);
    if (out.rfind(prefix, 0) == 0 && out.find('\n') != std::string::npos) {
      const int port = std::stoi(out.substr(prefix.size()));
      if (app.port != 0 && port != app.port) return "restarted on another port: " + out;
      app.port = static_cast<uint16_t>(port);
      return {};
    }
    if (!app.proc->running()) {
      return app.name + " exited early: " + readFile(app.err_path) + out;
    }
    std::this_thread::sleep_for(10ms);  // pacing a bounded readiness poll
  }
  return app.name + " printed no listening line within 5 s";
}

// The scenario's config: the demo's routing (ring + bounded loads, learned DEMOSESSION, stick
// table, affinity cookie) plus health checks, the admin API and retries.
std::string scenarioConfig(uint16_t listen_port, uint16_t admin_port,
                           const std::vector<const DemoApp*>& backends) {
  std::ostringstream y;
  y << "listen: [\"127.0.0.1:" << listen_port << "\"]\n"
    << "workers: 2\n"
    << "backends:\n";
  for (const DemoApp* b : backends) {
    y << "  - {name: " << b->name << ", address: \"127.0.0.1:" << b->port << "\"}\n";
  }
  y << "routing:\n"
       "  strategy: ring\n"
       "  balance_factor: 1.25\n"
       "  key:\n"
       "    - cookie: DEMOSESSION\n"
       "  on_missing_key: assign\n"
       "  learn_cookie: DEMOSESSION\n"
       "  stick_table: { size: 100000, idle_ttl: 30m }\n"
       "  affinity_cookie:\n"
       "    name: tether_affinity\n"
       "    ttl: 8h\n"
       "    idle_ttl: 30m\n"
       "    secrets: [\"scenario-secret-0123456789abcdef\"]\n"
       "health:\n"
       "  active: { type: http, path: /health, interval: 200ms, timeout: 150ms,\n"
       "            rise: 2, fall: 2 }\n"
       // Short ejections: a restarted backend must not wait out the 10 s default.
       "  passive: { consecutive_failures: 3, eject_for: 1s, max_eject_for: 2s }\n"
       "admin:\n"
       "  listen: \"127.0.0.1:" << admin_port << "\"\n"
    << "upstream:\n"
       "  retries: 2\n"
       "timeouts:\n"
       "  connect: 1s\n"
       "  graceful_shutdown: 1s\n"
       "logging:\n"
       "  level: info\n"
       "  access_log: stdout\n";
  return y.str();
}

// The last `n` bytes of a file, for failure messages.
std::string tailOf(const std::string& path, size_t n = 3000) {
  const std::string s = readFile(path);
  return s.size() <= n ? s : "..." + s.substr(s.size() - n);
}

// ------------------------------------------------------------------------------------------------
// The admin API.
// ------------------------------------------------------------------------------------------------

struct AdminReply {
  int status = 0;          // 0: no response (error says why)
  std::string body;
  std::optional<Json> json;
  std::string error;
  std::string describe(const std::string& request) const {
    return request + " -> " +
           (status ? std::to_string(status) + " " + body : "no response: " + error);
  }
};

AdminReply admin(uint16_t port, std::string_view method, std::string_view path) {
  AdminReply out;
  TestClient c(port, ClientOptions{0, 1000ms});
  if (!c.connected()) {
    out.error = c.lastError();
    return out;
  }
  HeaderList headers{{"Host", "127.0.0.1:" + std::to_string(port)}, {"Connection", "close"}};
  if (method == "POST") headers.add("Content-Length", "0");
  auto r = c.roundTrip(buildRequest(method, path, headers), 3000ms);
  if (!r || !r->complete) {
    out.error = c.lastError().empty() ? "incomplete response" : c.lastError();
    return out;
  }
  out.status = r->status;
  out.body = r->body;
  out.json = parseJson(r->body);
  return out;
}

// The backend called `name` in a GET /status document, or nullptr.
const Json* statusBackend(const Json& status, std::string_view name) {
  const Json* list = status.get("backends");
  if (!list) return nullptr;
  for (const Json& b : list->items) {
    if (b.str("name") == name) return &b;
  }
  return nullptr;
}

// Polls GET /status until `ok(document)` holds, for at most `timeout`. The last answer is left in
// `last` for the failure message.
bool pollStatus(uint16_t admin_port, Millis timeout, const std::function<bool(const Json&)>& ok,
                AdminReply& last) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    last = admin(admin_port, "GET", "/status");
    if (last.status == 200 && last.json && ok(*last.json)) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(50ms);  // pacing a bounded poll of the control plane
  }
}

std::function<bool(const Json&)> backendInState(std::string name, std::string state) {
  return [name = std::move(name), state = std::move(state)](const Json& doc) {
    const Json* b = statusBackend(doc, name);
    return b && b->str("state") == state;
  };
}

// ------------------------------------------------------------------------------------------------
// Users: a cookie jar each, over a few keep-alive connections to tether.
// ------------------------------------------------------------------------------------------------

struct User {
  std::string name;
  std::map<std::string, std::string> jar;  // cookie name -> value
  std::string backend;                     // where the session lives (X-Backend at login)
  bool logged_in = false;
  bool logged_out_voluntarily = false;     // step 3: b's users log out
};

struct Reply {
  int status = 0;  // 0: transport failure (error says why)
  std::string backend;
  std::string body;
  std::string error;
};

// Applies one Set-Cookie field to a jar: sets name=value, or deletes it (empty value, Max-Age<=0).
void applySetCookie(std::map<std::string, std::string>& jar, std::string_view field) {
  const size_t semi = field.find(';');
  const std::string_view pair = trim(field.substr(0, semi));
  const size_t eq = pair.find('=');
  if (eq == std::string_view::npos || eq == 0) return;
  const std::string name(trim(pair.substr(0, eq)));
  const std::string value(trim(pair.substr(eq + 1)));
  bool expire = value.empty();
  if (semi != std::string_view::npos) {
    std::string_view attrs = field.substr(semi + 1);
    while (!attrs.empty()) {
      const size_t next = attrs.find(';');
      const std::string_view attr = trim(attrs.substr(0, next));
      attrs = next == std::string_view::npos ? std::string_view{} : attrs.substr(next + 1);
      if (attr.size() > 8 && equalsIgnoreCase(attr.substr(0, 8), "max-age=")) {
        const std::string_view age = attr.substr(8);
        if (age.empty() || age[0] == '-' || age == "0") expire = true;
      }
    }
  }
  if (expire) {
    jar.erase(name);
  } else {
    jar[name] = value;
  }
}

// A handful of keep-alive connections to tether, reconnected when tether closes one (it closes
// after every error response).
class Browser {
public:
  static constexpr size_t kConnections = 4;

  explicit Browser(uint16_t port) : port_(port), conns_(kConnections) {}

  // One request as `user` on connection `slot`: sends the jar's cookies, applies Set-Cookie.
  Reply request(User& user, size_t slot, const std::string& target) {
    Reply out;
    auto& conn = conns_[slot % conns_.size()];
    if (!conn || !conn->connected() || conn->peerClosed()) {
      conn.emplace(port_, ClientOptions{0, 2000ms});
      if (!conn->connected()) {
        out.error = conn->lastError();
        conn.reset();
        return out;
      }
    }
    HeaderList headers;
    if (!user.jar.empty()) {
      std::string cookie;
      for (const auto& [k, v] : user.jar) {
        if (!cookie.empty()) cookie += "; ";
        cookie += k + "=" + v;
      }
      headers.add("Cookie", cookie);
    }
    auto r = conn->roundTrip(buildRequest("GET", target, headers), 3000ms);
    if (!r || !r->complete) {
      out.error = conn->lastError().empty() ? "incomplete response" : conn->lastError();
      conn.reset();
      return out;
    }
    out.status = r->status;
    out.backend = r->headers.get("X-Backend").value_or("");
    out.body = r->body;
    for (const auto& field : r->headers.getAll("Set-Cookie")) applySetCookie(user.jar, field);
    if (r->headers.hasToken("Connection", "close") || r->close_delimited) conn.reset();
    ++requests_;
    return out;
  }

  size_t requests() const { return requests_; }

private:
  uint16_t port_;
  std::vector<std::optional<TestClient>> conns_;
  size_t requests_ = 0;
};

std::string describe(const User& u, const std::string& target, const Reply& r) {
  std::ostringstream s;
  s << u.name << " GET " << target << " (session on " << (u.backend.empty() ? "-" : u.backend)
    << ") -> ";
  if (r.status == 0) {
    s << "no response: " << r.error;
  } else {
    std::string body = r.body;
    if (!body.empty() && body.back() == '\n') body.pop_back();
    s << r.status << " X-Backend=" << (r.backend.empty() ? "(none)" : r.backend) << " \"" << body
      << "\"";
  }
  return s.str();
}

// Problems found in one pass; reported together, first few verbatim.
class Problems {
public:
  explicit Problems(std::string step) : step_(std::move(step)) {}
  void add(std::string what) {
    ++count_;
    if (examples_.size() < 12) examples_.push_back(std::move(what));
  }
  size_t count() const { return count_; }
  // Too many transport failures mean tether or the apps are gone: stop instead of timing out
  // on every remaining user.
  bool hopeless() const { return count_ >= 50; }
  std::string report() const {
    std::ostringstream s;
    s << step_ << ": " << count_ << " problem(s)";
    for (const auto& e : examples_) s << "\n  " << e;
    return s.str();
  }

private:
  std::string step_;
  size_t count_ = 0;
  std::vector<std::string> examples_;
};

std::string userName(size_t i) { return "u" + std::to_string(i); }

TEST_CASE("Demo scenario: 1000 in-memory sessions through scale-out and drain and crash and "
          "restart",
          "[scenario][integration]") {
  const auto started = Clock::now();
  auto elapsedMs = [&] {
    return std::chrono::duration_cast<Millis>(Clock::now() - started).count();
  };
  TempDir dir;
  REQUIRE_FALSE(dir.path().empty());

  // ---- Step 1: backends a, b, c; tether; 1,000 logins. ---------------------------------------
  std::map<std::string, DemoApp> apps;
  for (const char* name : {"a", "b", "c", "d"}) apps[name].name = name;
  for (const char* name : {"a", "b", "c"}) {
    const std::string err = startApp(dir, apps[name], 0);
    INFO(err);
    REQUIRE(err.empty());
  }
  const uint16_t listen_port = freePort();
  const uint16_t admin_port = freePort();
  REQUIRE(listen_port != 0);
  REQUIRE(admin_port != 0);
  REQUIRE(listen_port != admin_port);
  const std::string config_path = dir.path() + "/tether.yaml";
  auto writeConfig = [&](const std::vector<std::string>& names) {
    std::vector<const DemoApp*> list;
    for (const auto& n : names) list.push_back(&apps[n]);
    // Written whole to a temporary file and renamed over the config: a reload never reads half.
    const std::string tmp =
        dir.write("tether.yaml.new", scenarioConfig(listen_port, admin_port, list));
    REQUIRE(std::rename(tmp.c_str(), config_path.c_str()) == 0);
  };
  writeConfig({"a", "b", "c"});
  const std::string tether_out = dir.path() + "/tether.out";
  const std::string tether_err = dir.path() + "/tether.err";
  {
    ChildProcess check({TETHER_BINARY, "--check", config_path}, dir.path() + "/check.out",
                       dir.path() + "/check.err");
    const auto status = check.waitExit(kExitTimeout);
    INFO("tether --check: " << readFile(dir.path() + "/check.out")
                            << readFile(dir.path() + "/check.err"));
    REQUIRE(status);
    REQUIRE(ChildProcess::exitedWith(*status, 0));
  }
  ChildProcess tether({TETHER_BINARY, "--config", config_path}, tether_out, tether_err);
  {
    INFO(tether.spawnError());
    REQUIRE(tether.pid() > 0);
  }

  // Ready when the admin API answers and every backend has passed its health checks.
  {
    AdminReply last;
    const bool ready = pollStatus(admin_port, kStartTimeout, [](const Json& doc) {
      for (const char* n : {"a", "b", "c"}) {
        const Json* b = statusBackend(doc, n);
        if (!b || b->str("state") != "ready") return false;
      }
      return true;
    }, last);
    INFO(last.describe("GET /status") << "\ntether stderr: " << tailOf(tether_err));
    REQUIRE(tether.running());
    REQUIRE(ready);
  }
  REQUIRE(TestClient(listen_port, ClientOptions{0, 1000ms}).connected());

  Browser browser(listen_port);
  std::vector<User> users;
  std::set<std::string> ever_logged_out;  // involuntarily: a /whoami answered "not logged in"
  std::vector<std::string> timeline;      // step durations for the final summary
  auto mark = [&](const std::string& what) {
    timeline.push_back(what + " at " + std::to_string(elapsedMs()) + " ms");
  };

  // Logs users [from, to) in; each must land on a backend that is in `allowed`.
  auto loginNew = [&](size_t from, size_t to, const std::set<std::string>& allowed,
                      const std::string& step) {
    Problems p(step);
    std::map<std::string, int> placed;
    for (size_t i = from; i < to && !p.hopeless(); ++i) {
      User u;
      u.name = userName(i);
      const std::string target = "/login?user=" + u.name;
      const Reply r = browser.request(u, i, target);
      if (r.status != 200 || r.body != "logged in as " + u.name + " on " + r.backend + "\n") {
        p.add(describe(u, target, r));
      } else if (!allowed.count(r.backend)) {
        p.add(describe(u, target, r) + " (a backend that may not take new sessions)");
      } else if (!u.jar.count("DEMOSESSION") || !u.jar.count("tether_affinity")) {
        p.add(describe(u, target, r) + " (missing DEMOSESSION or tether_affinity Set-Cookie)");
      }
      if (r.status == 200) {
        u.backend = r.backend;
        u.logged_in = true;
        ++placed[r.backend];
      }
      users.push_back(std::move(u));
    }
    INFO(p.report());
    CHECK(p.count() == 0);
    return placed;
  };

  // Every user (optionally only those matching `which`) asks /whoami. A user still logged in must
  // be answered 200 "NAME on BACKEND" by the backend that holds the session. A user whose backend
  // lost the session (`lost` says whose) must be answered 401 "not logged in" by a live backend,
  // which then becomes where the user is bound. Users who logged out themselves must get 401 and
  // never a 5xx. Anyone answered "not logged in" unexpectedly is recorded in ever_logged_out too.
  auto whoamiAll = [&](const std::string& step, const std::set<std::string>& dead,
                       const std::function<bool(const User&)>& lost) {
    Problems p(step);
    for (size_t i = 0; i < users.size() && !p.hopeless(); ++i) {
      User& u = users[i];
      const Reply r = browser.request(u, i, "/whoami");
      const bool answered_by_app = r.status == 200 || r.status == 401;
      if (!answered_by_app || r.backend.empty() || dead.count(r.backend)) {
        p.add(describe(u, "/whoami", r) + " (want an answer from a live backend)");
        continue;
      }
      if (u.logged_out_voluntarily) {
        if (r.status != 401) p.add(describe(u, "/whoami", r) + " (logged out earlier)");
        continue;
      }
      if (r.status == 401) {
        if (u.logged_in) ever_logged_out.insert(u.name);
        if (r.body != "not logged in on " + r.backend + "\n") p.add(describe(u, "/whoami", r));
        if (u.logged_in && !lost(u)) p.add(describe(u, "/whoami", r) + " (session lost)");
        if (!u.logged_in && r.backend != u.backend) {
          p.add(describe(u, "/whoami", r) + " (re-placed user moved again)");
        }
        u.logged_in = false;
        u.backend = r.backend;  // re-placed: bound here now
        continue;
      }
      // 200
      if (!u.logged_in) {
        p.add(describe(u, "/whoami", r) + " (logged out, yet answered as logged in)");
      } else if (r.backend != u.backend || r.body != u.name + " on " + u.backend + "\n") {
        p.add(describe(u, "/whoami", r) + " (moved)");
      } else if (lost(u)) {
        p.add(describe(u, "/whoami", r) + " (expected this session to be lost)");
      }
    }
    INFO(p.report() << "\ntether stderr: " << tailOf(tether_err, 1500));
    CHECK(p.count() == 0);
  };
  const auto nobodyLost = [](const User&) { return false; };
  auto countByBackend = [&] {
    std::map<std::string, int> m;
    for (const User& u : users) {
      if (u.logged_in) ++m[u.backend];
    }
    return m;
  };
  auto show = [](const std::map<std::string, int>& m) {
    std::ostringstream s;
    for (const auto& [k, v] : m) s << k << "=" << v << " ";
    return s.str();
  };

  const auto initial = loginNew(0, 1000, {"a", "b", "c"}, "step 1: 1,000 logins on a, b, c");
  mark("step 1 (1,000 logins)");
  CHECK(initial.size() == 3);
  for (const auto& [name, n] : initial) {
    INFO(name << " got " << n << " of 1,000 (balance_factor 1.25 caps a backend near 417)");
    CHECK(n >= 150);
    CHECK(n <= 430);
  }

  // ---- Step 2: scale out to a, b, c, d with POST /reload. -------------------------------------
  int version = 0;
  auto reload = [&](const std::string& what) {
    const AdminReply r = admin(admin_port, "POST", "/reload");
    INFO(what << ": " << r.describe("POST /reload")
              << "\ntether stderr: " << tailOf(tether_err, 1500));
    REQUIRE(r.status == 200);
    REQUIRE(r.json);
    CHECK(r.json->str("result") == "ok");
    const auto v = r.json->num("version");
    REQUIRE(v);
    CHECK(static_cast<int>(*v) > version);
    version = static_cast<int>(*v);
  };
  {
    const AdminReply r = admin(admin_port, "GET", "/status");
    REQUIRE(r.json);
    version = static_cast<int>(r.json->num("version").value_or(0));
  }
  {
    const std::string err = startApp(dir, apps["d"], 0);
    INFO(err);
    REQUIRE(err.empty());
  }
  writeConfig({"a", "b", "c", "d"});
  reload("scale out 3 -> 4");
  {
    AdminReply last;
    const bool d_ready = pollStatus(admin_port, 5s, backendInState("d", "ready"), last);
    INFO(last.describe("GET /status"));
    REQUIRE(d_ready);
    const Json* reloads = last.json->get("reloads");
    REQUIRE(reloads);
    CHECK(reloads->num("ok").value_or(0) >= 1);
    CHECK(reloads->num("failed") == 0);
  }
  whoamiAll("step 2: every user after adding d", {}, nobodyLost);
  const auto scaled = loginNew(1000, 1300, {"a", "b", "c", "d"}, "step 2: 300 new users");
  {
    INFO("300 new users after adding d: " << show(scaled));
    CHECK(scaled.count("d"));
  }
  whoamiAll("step 2: every user after 300 more logins (nobody moved)", {}, nobodyLost);
  mark("step 2 (scale out, 300 logins)");

  // ---- Step 3: drain b until its sessions are gone, then remove it. -----------------------------
  {
    const AdminReply r = admin(admin_port, "POST", "/backends/b/drain");
    INFO(r.describe("POST /backends/b/drain"));
    REQUIRE(r.status == 200);
    REQUIRE(r.json);
    CHECK(r.json->str("backend") == "b");
    CHECK(r.json->str("state") == "draining");
  }
  {
    const AdminReply r = admin(admin_port, "POST", "/backends/nosuch/drain");
    INFO(r.describe("POST /backends/nosuch/drain"));
    CHECK(r.status == 404);
    CHECK((r.json && r.json->get("error") && r.json->get("error")->isString()));
  }
  {
    // b's users still reach b, still logged in.
    Problems p("step 3: b's users while b drains");
    for (size_t i = 0; i < users.size() && !p.hopeless(); ++i) {
      User& u = users[i];
      if (u.backend != "b") continue;
      const Reply r = browser.request(u, i, "/whoami");
      if (r.status != 200 || r.backend != "b" || r.body != u.name + " on b\n") {
        p.add(describe(u, "/whoami", r));
      }
    }
    INFO(p.report());
    CHECK(p.count() == 0);
  }
  const auto during_drain =
      loginNew(1300, 1400, {"a", "c", "d"}, "step 3: 100 new users while b drains");
  {
    // b's users log out: the app ends each session and expires DEMOSESSION.
    Problems p("step 3: b's users log out");
    for (size_t i = 0; i < users.size() && !p.hopeless(); ++i) {
      User& u = users[i];
      if (u.backend != "b") continue;
      const Reply r = browser.request(u, i, "/logout");
      if (r.status != 200 || r.backend != "b" || r.body != "logged out on b\n") {
        p.add(describe(u, "/logout", r));
      } else if (u.jar.count("DEMOSESSION")) {
        p.add(describe(u, "/logout", r) + " (DEMOSESSION not expired)");
      }
      u.logged_in = false;
      u.logged_out_voluntarily = true;
    }
    INFO(p.report());
    CHECK(p.count() == 0);
  }
  {
    AdminReply last;
    const bool empty = pollStatus(admin_port, 10s, [](const Json& doc) {
      const Json* b = statusBackend(doc, "b");
      const Json* drain = b ? b->get("drain") : nullptr;
      const Json* since = drain ? drain->get("empty_since") : nullptr;
      return drain && drain->num("bound_sessions_left") == 0 && since && since->isString();
    }, last);
    INFO(last.describe("GET /status") << "\n(waiting for b's drain.bound_sessions_left == 0 and "
                                         "drain.empty_since non-null)");
    const Json* b = last.json ? statusBackend(*last.json, "b") : nullptr;
    CHECK((b && b->str("state") == "draining"));
    CHECK(empty);  // not REQUIRE: the rest of the scenario still says something useful
  }
  writeConfig({"a", "c", "d"});
  reload("remove drained b");
  {
    AdminReply last;
    const bool gone = pollStatus(admin_port, 3s, [](const Json& doc) {
      return statusBackend(doc, "a") && !statusBackend(doc, "b");
    }, last);
    INFO(last.describe("GET /status"));
    CHECK(gone);
  }
  apps["b"].proc->signal(SIGTERM);
  {
    const auto status = apps["b"].proc->waitExit(kExitTimeout);
    REQUIRE(status);
    CHECK(ChildProcess::exitedWith(*status, 0));
  }
  whoamiAll("step 3: every user after removing b", {"b"}, nobodyLost);
  mark("step 3 (drain b, logouts, remove b)");

  // ---- Step 4: SIGKILL c. -----------------------------------------------------------------------
  std::set<std::string> c_users;
  for (const User& u : users) {
    if (u.logged_in && u.backend == "c") c_users.insert(u.name);
  }
  REQUIRE_FALSE(c_users.empty());
  const auto before_crash = countByBackend();
  REQUIRE(apps["c"].proc->signal(SIGKILL));
  REQUIRE(apps["c"].proc->waitExit(kExitTimeout));
  // At once, before health checks notice: retries must skip the dead backend.
  auto cLost = [&](const User& u) { return c_users.count(u.name) > 0; };
  whoamiAll("step 4: every user right after SIGKILL of c", {"c"}, cLost);
  {
    AdminReply last;
    const bool down = pollStatus(admin_port, 5s, backendInState("c", "down"), last);
    INFO(last.describe("GET /status"));
    CHECK(down);
  }
  // Once c is down: everyone stays where they are now (c's users on their new backend).
  whoamiAll("step 4: every user once c is down", {"c"}, cLost);
  mark("step 4 (SIGKILL c)");
  {
    size_t not_lost = 0;
    for (const User& u : users) {
      if (c_users.count(u.name) && u.logged_in) ++not_lost;
    }
    CHECK(not_lost == 0);
  }

  // ---- Step 5: restart c on its port; c's former users log in again. ----------------------------
  {
    const std::string err = startApp(dir, apps["c"], 1);
    INFO(err);
    REQUIRE(err.empty());
    AdminReply last;
    const bool ready = pollStatus(admin_port, 8s, backendInState("c", "ready"), last);
    INFO(last.describe("GET /status") << "\ntether stderr: " << tailOf(tether_err, 1500));
    REQUIRE(ready);
  }
  {
    Problems p("step 5: c's former users log in again");
    for (size_t i = 0; i < users.size() && !p.hopeless(); ++i) {
      User& u = users[i];
      if (!c_users.count(u.name)) continue;
      const std::string target = "/login?user=" + u.name;
      const Reply r = browser.request(u, i, target);
      if (r.status != 200 || r.body != "logged in as " + u.name + " on " + r.backend + "\n") {
        p.add(describe(u, target, r));
        continue;
      }
      if (r.backend != u.backend) {
        p.add(describe(u, target, r) + " (not on the backend it was re-bound to)");
      }
      if (r.backend == "c") p.add(describe(u, target, r) + " (flapped back to c)");
      u.backend = r.backend;
      u.logged_in = true;
    }
    INFO(p.report());
    CHECK(p.count() == 0);
  }
  const auto after_restart =
      loginNew(1400, 1500, {"a", "c", "d"}, "step 5: 100 new users after c is back");
  whoamiAll("step 5: every user after c's restart", {"b"}, nobodyLost);
  {
    size_t back_on_c = 0;
    for (const User& u : users) {
      if (c_users.count(u.name) && u.backend == "c") ++back_on_c;
    }
    CHECK(back_on_c == 0);
  }
  mark("step 5 (restart c, re-logins)");

  // ---- Step 6: exactly c's users were ever logged out. ------------------------------------------
  {
    std::vector<std::string> unexpected;
    std::vector<std::string> missing;
    std::set_difference(ever_logged_out.begin(), ever_logged_out.end(), c_users.begin(),
                        c_users.end(), std::back_inserter(unexpected));
    std::set_difference(c_users.begin(), c_users.end(), ever_logged_out.begin(),
                        ever_logged_out.end(), std::back_inserter(missing));
    std::ostringstream first;
    for (size_t i = 0; i < std::min<size_t>(unexpected.size(), 10); ++i) {
      first << unexpected[i] << " ";
    }
    INFO("logged out but not c's: " << first.str());
    CHECK(unexpected.empty());
    CHECK(missing.empty());
    CHECK(ever_logged_out == c_users);
  }

  std::ostringstream summary;
  summary << "demo scenario: " << users.size() << " users, " << browser.requests()
          << " requests through tether in " << elapsedMs() << " ms\n"
          << "  step 1 logins: " << show(initial) << "\n"
          << "  step 2 new users after adding d: " << show(scaled) << "\n"
          << "  step 3 new users while b drained: " << show(during_drain) << "\n"
          << "  logged-in users per backend before c was killed: " << show(before_crash) << "\n"
          << "  users logged out by c's crash: " << ever_logged_out.size() << " (c had "
          << c_users.size() << ")\n"
          << "  step 5 new users after c came back: " << show(after_restart) << "\n"
          << "  final users per backend: " << show(countByBackend()) << "\n";
  for (const auto& t : timeline) summary << "  " << t << "\n";
  WARN(summary.str());

  // ---- Stop everything by pid. ------------------------------------------------------------------
  REQUIRE(tether.signal(SIGTERM));
  {
    const auto status = tether.waitExit(kExitTimeout);
    INFO("tether stderr: " << tailOf(tether_err));
    REQUIRE(status);
    CHECK(ChildProcess::exitedWith(*status, 0));
  }
  for (const char* name : {"a", "c", "d"}) {
    DemoApp& app = apps[name];
    app.proc->signal(SIGTERM);
    const auto status = app.proc->waitExit(kExitTimeout);
    INFO(name << ": " << readFile(app.err_path));
    REQUIRE(status);
    CHECK(ChildProcess::exitedWith(*status, 0));
  }
  CHECK(elapsedMs() < 60000);
}

} // namespace
} // namespace tether::test
