#include <catch2/catch.hpp>

#include <uv.h>

#include <future>
#include <optional>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "proxy/admin/admin_server.h"
#include "proxy/admin/json_writer.h"
#include "tests/support/http_message.h"
#include "tests/support/test_client.h"
#include "tests/support/test_macros.h"

using namespace tether::proxy::admin;
using tether::proxy::transport::IoLoop;
using tether::test::buildRequest;
using tether::test::HeaderList;
using tether::test::Millis;
using tether::test::TestClient;

namespace {

constexpr char kToken[] = "s3cret-token-0123456789";

// An AdminServer on its own loop thread, listening on 127.0.0.1:0. The handler runs on the loop
// thread; the test thread talks to the server over sockets and reaches loop-thread state only
// through onLoop(). shutdown() closes the server, drains the loop and returns uv_loop_close().
struct FixtureOptions {
  std::string token;
  std::chrono::milliseconds idle_timeout = AdminServer::kDefaultIdleTimeout;
  bool no_handler = false;  // give the server an empty AdminHandler

  static FixtureOptions withToken(std::string t) {
    FixtureOptions o;
    o.token = std::move(t);
    return o;
  }
  static FixtureOptions withIdleTimeout(std::chrono::milliseconds ms) {
    FixtureOptions o;
    o.idle_timeout = ms;
    return o;
  }
  static FixtureOptions withoutHandler() {
    FixtureOptions o;
    o.no_handler = true;
    return o;
  }
};

class AdminFixture {
public:

  // `handler` may use the fixture (held_, requests_) since it only runs on the loop thread.
  using Handler = std::function<void(AdminFixture&, const AdminRequest&, AdminReply)>;

  explicit AdminFixture(Handler handler, FixtureOptions options = {})
      : handler_(std::move(handler)) {
    REQUIRE(uv_loop_init(&loop_) == 0);
    io_.emplace(&loop_);
    uv_async_init(&loop_, &wake_, onWake);
    wake_.data = this;
    AdminHandler wrapped;
    if (!options.no_handler) {
      wrapped = [this](const AdminRequest& r, AdminReply reply) {
        requests_.push_back(r);
        handler_(*this, r, std::move(reply));
      };
    }
    server_ = new AdminServer(*io_, options.token, std::move(wrapped));
    server_->setIdleTimeout(options.idle_timeout);
    const auto err = server_->listen("127.0.0.1", 0);
    INFO(err.value_or(""));
    listen_ok_ = !err.has_value();
    port_ = server_->port();
    thread_ = std::thread([this] { uv_run(&loop_, UV_RUN_DEFAULT); });
  }

  ~AdminFixture() {
    if (thread_.joinable()) shutdown();
  }

  bool listening() const { return listen_ok_ && port_ != 0; }
  uint16_t port() const { return port_; }
  uv_loop_t* loop() { return &loop_; }

  // Runs `fn` on the loop thread and returns its result.
  template <typename F>
  auto onLoop(F fn) -> std::invoke_result_t<F> {
    std::packaged_task<std::invoke_result_t<F>()> task(std::move(fn));
    auto result = task.get_future();
    {
      std::lock_guard<std::mutex> lock(mu_);
      tasks_.push_back([&task] { task(); });
    }
    uv_async_send(&wake_);
    return result.get();
  }

  // Waits (bounded) until `pred` holds on the loop thread.
  template <typename F>
  bool waitFor(F pred, Millis timeout = Millis(3000)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!onLoop(pred)) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(Millis(2));
    }
    return true;
  }

  size_t connections() {
    return onLoop([this] { return server_->connectionCount(); });
  }
  size_t requestCount() {
    return onLoop([this] { return requests_.size(); });
  }
  AdminRequest request(size_t i) {
    return onLoop([this, i] { return requests_.at(i); });
  }

  // close(), then `after_close` on the loop thread once the server is destroyed; joins the loop
  // thread and returns uv_loop_close().
  int shutdown(std::function<void(AdminFixture&)> after_close = {}) {
    onLoop([this, after_close] {
      server_->close([this, after_close] {
        delete server_;
        server_ = nullptr;
        if (after_close) after_close(*this);
        io_->close();
        uv_close(reinterpret_cast<uv_handle_t*>(&wake_), nullptr);
      });
      return 0;
    });
    thread_.join();
    return uv_loop_close(&loop_);
  }

  AdminServer& server() { return *server_; }  // loop thread only

  std::vector<AdminRequest> requests_;  // loop thread only
  std::vector<AdminReply> held_;        // replies a handler kept for later; loop thread only
  int outstanding_ = 0;                 // requests handed out and not answered; loop thread only

