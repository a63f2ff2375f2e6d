#include "health/health_checker.h"

#include <catch2/catch.hpp>
#include <uv.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "health/http_probe.h"

// Every case runs a real libuv loop on the test thread. The backends are TestServers on the SAME
// loop (127.0.0.1, port 0), so there are no threads and no sleeps: a wait is "run the loop until a
// predicate holds", bounded by a deadline timer. Each case ends with Fixture::shutdown(), which
// requires uv_loop_close() == 0, so a handle leaked by the checker fails the case.

using namespace std::chrono_literals;
using tether::config::ActiveHealthConfig;
using tether::health::HealthChecker;
using tether::health::ProbeTarget;
using tether::health::scanStatusLine;
using tether::health::StatusScan;

namespace {

// A tiny HTTP server on the test loop. Answers each request head with `status` (or `raw`), or
// hangs (reads and never answers), or refuses (listener closed; the port stays reserved for
// listenAgain by binding with SO_REUSEADDR, which libuv sets).
class TestServer {
public:
  enum class Mode { Respond = 0, Hang, CloseSilently };

  // `ip` "::1" for IPv6; check listening() when the host may lack it.
  explicit TestServer(uv_loop_t* loop, std::string ip = "127.0.0.1")
      : loop_(loop), ip_(std::move(ip)) {
    listening_ = listenOn(0) == 0;
  }
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;
  ~TestServer() = default;  // after close() and a drained loop (Fixture::shutdown)

  bool listening() const { return listening_; }
  uint16_t port() const { return port_; }
  void setMode(Mode m) { mode_ = m; }
  void setStatus(int status) { status_ = status; }
  void setRaw(std::string raw) { raw_ = std::move(raw); }  // replaces the generated response

  void refuse() { closeListener(); }
  void listenAgain() { REQUIRE(listenOn(port_) == 0); }
  void close() {
    closeListener();
    for (Conn* c : std::set<Conn*>(conns_)) c->close();
  }

  int accepted = 0;     // connections accepted
  int peer_closed = 0;  // connections the prober closed (EOF or reset) before we did
  std::vector<std::string> requests;  // request heads received
  size_t openConns() const { return conns_.size(); }

private:
  struct Listener {
    uv_tcp_t tcp;
    TestServer* server;
  };
  struct Conn {
    uv_tcp_t tcp;
    uv_write_t write;
    TestServer* server;
    std::string in;
    std::string out;
    bool closing = false;
    void close() {
      if (closing) return;
      closing = true;
      uv_close(reinterpret_cast<uv_handle_t*>(&tcp), [](uv_handle_t* h) {
        auto* c = static_cast<Conn*>(h->data);
        c->server->conns_.erase(c);
        delete c;
      });
    }
  };

  int listenOn(uint16_t port) {
    auto* l = new Listener{};
    l->server = this;
    uv_tcp_init(loop_, &l->tcp);
    l->tcp.data = l;
    sockaddr_storage addr{};
    if (ip_.find(':') != std::string::npos) {
      uv_ip6_addr(ip_.c_str(), port, reinterpret_cast<sockaddr_in6*>(&addr));
    } else {
      uv_ip4_addr(ip_.c_str(), port, reinterpret_cast<sockaddr_in*>(&addr));
    }
    int rc = uv_tcp_bind(&l->tcp, reinterpret_cast<const sockaddr*>(&addr), 0);
    if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(&l->tcp), 64, onConnection);
    listener_ = l;
    if (rc != 0) {
      closeListener();
      return rc;
    }
    sockaddr_storage bound{};
    int len = sizeof(bound);
    uv_tcp_getsockname(&l->tcp, reinterpret_cast<sockaddr*>(&bound), &len);
    port_ = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                              : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    return 0;
  }

  void closeListener() {
    if (listener_ == nullptr) return;
    uv_close(reinterpret_cast<uv_handle_t*>(&listener_->tcp),
             [](uv_handle_t* h) { delete static_cast<Listener*>(h->data); });
    listener_ = nullptr;
  }