private:
  static void onWake(uv_async_t* a) {
    auto* self = static_cast<AdminFixture*>(a->data);
    std::vector<std::function<void()>> tasks;
    {
      std::lock_guard<std::mutex> lock(self->mu_);
      tasks.swap(self->tasks_);
    }
    for (auto& t : tasks) t();
  }

  Handler handler_;
  uv_loop_t loop_;
  std::optional<IoLoop> io_;
  uv_async_t wake_;
  AdminServer* server_ = nullptr;
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::function<void()>> tasks_;
  uint16_t port_ = 0;
  bool listen_ok_ = false;
};

// Answers {"method":..,"path":..,"query":..,"body":..} at once.
void echo(AdminFixture&, const AdminRequest& r, AdminReply reply) {
  JsonWriter w;
  w.beginObject()
      .field("method", r.method)
      .field("path", r.path)
      .field("query", r.query)
      .field("body", r.body)
      .endObject();
  reply(AdminResponse{200, "application/json", w.take(), {}});
}

// Calls `reply(response)` after `ms` on the loop; the timer frees itself.
void replyAfter(uv_loop_t* loop, uint64_t ms, AdminReply reply, AdminResponse response) {
  struct Delayed {
    uv_timer_t timer;
    AdminReply reply;
    AdminResponse response;
  };
  auto* d = new Delayed{{}, std::move(reply), std::move(response)};
  uv_timer_init(loop, &d->timer);
  d->timer.data = d;
  uv_timer_start(
      &d->timer,
      [](uv_timer_t* t) {
        auto* d = static_cast<Delayed*>(t->data);
        d->reply(std::move(d->response));
        uv_close(reinterpret_cast<uv_handle_t*>(t),
                 [](uv_handle_t* h) { delete static_cast<Delayed*>(h->data); });
      },
      ms, 0);
}

std::string get(std::string_view target, HeaderList headers = {}) {
  return buildRequest("GET", target, headers);
}

void checkJsonError(const tether::test::HttpResponse& r, int status) {
  CHECK(r.status == status);
  CHECK(r.headers.get("content-type") == "application/json");
  CHECK(r.headers.get("content-length") == std::to_string(r.body.size()));
  CHECK_THAT(r.body, Catch::StartsWith("{\"error\":\"") && Catch::EndsWith("\"}"));
}

} // namespace

TEST_CASE("admin: a GET is handed to the handler and answered", "[proxy]") {
  // Given a handler that echoes the request, expect a 200 JSON response with the split target,
  // and a POST body delivered whole.
  AdminFixture f(echo);
  REQUIRE(f.listening());
  TestClient c(f.port());
  REQUIRE_COMPLETE(r, c, roundTrip(get("/status?verbose=1&x=%20y")));
  CHECK(r->status == 200);
  CHECK(r->reason == "OK");
  CHECK(r->headers.get("content-type") == "application/json");
  CHECK(r->headers.get("content-length") == std::to_string(r->body.size()));
  CHECK(r->headers.get("cache-control") == "no-store");
  CHECK_FALSE(r->headers.has("connection"));
  CHECK(r->body == R"({"method":"GET","path":"/status","query":"verbose=1&x=%20y","body":""})");

  REQUIRE_COMPLETE(p, c,
                   roundTrip(buildRequest("POST", "/backends/a%2Fb/drain", {}, "{\"on\":1}")));
  CHECK(p->body ==
        R"({"method":"POST","path":"/backends/a%2Fb/drain","query":"","body":"{\"on\":1}"})");
  REQUIRE(f.requestCount() == 2);
  CHECK(f.request(1).body == "{\"on\":1}");

  // Given absolute-form targets, expect path and query without scheme and authority.
  REQUIRE_COMPLETE(abs, c, roundTrip(get("http://admin.local:9901/metrics?a=1")));
  CHECK(f.request(2).path == "/metrics");
  CHECK(f.request(2).query == "a=1");
  REQUIRE_COMPLETE(bare, c, roundTrip(get("http://admin.local")));
  CHECK(f.request(3).path == "/");
  CHECK(f.request(3).query.empty());
  CHECK(f.shutdown() == 0);
}