  static void onConnection(uv_stream_t* stream, int status) {
    auto* l = static_cast<Listener*>(stream->data);
    TestServer* self = l->server;
    if (status < 0 || self->listener_ != l) return;
    auto* c = new Conn{};
    c->server = self;
    uv_tcp_init(self->loop_, &c->tcp);
    c->tcp.data = c;
    c->write.data = c;
    self->conns_.insert(c);
    if (uv_accept(stream, reinterpret_cast<uv_stream_t*>(&c->tcp)) != 0) {
      c->close();
      return;
    }
    ++self->accepted;
    if (self->mode_ == Mode::CloseSilently) {
      c->close();
      return;
    }
    uv_read_start(
        reinterpret_cast<uv_stream_t*>(&c->tcp),
        [](uv_handle_t*, size_t, uv_buf_t* buf) {
          static char scratch[4096];  // single-threaded test loop; copied out in onRead
          *buf = uv_buf_init(scratch, sizeof(scratch));
        },
        onRead);
  }

  static void onRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
    auto* c = static_cast<Conn*>(stream->data);
    TestServer* self = c->server;
    if (nread < 0) {
      ++self->peer_closed;
      c->close();
      return;
    }
    const size_t before = c->in.size();
    c->in.append(buf->base, static_cast<size_t>(nread));
    const size_t end = c->in.find("\r\n\r\n");
    if (end == std::string::npos || before > end) return;  // incomplete, or already handled
    self->requests.push_back(c->in.substr(0, end + 4));
    if (self->mode_ != Mode::Respond) return;  // Hang: keep reading, never answer
    c->out = !self->raw_.empty() ? self->raw_
                                 : "HTTP/1.1 " + std::to_string(self->status_) +
                                       " X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    uv_buf_t out = uv_buf_init(c->out.data(), static_cast<unsigned>(c->out.size()));
    uv_write(&c->write, stream, &out, 1, [](uv_write_t* req, int) {
      static_cast<Conn*>(req->data)->close();
    });
  }

  uv_loop_t* loop_;
  std::string ip_;
  bool listening_ = false;
  Listener* listener_ = nullptr;
  std::set<Conn*> conns_;
  uint16_t port_ = 0;
  Mode mode_ = Mode::Respond;
  int status_ = 200;
  std::string raw_;
};

struct Event {
  std::string name;
  bool up;
  std::string detail;
  HealthChecker::Status status;  // as seen from inside the callback
};

// Owns the loop, the servers and the checker, and tears them down in the order libuv needs: close
// every handle, run the loop until their close callbacks have run, then close the loop.
class Fixture {
public:
  Fixture() {
    REQUIRE(uv_loop_init(&loop_) == 0);
    uv_timer_init(&loop_, &deadline_);
    deadline_.data = this;
    checker_ = std::make_unique<HealthChecker>(
        &loop_,
        [this](const std::string& name, bool up, const std::string& detail) {
          events.push_back(Event{name, up, detail, *checker_->status(name)});
          if (on_event) on_event(events.back());
        },
        /*seed=*/42);
  }
  Fixture(const Fixture&) = delete;
  Fixture& operator=(const Fixture&) = delete;
  ~Fixture() {
    if (!shut_down_) shutdown();  // a failed REQUIRE unwinds through here
  }

  uv_loop_t* loop() { return &loop_; }
  HealthChecker& checker() { return *checker_; }

  TestServer& server(const std::string& ip = "127.0.0.1") {
    servers_.push_back(std::make_unique<TestServer>(&loop_, ip));
    if (ip == "127.0.0.1") REQUIRE(servers_.back()->listening());
    return *servers_.back();
  }

  ProbeTarget target(const std::string& name, const TestServer& s) {
    return ProbeTarget{name, "127.0.0.1", s.port()};
  }

  // Runs the loop until `pred` holds or `limit` passes; returns pred().
  bool runUntil(const std::function<bool()>& pred, std::chrono::milliseconds limit = 3s) {
    expired_ = false;
    uv_timer_start(
        &deadline_, [](uv_timer_t* t) { static_cast<Fixture*>(t->data)->expired_ = true; },
        static_cast<uint64_t>(limit.count()), 0);
    while (!pred() && !expired_) uv_run(&loop_, UV_RUN_ONCE);
    uv_timer_stop(&deadline_);
    return pred();
  }

  void runFor(std::chrono::milliseconds span) {
    runUntil([] { return false; }, span);
  }

  uint64_t probes(const std::string& name) {
    auto s = checker_->status(name);
    return s ? s->probes : 0;
  }

  // Closes the checker (waiting for its `done`), the servers and the deadline, drains the loop
  // and returns uv_loop_close(): 0 means no handle was left open.
  int shutdown() {
    shut_down_ = true;
    bool done = false;
    if (checker_) checker_->close([&done] { done = true; });
    runUntil([&done] { return done; }, 2s);
    checker_closed = done;
    if (done) checker_.reset();
    for (auto& s : servers_) s->close();
    uv_close(reinterpret_cast<uv_handle_t*>(&deadline_), nullptr);
    // Bounded drain: everything left is a close callback or a dying connection.
    for (int i = 0; i < 1000 && uv_run(&loop_, UV_RUN_NOWAIT) != 0; ++i) {
    }
    const int rc = uv_loop_close(&loop_);
    if (rc == 0) servers_.clear();
    return rc;
  }

  std::vector<Event> events;
  std::function<void(const Event&)> on_event;  // runs inside OnChange, after recording
  bool checker_closed = false;

private:
  uv_loop_t loop_;
  uv_timer_t deadline_;
  bool expired_ = false;
  bool shut_down_ = false;
  std::vector<std::unique_ptr<TestServer>> servers_;
  std::unique_ptr<HealthChecker> checker_;
};

// 50 ms apart, 40 ms to answer, no jitter: every wait below is a few hundred ms at most.
ActiveHealthConfig fastCfg(ActiveHealthConfig::Type type = ActiveHealthConfig::Type::Http) {
  ActiveHealthConfig cfg;
  cfg.enabled = true;
  cfg.type = type;
  cfg.path = "/healthz";
  cfg.interval = 50ms;
  cfg.timeout = 40ms;
  cfg.rise = 2;
  cfg.fall = 3;
  cfg.jitter_percent = 0;
  return cfg;
}

} // namespace

TEST_CASE("scanStatusLine reads the final status from the bytes so far", "[health]") {
  using O = StatusScan::Outcome;
  CHECK(scanStatusLine("", false).outcome == O::NeedMore);
  CHECK(scanStatusLine("HTTP/1.1 20", false).outcome == O::NeedMore);
  CHECK(scanStatusLine("HTTP/1.1 200 OK\r", false).outcome == O::NeedMore);
  auto ok = scanStatusLine("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n", false);
  CHECK(ok.outcome == O::Status);
  CHECK(ok.status == 200);
  CHECK(scanStatusLine("HTTP/1.0 503\r\n", false).status == 503);       // no reason phrase
  CHECK(scanStatusLine("HTTP/1.1 204 No Content\n", false).status == 204);  // bare LF
  CHECK(scanStatusLine("HTTP/1.1 302", true).status == 302);            // cut by EOF
  // 1xx interim heads are skipped; the final status follows the empty line.
  CHECK(scanStatusLine("HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n", false).outcome ==
        O::NeedMore);
  CHECK(scanStatusLine("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 NF\r\n", false).status == 404);
  for (const char* bad : {"SSH-2.0-OpenSSH_9.2\r\n", "HTTP/2 200\r\n", "HTTP/1.1 20x\r\n",
                          "HTTP/1.1 2000\r\n", "HTTP/1.1 099 X\r\n", "\x16\x03\x01\x02\r\n"}) {
    INFO(bad);
    CHECK(scanStatusLine(bad, false).outcome == O::Invalid);
  }
  CHECK(scanStatusLine("HTTP/1.1 100 Continue\r\n", true).outcome == O::Invalid);
}

TEST_CASE("HealthChecker http probe passes on a 200 and sends the documented request",
          "[health]") {
  // Given a backend answering 200, expect probes every interval, up, no transition reported.
  Fixture fx;
  TestServer& s = fx.server();
  ActiveHealthConfig cfg = fastCfg();
  std::string host = "127.0.0.1:" + std::to_string(s.port());
  SECTION("Host defaults to ip:port") {}
  SECTION("Host from the config") {
    cfg.host = "svc.internal";
    host = "svc.internal";
  }
  fx.checker().reconcile(cfg, {fx.target("a", s)});
  REQUIRE(fx.runUntil([&] { return fx.probes("a") >= 2; }));
  auto st = fx.checker().status("a");
  REQUIRE(st);
  CHECK(st->up);
  CHECK(st->consecutive_ok >= 2);
  CHECK(st->consecutive_fail == 0);
  CHECK(st->last_detail == "ok (status 200)");
  CHECK(st->last_probe_ms > 0);
  CHECK(fx.events.empty());
  REQUIRE(!s.requests.empty());
  CHECK(s.requests[0] == "GET /healthz HTTP/1.1\r\nHost: " + host +
                             "\r\nUser-Agent: tether-health\r\nConnection: close\r\n\r\n");
  CHECK(fx.shutdown() == 0);
}