TEST_CASE("admin: the handler may reply later, from a timer", "[proxy]") {
  // Given a handler that answers 50 ms later with its own status and content type, expect that
  // response, and the connection still usable afterwards.
  AdminFixture f([](AdminFixture& fx, const AdminRequest&, AdminReply reply) {
    AdminResponse resp;
    resp.status = 202;
    resp.content_type = "text/plain; charset=utf-8";
    resp.body = "reloaded\n";
    replyAfter(fx.loop(), 50, std::move(reply), std::move(resp));
  });
  REQUIRE(f.listening());
  TestClient c(f.port());
  for (int i = 0; i < 2; ++i) {
    REQUIRE_COMPLETE(r, c, roundTrip(buildRequest("POST", "/reload")));
    CHECK(r->status == 202);
    CHECK(r->reason == "Accepted");
    CHECK(r->headers.get("content-type") == "text/plain; charset=utf-8");
    CHECK(r->body == "reloaded\n");
  }
  CHECK(f.shutdown() == 0);
}

TEST_CASE("admin: a reply after the client went away does nothing", "[proxy]") {
  // Given a handler that keeps its reply, a client that disconnects before it is used, expect the
  // connection freed, the late reply (twice) harmless, and another client served normally.
  AdminFixture f([](AdminFixture& fx, const AdminRequest& r, AdminReply reply) {
    if (r.path == "/hold") {
      fx.held_.push_back(std::move(reply));
    } else {
      echo(fx, r, std::move(reply));
    }
  });
  REQUIRE(f.listening());
  {
    TestClient c(f.port());
    REQUIRE(c.send(get("/hold")));
    REQUIRE(f.waitFor([&] { return f.held_.size() == 1; }));
    SECTION("closed with FIN") { c.close(); }
    SECTION("closed with RST") { c.abort(); }
  }
  REQUIRE(f.waitFor([&] { return f.server().connectionCount() == 0; }));
  f.onLoop([&] {
    f.held_[0](AdminResponse{200, "application/json", "{}", {}});
    f.held_[0](AdminResponse{500, "application/json", "{}", {}});
    return 0;
  });
  TestClient d(f.port());
  REQUIRE_COMPLETE(r, d, roundTrip(get("/other")));
  CHECK(r->status == 200);

  // Given a reply held while the whole server is closed and destroyed, expect calling it to be
  // harmless too, and the loop to close cleanly.
  TestClient e(f.port());
  REQUIRE(e.send(get("/hold")));
  REQUIRE(f.waitFor([&] { return f.held_.size() == 2; }));
  CHECK(f.shutdown([](AdminFixture& fx) { fx.held_[1](AdminResponse{}); }) == 0);
  CHECK(e.isClosedByPeer());
}

TEST_CASE("admin: a second reply to the same request is ignored", "[proxy]") {
  // Given a handler that replies twice at once (a bug), expect one response; given that stale
  // reply called again while the next request on the connection waits, expect it ignored and
  // the next request answered by its own reply.
  AdminFixture f([](AdminFixture& fx, const AdminRequest& r, AdminReply reply) {
    if (r.path == "/a") {
      AdminReply copy = reply;
      reply(AdminResponse{200, "text/plain", "first /a", {}});
      copy(AdminResponse{500, "text/plain", "second /a", {}});
      fx.held_.push_back(copy);
    } else {
      fx.held_.push_back(std::move(reply));
    }
  });
  REQUIRE(f.listening());
  TestClient c(f.port());
  REQUIRE_COMPLETE(a, c, roundTrip(get("/a")));
  CHECK(a->body == "first /a");
  REQUIRE(c.send(get("/b")));
  REQUIRE(f.waitFor([&] { return f.held_.size() == 2; }));
  f.onLoop([&] {
    f.held_[0](AdminResponse{500, "text/plain", "stale", {}});
    f.held_[1](AdminResponse{200, "text/plain", "answer /b", {}});
    f.held_[1](AdminResponse{500, "text/plain", "again /b", {}});
    return 0;
  });
  REQUIRE_COMPLETE(b, c, readResponse());
  CHECK(b->body == "answer /b");
  CHECK(c.staysQuiet(Millis(50)));
  CHECK(f.shutdown() == 0);
}