TEST_CASE("HealthChecker http probe honours expect_status", "[health]") {
  // Given a status and an expected range, expect up with "ok (status N)" or down with "status N".
  auto [status, lo, hi, passes] = GENERATE(table<int, uint16_t, uint16_t, bool>({
      {302, 200, 399, true},
      {399, 200, 399, true},
      {404, 200, 399, false},
      {204, 204, 204, true},
      {200, 204, 204, false},
      {503, 200, 499, false},
  }));
  INFO("status " << status << " expect " << lo << "-" << hi);
  Fixture fx;
  TestServer& s = fx.server();
  s.setStatus(status);
  ActiveHealthConfig cfg = fastCfg();
  cfg.expect_min = lo;
  cfg.expect_max = hi;
  fx.checker().reconcile(cfg, {fx.target("a", s)});
  if (passes) {
    REQUIRE(fx.runUntil([&] { return fx.probes("a") >= 3; }));
    CHECK(fx.events.empty());
    CHECK(fx.checker().status("a")->last_detail == "ok (status " + std::to_string(status) + ")");
  } else {
    REQUIRE(fx.runUntil([&] { return !fx.events.empty(); }));
    CHECK_FALSE(fx.events[0].up);
    CHECK(fx.events[0].detail == "status " + std::to_string(status));
  }
  CHECK(fx.shutdown() == 0);
}

TEST_CASE("HealthChecker tcp probe passes once connected, without sending", "[health]") {
  // Given a backend that accepts but never answers, expect a tcp check to pass anyway.
  Fixture fx;
  TestServer& s = fx.server();
  s.setMode(TestServer::Mode::Hang);
  fx.checker().reconcile(fastCfg(ActiveHealthConfig::Type::Tcp), {fx.target("a", s)});
  REQUIRE(fx.runUntil([&] { return fx.probes("a") >= 3; }));
  auto st = fx.checker().status("a");
  CHECK(st->up);
  CHECK(st->consecutive_ok >= 3);
  CHECK(st->last_detail == "ok (connected)");
  CHECK(s.accepted >= 3);
  CHECK(s.requests.empty());
  CHECK(fx.events.empty());
  CHECK(fx.shutdown() == 0);
}

TEST_CASE("HealthChecker: refused goes down after exactly `fall` probes, back up after `rise`",
          "[health]") {
  auto type = GENERATE(ActiveHealthConfig::Type::Http, ActiveHealthConfig::Type::Tcp);
  Fixture fx;
  TestServer& s = fx.server();
  s.refuse();
  const ActiveHealthConfig cfg = fastCfg(type);  // rise 2, fall 3
  fx.checker().reconcile(cfg, {fx.target("a", s)});

  // Given connections refused from the start, expect one Down, reported by the 3rd probe.
  REQUIRE(fx.runUntil([&] { return !fx.events.empty(); }));
  REQUIRE(fx.events.size() == 1);
  const Event& down = fx.events[0];
  CHECK(down.name == "a");
  CHECK_FALSE(down.up);
  CHECK(down.detail == "connect: connection refused");
  CHECK(down.status.probes == 3);
  CHECK(down.status.consecutive_fail == 3);
  CHECK_FALSE(fx.checker().status("a")->up);

  // More failures: still down, no second report.
  REQUIRE(fx.runUntil([&] { return fx.probes("a") >= 5; }));
  CHECK(fx.events.size() == 1);

  // Given the backend listens again, expect Up after exactly `rise` successes in a row.
  s.listenAgain();
  REQUIRE(fx.runUntil([&] { return fx.events.size() == 2; }));
  const Event& up = fx.events[1];
  CHECK(up.up);
  CHECK(up.status.consecutive_ok == 2);
  CHECK(up.status.consecutive_fail == 0);
  const bool http = type == ActiveHealthConfig::Type::Http;
  CHECK(up.detail == (http ? "ok (status 200)" : "ok (connected)"));
  CHECK(fx.shutdown() == 0);
}