TEST_CASE("admin: the bearer token is enforced", "[proxy]") {
  AdminFixture f(echo, FixtureOptions::withToken(kToken));
  REQUIRE(f.listening());
  const std::string right = std::string("Bearer ") + kToken;

  SECTION("missing, wrong or malformed credentials get 401 and close") {
    // Given each bad Authorization, expect 401 + WWW-Authenticate: Bearer + a JSON error,
    // Connection: close, and the handler never called.
    const std::vector<HeaderList> bad = {
        {},
        {{"Authorization", "Bearer wrong"}},
        {{"Authorization", std::string("Bearer ") + kToken + "x"}},
        {{"Authorization", std::string("Bearer ") + std::string(kToken).substr(1)}},
        {{"Authorization", std::string("Basic ") + kToken}},
        {{"Authorization", std::string("Bearer") + kToken}},
        {{"Authorization", "Bearer "}},
        {{"Authorization", right}, {"Authorization", right}},
    };
    for (const auto& headers : bad) {
      INFO((headers.empty() ? "(none)" : headers.entries()[0].second));
      TestClient c(f.port());
      REQUIRE_COMPLETE(r, c, roundTrip(get("/status", headers)));
      checkJsonError(*r, 401);
      CHECK(r->headers.get("www-authenticate") == "Bearer");
      CHECK(r->headers.hasToken("connection", "close"));
      CHECK(c.isClosedByPeer());
    }
    CHECK(f.requestCount() == 0);
  }
  SECTION("the right token is accepted, scheme case-insensitive, on a kept-alive connection") {
    TestClient c(f.port());
    for (const std::string& auth : {right, std::string("bearer ") + kToken,
                                    std::string("BEARER   ") + kToken + "  "}) {
      INFO(auth);
      REQUIRE_COMPLETE(r, c, roundTrip(get("/status", {{"Authorization", auth}})));
      CHECK(r->status == 200);
      CHECK_FALSE(r->headers.has("www-authenticate"));
    }
    CHECK(f.requestCount() == 3);
  }
  CHECK(f.shutdown() == 0);
}

TEST_CASE("admin: malformed requests get 400 JSON and the connection closes", "[proxy]") {
  AdminFixture f(echo);
  REQUIRE(f.listening());
  // Given garbage, a bare-LF request, an HTTP/1.1 request without Host, and two Hosts, expect
  // 400 with a JSON error, Connection: close and the connection closed.
  for (const char* raw : {"GARBAGE\r\n\r\n", "GET / HTTP/1.1\nHost: a\n\n",
                          "GET / HTTP/1.1\r\n\r\n", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
                          "GET / HTTP/1.1\r\nHost: a\r\nbad header\r\n\r\n"}) {
    INFO(raw);
    TestClient c(f.port());
    REQUIRE_COMPLETE(r, c, roundTrip(raw));
    checkJsonError(*r, 400);
    CHECK(r->headers.hasToken("connection", "close"));
    CHECK(c.isClosedByPeer());
  }
  CHECK(f.requestCount() == 0);
  CHECK(f.shutdown() == 0);
}