TEST_CASE("HealthChecker reports a hung backend as a timeout", "[health]") {
  // Given a backend that accepts and never answers, expect down with the timeout in the detail.
  Fixture fx;
  TestServer& s = fx.server();
  s.setMode(TestServer::Mode::Hang);
  fx.checker().reconcile(fastCfg(), {fx.target("a", s)});
  REQUIRE(fx.runUntil([&] { return !fx.events.empty(); }));
  CHECK_FALSE(fx.events[0].up);
  CHECK(fx.events[0].detail == "timeout after 40ms (awaiting status line)");
  CHECK(fx.events[0].status.probes == 3);
  // Each timed-out probe closed its connection.
  REQUIRE(fx.runUntil([&] { return s.peer_closed >= 3; }));
  CHECK(fx.shutdown() == 0);
}

TEST_CASE("HealthChecker names bad answers for operators", "[health]") {
  auto [raw, close_silently, expected] = GENERATE(table<std::string, bool, std::string>({
      {"SSH-2.0-OpenSSH_9.2\r\n", false, "bad status line \"SSH-2.0-OpenSSH_9.2\""},
      {"", true, "closed before status line"},
  }));
  Fixture fx;
  TestServer& s = fx.server();
  s.setRaw(raw);
  if (close_silently) s.setMode(TestServer::Mode::CloseSilently);
  fx.checker().reconcile(fastCfg(), {fx.target("a", s)});
  REQUIRE(fx.runUntil([&] { return !fx.events.empty(); }));
  CHECK(fx.events[0].detail == expected);
  CHECK(fx.shutdown() == 0);
}

TEST_CASE("HealthChecker skips a 1xx interim response", "[health]") {
  Fixture fx;
  TestServer& s = fx.server();
  s.setRaw("HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n");
  fx.checker().reconcile(fastCfg(), {fx.target("a", s)});
  REQUIRE(fx.runUntil([&] { return fx.probes("a") >= 1; }));
  CHECK(fx.checker().status("a")->last_detail == "ok (status 204)");
  CHECK(fx.shutdown() == 0);
}

TEST_CASE("HealthChecker reconcile adds and removes backends", "[health]") {
  Fixture fx;
  TestServer& sa = fx.server();
  TestServer& sb = fx.server();
  sb.setMode(TestServer::Mode::Hang);
  ActiveHealthConfig cfg = fastCfg();
  cfg.timeout = 2000ms;  // b's probe stays in flight until we remove b
  fx.checker().reconcile(cfg, {fx.target("a", sa), fx.target("b", sb)});
  CHECK(fx.checker().size() == 2);
  REQUIRE(fx.runUntil([&] { return sb.openConns() == 1 && fx.probes("a") >= 1; }));

  // Given b removed with its probe in flight, expect that connection closed at once (not at the
  // 2 s timeout), no more probes to b, and never a callback for b.
  const uint64_t removed_at = uv_now(fx.loop());
  fx.checker().reconcile(cfg, {fx.target("a", sa)});
  CHECK(fx.checker().size() == 1);
  CHECK_FALSE(fx.checker().status("b"));
  REQUIRE(fx.runUntil([&] { return sb.openConns() == 0; }, 1s));
  CHECK(uv_now(fx.loop()) - removed_at < 500);
  CHECK(sb.peer_closed == 1);
  const int b_accepted = sb.accepted;
  const uint64_t a_probes = fx.probes("a");
  fx.runFor(300ms);  // 6 intervals
  CHECK(sb.accepted == b_accepted);
  CHECK(fx.probes("a") > a_probes);  // a's schedule ran on untouched
  CHECK(fx.events.empty());

  // Given b added back, expect a fresh session (counting from 0, up).
  fx.checker().reconcile(cfg, {fx.target("a", sa), fx.target("b", sb)});
  auto st = fx.checker().status("b");
  REQUIRE(st);
  CHECK(st->up);
  CHECK(st->probes == 0);
  REQUIRE(fx.runUntil([&] { return sb.accepted > b_accepted; }));

  // Given the check disabled, expect every session gone.
  ActiveHealthConfig off = cfg;
  off.enabled = false;
  fx.checker().reconcile(off, {fx.target("a", sa), fx.target("b", sb)});
  CHECK(fx.checker().size() == 0);
  CHECK(fx.shutdown() == 0);
  CHECK(fx.events.empty());
}

TEST_CASE("HealthChecker reconcile keeps health across config and address changes", "[health]") {
  Fixture fx;
  TestServer& refusing = fx.server();
  TestServer& healthy = fx.server();
  refusing.refuse();
  ActiveHealthConfig cfg = fastCfg();
  fx.checker().reconcile(cfg, {fx.target("a", refusing)});
  REQUIRE(fx.runUntil([&] { return fx.events.size() == 1; }));
  REQUIRE_FALSE(fx.checker().status("a")->up);

  // Given only the check config changed, expect the whole RiseFall kept: still down, runs kept,
  // no transition reported.
  const auto before = *fx.checker().status("a");
  cfg.interval = 60ms;
  cfg.rise = 3;
  fx.checker().reconcile(cfg, {fx.target("a", refusing)});
  auto st = fx.checker().status("a");
  CHECK_FALSE(st->up);
  CHECK(st->consecutive_fail == before.consecutive_fail);
  CHECK(st->probes == before.probes);

  // Given the address changed, expect down kept but the runs restarted; then up after the new rise.
  fx.checker().reconcile(cfg, {fx.target("a", healthy)});
  st = fx.checker().status("a");
  CHECK_FALSE(st->up);
  CHECK(st->consecutive_fail == 0);
  REQUIRE(fx.runUntil([&] { return fx.events.size() == 2; }));
  CHECK(fx.events[1].up);
  CHECK(fx.events[1].status.consecutive_ok == 3);
  CHECK(fx.shutdown() == 0);
}

TEST_CASE("HealthChecker reports an address it cannot parse as a failed probe", "[health]") {
  Fixture fx;
  fx.checker().reconcile(fastCfg(), {ProbeTarget{"a", "backend.internal", 80}});
  REQUIRE(fx.runUntil([&] { return !fx.events.empty(); }));
  CHECK(fx.events[0].detail == "connect: not a numeric IP address: \"backend.internal\"");
  CHECK(fx.shutdown() == 0);
}

TEST_CASE("HealthChecker spreads first probes and jitters intervals", "[health]") {
  // Given 10 backends added together, interval 200 ms, jitter 20%, expect first probes spread
  // over [0, 200) ms and each later gap within 200 +- 40 ms (timers never fire early).
  Fixture fx;
  TestServer& s = fx.server();
  s.setMode(TestServer::Mode::Hang);
  ActiveHealthConfig cfg = fastCfg(ActiveHealthConfig::Type::Tcp);
  cfg.interval = 200ms;
  cfg.jitter_percent = 20;
  std::vector<ProbeTarget> targets;
  for (int i = 0; i < 10; ++i) targets.push_back(fx.target("b" + std::to_string(i), s));
  const int64_t t0 = static_cast<int64_t>(uv_now(fx.loop()));
  fx.checker().reconcile(cfg, targets);

  std::vector<std::vector<int64_t>> seen(10);  // result times per backend
  auto sample = [&] {
    bool all = true;
    for (int i = 0; i < 10; ++i) {
      auto st = fx.checker().status("b" + std::to_string(i));
      if (st->probes > seen[i].size()) seen[i].push_back(st->last_probe_ms);
      all = all && seen[i].size() >= 3;
    }
    return all;
  };
  REQUIRE(fx.runUntil(sample, 3s));
  int64_t first_min = INT64_MAX, first_max = 0;
  for (const auto& times : seen) {
    first_min = std::min(first_min, times[0] - t0);
    first_max = std::max(first_max, times[0] - t0);
    for (size_t k = 1; k < times.size(); ++k) {
      const int64_t gap = times[k] - times[k - 1];
      CHECK(gap >= 160);
      CHECK(gap <= 240 + 100);  // + slack for a slow (sanitized) loop
    }
  }
  CHECK(first_max - first_min >= 50);  // spread, not a burst
  CHECK(first_max < 200 + 100);
  CHECK(fx.shutdown() == 0);
}