TEST_CASE("admin: body and head limits", "[proxy]") {
  AdminFixture f(echo);
  REQUIRE(f.listening());
  SECTION("a declared body over 1 MiB gets 413 before it is sent") {
    TestClient c(f.port());
    REQUIRE_COMPLETE(r, c,
                     roundTrip("POST /reload HTTP/1.1\r\nHost: a\r\n"
                               "Content-Length: 1048577\r\n\r\n"));
    checkJsonError(*r, 413);
    CHECK(r->headers.hasToken("connection", "close"));
    CHECK(c.isClosedByPeer());
  }
  SECTION("a body of exactly 1 MiB is accepted") {
    TestClient c(f.port());
    const std::string body(AdminServer::kMaxBodyBytes, 'x');
    REQUIRE_COMPLETE(r, c, roundTrip(buildRequest("POST", "/reload", {}, body)));
    CHECK(r->status == 200);
    CHECK(f.request(0).body.size() == AdminServer::kMaxBodyBytes);
  }
  SECTION("a chunked body gets 411") {
    TestClient c(f.port());
    REQUIRE_COMPLETE(r, c,
                     roundTrip("POST /reload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                               "\r\n5\r\nhello\r\n0\r\n\r\n"));
    checkJsonError(*r, 411);
    CHECK(c.isClosedByPeer());
  }
  SECTION("a head over 16 KiB gets 431") {
    TestClient c(f.port());
    REQUIRE_COMPLETE(r, c, roundTrip(get("/status", {{"X-Big", std::string(17000, 'a')}})));
    checkJsonError(*r, 431);
    CHECK(c.isClosedByPeer());
  }
  CHECK(f.shutdown() == 0);
}

TEST_CASE("admin: keep-alive serves requests one at a time, pipelined ones in order",
          "[proxy]") {
  // Given a handler that answers /slow after 50 ms and others at once, expect responses in
  // request order on one connection, and each request handed out only after the previous one
  // was answered (never two outstanding).
  AdminFixture f([](AdminFixture& fx, const AdminRequest& r, AdminReply reply) {
    const int outstanding = ++fx.outstanding_;
    AdminResponse resp{200, "text/plain",
                       r.path + " seen=" + std::to_string(fx.requests_.size()) +
                           " outstanding=" + std::to_string(outstanding),
                       {}};
    AdminReply counted = [&fx, reply](AdminResponse response) {
      --fx.outstanding_;
      reply(std::move(response));
    };
    if (r.path == "/slow") {
      replyAfter(fx.loop(), 50, std::move(counted), std::move(resp));
    } else {
      counted(std::move(resp));
    }
  });
  REQUIRE(f.listening());
  TestClient c(f.port());
  SECTION("sequential") {
    REQUIRE_COMPLETE(a, c, roundTrip(get("/one")));
    REQUIRE_COMPLETE(b, c, roundTrip(get("/two")));
    CHECK(a->body == "/one seen=1 outstanding=1");
    CHECK(b->body == "/two seen=2 outstanding=1");
    CHECK(f.connections() == 1);
  }
  SECTION("pipelined in one write") {
    REQUIRE(c.send(get("/slow") + get("/fast") + buildRequest("POST", "/three", {}, "xyz")));
    REQUIRE_COMPLETE(a, c, readFinalResponse());
    REQUIRE_COMPLETE(b, c, readFinalResponse());
    REQUIRE_COMPLETE(d, c, readFinalResponse());
    CHECK(a->body == "/slow seen=1 outstanding=1");
    CHECK(b->body == "/fast seen=2 outstanding=1");  // not handed out while /slow was pending
    CHECK(d->body == "/three seen=3 outstanding=1");
    CHECK(f.request(2).body == "xyz");
  }
  CHECK(f.shutdown() == 0);
}

TEST_CASE("admin: HTTP/1.0, HEAD, Expect and Connection: close", "[proxy]") {
  AdminFixture f(echo);
  REQUIRE(f.listening());
  SECTION("HTTP/1.0 without keep-alive closes after the response; no Host needed") {
    TestClient c(f.port());
    REQUIRE_COMPLETE(r, c, roundTrip("GET /status HTTP/1.0\r\n\r\n"));
    CHECK(r->status == 200);
    CHECK(r->headers.hasToken("connection", "close"));
    CHECK(c.isClosedByPeer());
  }
  SECTION("HTTP/1.0 with keep-alive stays open and says so") {
    TestClient c(f.port());
    for (int i = 0; i < 2; ++i) {
      REQUIRE_COMPLETE(r, c, roundTrip("GET /status HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
      CHECK(r->headers.hasToken("connection", "keep-alive"));
    }
  }
  SECTION("Connection: close from the client") {
    TestClient c(f.port());
    REQUIRE_COMPLETE(r, c, roundTrip(get("/status", {{"Connection", "close"}})));
    CHECK(r->status == 200);
    CHECK(r->headers.hasToken("connection", "close"));
    CHECK(c.isClosedByPeer());
  }
  SECTION("HEAD gets the headers and no body") {
    TestClient c(f.port());
    REQUIRE_COMPLETE(r, c, roundTrip(buildRequest("HEAD", "/status")));
    CHECK(r->status == 200);
    CHECK(std::stoul(*r->headers.get("content-length")) > 0);
    CHECK(r->body.empty());
    REQUIRE_COMPLETE(g, c, roundTrip(get("/after-head")));
    CHECK_THAT(g->body, Catch::Contains("/after-head"));
  }
  SECTION("Expect: 100-continue gets 100 before the body is sent") {
    TestClient c(f.port());
    REQUIRE(c.send("POST /reload HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
                   "Expect: 100-continue\r\n\r\n"));
    REQUIRE_READ(interim, c, readResponse());
    CHECK(interim->status == 100);
    REQUIRE(c.send("abc"));
    REQUIRE_COMPLETE(r, c, readFinalResponse());
    CHECK_THAT(r->body, Catch::Contains("\"body\":\"abc\""));
  }
  SECTION("another expectation gets 417") {
    TestClient c(f.port());
    REQUIRE_COMPLETE(r, c, roundTrip(get("/status", {{"Expect", "something"}})));
    checkJsonError(*r, 417);
  }
  SECTION("an Upgrade request is answered and the connection closed") {
    TestClient c(f.port());
    REQUIRE_COMPLETE(
        r, c, roundTrip(get("/status", {{"Connection", "upgrade"}, {"Upgrade", "websocket"}})));
    CHECK(r->status == 200);
    CHECK(r->headers.hasToken("connection", "close"));
    CHECK(c.isClosedByPeer());
  }
  CHECK(f.shutdown() == 0);
}

TEST_CASE("admin: a handler response that cannot be sent becomes 500", "[proxy]") {
  // Given a status outside 200..599 or a content type with CR/LF (response splitting), expect a
  // 500 JSON error instead; given 204, expect no body and no Content-Length.
  AdminFixture f([](AdminFixture&, const AdminRequest& r, AdminReply reply) {
    if (r.path == "/status42") reply(AdminResponse{42, "application/json", "{}", {}});
    if (r.path == "/split") reply(AdminResponse{200, "text/plain\r\nSet-Cookie: x=1", "hi", {}});
    if (r.path == "/empty-type") reply(AdminResponse{200, "", "hi", {}});
    if (r.path == "/nocontent") reply(AdminResponse{204, "application/json", "ignored", {}});
  });
  REQUIRE(f.listening());
  TestClient c(f.port());
  for (const char* path : {"/status42", "/split", "/empty-type"}) {
    INFO(path);
    REQUIRE_COMPLETE(r, c, roundTrip(get(path)));
    checkJsonError(*r, 500);
    CHECK_FALSE(r->headers.has("set-cookie"));
  }
  REQUIRE_COMPLETE(n, c, roundTrip(get("/nocontent")));
  CHECK(n->status == 204);
  CHECK_FALSE(n->headers.has("content-length"));
  CHECK(n->body.empty());
  REQUIRE_COMPLETE(again, c, roundTrip(get("/status42")));
  CHECK(again->status == 500);
  CHECK(f.shutdown() == 0);
}

TEST_CASE("admin: idle connections time out; a half-sent request gets 408", "[proxy]") {
  AdminFixture f(echo, FixtureOptions::withIdleTimeout(std::chrono::milliseconds(100)));
  REQUIRE(f.listening());
  TestClient idle(f.port());
  TestClient partial(f.port());
  REQUIRE(partial.send("GET /status HTTP/1.1\r\nHost: a\r\n"));
  // Given no bytes for the idle timeout, expect a silent close; given a partial head, a 408.
  CHECK(idle.isClosedByPeer(Millis(3000)));
  CHECK(idle.buffered().empty());
  REQUIRE_COMPLETE(r, partial, readResponse(Millis(3000)));
  checkJsonError(*r, 408);
  CHECK(partial.isClosedByPeer());
  // The wait for a reply is not timed: a handler may take longer than the idle timeout.
  CHECK(f.shutdown() == 0);
}

TEST_CASE("admin: close() with open connections leaves nothing on the loop", "[proxy]") {
  // Given an idle client, a client mid-head, a client mid-body and one awaiting a held reply,
  // expect close() to finish, every client to see the close, and uv_loop_close() == 0.
  AdminFixture f([](AdminFixture& fx, const AdminRequest&, AdminReply reply) {
    fx.held_.push_back(std::move(reply));
  });
  REQUIRE(f.listening());
  TestClient idle(f.port());
  TestClient mid_head(f.port());
  TestClient mid_body(f.port());
  TestClient waiting(f.port());
  REQUIRE(mid_head.send("GET /x HTTP/1.1\r\nHo"));
  REQUIRE(mid_body.send("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc"));
  REQUIRE(waiting.send(get("/hold")));
  REQUIRE(f.waitFor([&] { return f.held_.size() == 1 && f.server().connectionCount() == 4; }));
  CHECK(f.shutdown() == 0);
  for (TestClient* c : {&idle, &mid_head, &mid_body, &waiting}) CHECK(c->isClosedByPeer());
}

TEST_CASE("admin: close() is idempotent and never completes inside the call", "[proxy]") {
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  IoLoop io(&loop);
  auto* server = new AdminServer(io, "", AdminHandler{});
  std::vector<int> order;
  // Given close() twice before the loop runs, expect both callbacks after the call, in order.
  server->close([&] { order.push_back(1); });
  server->close([&] { order.push_back(2); });
  CHECK(order.empty());
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(order == std::vector<int>{1, 2});
  // Given close() after completion, expect its callback on the next loop turn, not inside.
  server->close([&] { order.push_back(3); });
  CHECK(order.size() == 2);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(order == std::vector<int>{1, 2, 3});
  delete server;
  io.close();
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(uv_loop_close(&loop) == 0);
}

TEST_CASE("admin: listen() reports bad addresses and busy ports", "[proxy]") {
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  IoLoop io(&loop);
  AdminHandler none;
  auto* a = new AdminServer(io, "", none);
  auto* b = new AdminServer(io, "", none);
  auto* c = new AdminServer(io, "", none);
  const auto bad = a->listen("not-an-ip", 0);
  REQUIRE(bad.has_value());
  CHECK_THAT(*bad, Catch::Contains("invalid admin listen address not-an-ip:0"));
  REQUIRE_FALSE(b->listen("127.0.0.1", 0).has_value());
  CHECK(b->port() != 0);
  const auto busy = c->listen("127.0.0.1", b->port());
  REQUIRE(busy.has_value());
  CHECK_THAT(*busy, Catch::Contains("cannot listen on 127.0.0.1:" + std::to_string(b->port())));
  CHECK(b->listen("127.0.0.1", 0).has_value());  // once only
  int closed = 0;
  for (AdminServer* s : {a, b, c}) s->close([&] { ++closed; });
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(closed == 3);
  delete a;
  delete b;
  delete c;
  io.close();
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(uv_loop_close(&loop) == 0);
}

TEST_CASE("admin: with no handler every request gets 404", "[proxy]") {
  AdminFixture f(echo, FixtureOptions::withoutHandler());
  REQUIRE(f.listening());
  TestClient c(f.port());
  REQUIRE_COMPLETE(r, c, roundTrip(get("/status")));
  checkJsonError(*r, 404);
  REQUIRE_COMPLETE(again, c, roundTrip(get("/status")));
  CHECK(again->status == 404);
  CHECK(f.shutdown() == 0);
}

TEST_CASE("admin: constantTimeEquals", "[proxy]") {
  CHECK(constantTimeEquals("abc", "abc"));
  CHECK_FALSE(constantTimeEquals("abd", "abc"));
  CHECK_FALSE(constantTimeEquals("ab", "abc"));
  CHECK_FALSE(constantTimeEquals("abcabc", "abc"));  // a repeat of the secret is not equal
  CHECK_FALSE(constantTimeEquals("", "abc"));
  CHECK(constantTimeEquals("", ""));
  CHECK_FALSE(constantTimeEquals("a", ""));
}

TEST_CASE("admin: adminError builds a JSON error response", "[proxy]") {
  const AdminResponse r = adminError(404, "no backend \"x\"");
  CHECK(r.status == 404);
  CHECK(r.content_type == "application/json");
  CHECK(r.body == R"({"error":"no backend \"x\""})");
}