TEST_CASE("HealthChecker close() with probes in flight closes every handle", "[health]") {
  Fixture fx;
  TestServer& hang = fx.server();
  hang.setMode(TestServer::Mode::Hang);
  TestServer& ok = fx.server();
  ActiveHealthConfig cfg = fastCfg();
  cfg.timeout = 2000ms;
  fx.checker().reconcile(cfg, {fx.target("h", hang), fx.target("o", ok)});
  REQUIRE(fx.runUntil([&] { return hang.openConns() == 1 && fx.probes("o") >= 1; }));

  // Given close() called twice, expect both `done`s run once, from the loop, not inside close().
  int done1 = 0, done2 = 0;
  fx.checker().close([&] { ++done1; });
  fx.checker().close([&] { ++done2; });
  CHECK(done1 == 0);
  CHECK(done2 == 0);
  fx.checker().reconcile(cfg, {fx.target("h", hang)});  // ignored once closing
  REQUIRE(fx.runUntil([&] { return done1 == 1 && done2 == 1; }, 1s));
  CHECK(fx.checker().size() == 0);
  // After completion there is nothing to wait for: `done` runs at once.
  int done3 = 0;
  fx.checker().close([&] { ++done3; });
  CHECK(done3 == 1);
  REQUIRE(fx.runUntil([&] { return hang.openConns() == 0; }, 1s));
  CHECK(fx.events.empty());
  CHECK(fx.shutdown() == 0);
  CHECK(fx.checker_closed);
}

TEST_CASE("HealthChecker may be destroyed from its close() callback", "[health]") {
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  auto checker = std::make_unique<HealthChecker>(&loop, nullptr, 7);
  checker->reconcile(fastCfg(), {ProbeTarget{"a", "127.0.0.1", 9}, ProbeTarget{"b", "::1", 9}});
  for (int i = 0; i < 3; ++i) uv_run(&loop, UV_RUN_ONCE);  // first probes under way
  bool done = false;
  checker->close([&] {
    checker.reset();
    done = true;
  });
  for (int i = 0; i < 1000 && !done; ++i) uv_run(&loop, UV_RUN_ONCE);
  CHECK(done);
  CHECK_FALSE(checker);
  CHECK(uv_loop_close(&loop) == 0);
}

TEST_CASE("HealthChecker probes IPv6 backends with a bracketed Host", "[health]") {
  Fixture fx;
  TestServer& s = fx.server("::1");
  if (!s.listening()) {
    WARN("no IPv6 loopback here; skipped");
    return;
  }
  fx.checker().reconcile(fastCfg(), {ProbeTarget{"v6", "::1", s.port()}});
  REQUIRE(fx.runUntil([&] { return fx.probes("v6") >= 1; }));
  CHECK(fx.checker().status("v6")->last_detail == "ok (status 200)");
  REQUIRE(!s.requests.empty());
  CHECK(s.requests[0].find("\r\nHost: [::1]:" + std::to_string(s.port()) + "\r\n") !=
        std::string::npos);
  CHECK(fx.shutdown() == 0);
}

TEST_CASE("HealthChecker OnChange may reconcile and close re-entrantly", "[health]") {
  // Given an owner that, on a backend going down, removes it and then closes the checker from
  // inside the callback, expect no further callbacks, `done` later, and a clean loop.
  Fixture fx;
  TestServer& refusing = fx.server();
  refusing.refuse();
  TestServer& ok = fx.server();
  const ActiveHealthConfig cfg = fastCfg();
  bool done = false;
  fx.on_event = [&](const Event& e) {
    fx.checker().reconcile(cfg, {fx.target("ok", ok)});
    CHECK_FALSE(fx.checker().status(e.name));
    fx.checker().close([&] { done = true; });
  };
  fx.checker().reconcile(cfg, {fx.target("bad", refusing), fx.target("ok", ok)});
  REQUIRE(fx.runUntil([&] { return done; }));
  CHECK(fx.events.size() == 1);
  fx.runFor(120ms);
  CHECK(fx.events.size() == 1);
  CHECK(fx.shutdown() == 0);
}
