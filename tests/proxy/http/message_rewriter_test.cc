#include <catch2/catch.hpp>

#include <string>

#include "proxy/http/http1_parser.h"
#include "proxy/http/message_rewriter.h"

using namespace tether::proxy::http;

namespace {

// Parses a raw head with the real parser so tests see exactly what the proxy sees.
struct Parsed : Http1Parser::Handler {
  HttpHead head;
  Http1Parser::HeadAction onHead(HttpHead& h) override {
    head = h;
    return Http1Parser::HeadAction::NoBody;
  }
  bool onBody(std::string_view) override { return true; }
  void onMessageComplete() override {}
};

HttpHead parse(Http1Parser::Type type, const std::string& raw) {
  Parsed p;
  Http1Parser parser(type, p, 65536);
  auto r = parser.execute(raw.data(), raw.size());
  REQUIRE(r.status != Http1Parser::Status::Error);
  return p.head;
}

bool has(const std::string& s, const std::string& line) { return s.find(line) != std::string::npos; }

} // namespace

TEST_CASE("hop-by-hop request fields are removed and end-to-end ones kept as sent", "[proxy]") {
  // Given Connection naming X-Foo plus the fixed hop-by-hop set, expect all of them gone, Host,
  // the query string and other fields untouched, and X-Forwarded-* added for an untrusted peer.
  auto head = parse(Http1Parser::Type::Request,
                    "GET /p?q=1&r=%20 HTTP/1.1\r\nHost: example.test\r\nConnection: keep-alive, X-Foo\r\n"
                    "X-Foo: secret\r\nKeep-Alive: timeout=5\r\nProxy-Connection: keep-alive\r\n"
                    "TE: trailers\r\nTrailer: X-T\r\nUpgrade: h2c\r\nX-Keep: yes\r\n"
                    "X-Forwarded-For: 6.6.6.6\r\nExpect: 100-continue\r\nAccept: */*\r\n\r\n");
  UpstreamRequestOptions o;
  o.peer_address = "127.0.0.1";
  std::string out;
  buildUpstreamRequest(head, o, out);
  CHECK(out.rfind("GET /p?q=1&r=%20 HTTP/1.1\r\n", 0) == 0);
  CHECK(has(out, "\r\nHost: example.test\r\n"));
  CHECK(has(out, "\r\nX-Keep: yes\r\n"));
  CHECK(has(out, "\r\nAccept: */*\r\n"));
  for (const char* gone : {"Connection", "X-Foo", "Keep-Alive", "Proxy-Connection", "TE:",
                           "Trailer", "Upgrade", "Expect", "6.6.6.6"}) {
    INFO(gone);
    CHECK_FALSE(has(out, std::string("\r\n") + gone));
  }
  CHECK(has(out, "\r\nX-Forwarded-For: 127.0.0.1\r\n"));
  CHECK(has(out, "\r\nX-Forwarded-Proto: http\r\n"));
  CHECK(has(out, "\r\nX-Forwarded-Host: example.test\r\n"));
  CHECK(out.size() >= 4);
  CHECK(out.substr(out.size() - 4) == "\r\n\r\n");
}

TEST_CASE("a trusted peer's X-Forwarded-* are appended to, not replaced", "[proxy]") {
  auto head = parse(Http1Parser::Type::Request,
                    "GET / HTTP/1.1\r\nHost: inner\r\nX-Forwarded-For: 1.2.3.4\r\n"
                    "X-Forwarded-For: 5.6.7.8\r\nX-Forwarded-Proto: https\r\n"
                    "X-Forwarded-Host: outer.example\r\n\r\n");
  UpstreamRequestOptions o;
  o.peer_address = "10.0.0.1";
  o.peer_trusted = true;
  std::string out;
  buildUpstreamRequest(head, o, out);
  CHECK(has(out, "\r\nX-Forwarded-For: 1.2.3.4, 5.6.7.8, 10.0.0.1\r\n"));
  CHECK(has(out, "\r\nX-Forwarded-Proto: https\r\n"));
  CHECK(has(out, "\r\nX-Forwarded-Host: outer.example\r\n"));
}

TEST_CASE("x_forwarded_for off leaves the client's fields alone and adds none", "[proxy]") {
  auto head = parse(Http1Parser::Type::Request,
                    "GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 1.2.3.4\r\n\r\n");
  UpstreamRequestOptions o;
  o.forwarded_headers = false;
  o.peer_address = "127.0.0.1";
  std::string out;
  buildUpstreamRequest(head, o, out);
  CHECK(has(out, "\r\nX-Forwarded-For: 1.2.3.4\r\n"));
  CHECK_FALSE(has(out, "127.0.0.1"));
  CHECK_FALSE(has(out, "X-Forwarded-Proto"));
}

TEST_CASE("request bodies are re-framed and HTTP/1.0 requests get a Host", "[proxy]") {
  auto head = parse(Http1Parser::Type::Request,
                    "POST /u HTTP/1.0\r\nContent-Length: 5\r\n\r\n");
  UpstreamRequestOptions o;
  o.framing = BodyFraming::Length;
  o.content_length = 5;
  o.peer_address = "127.0.0.1";
  o.backend_authority = "127.0.0.1:9001";
  std::string out;
  buildUpstreamRequest(head, o, out);
  CHECK(out.rfind("POST /u HTTP/1.1\r\n", 0) == 0);
  CHECK(has(out, "\r\nHost: 127.0.0.1:9001\r\n"));
  // Exactly one Content-Length, written by tether.
  CHECK(out.find("Content-Length") == out.rfind("Content-Length"));
  o.framing = BodyFraming::Chunked;
  out.clear();
  buildUpstreamRequest(head, o, out);
  CHECK(has(out, "\r\nTransfer-Encoding: chunked\r\n"));
  CHECK_FALSE(has(out, "Content-Length"));
}

TEST_CASE("an upgrade request keeps Upgrade and says Connection: upgrade", "[proxy]") {
  auto head = parse(Http1Parser::Type::Request,
                    "GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                    "Sec-WebSocket-Key: abc\r\n\r\n");
  UpstreamRequestOptions o;
  o.upgrade = true;
  o.peer_address = "127.0.0.1";
  std::string out;
  buildUpstreamRequest(head, o, out);
  CHECK(has(out, "\r\nConnection: upgrade\r\n"));
  CHECK(has(out, "\r\nUpgrade: websocket\r\n"));
  CHECK(has(out, "\r\nSec-WebSocket-Key: abc\r\n"));
}

TEST_CASE("responses lose hop-by-hop fields and get the client's framing", "[proxy]") {
  auto head = parse(Http1Parser::Type::Response,
                    "HTTP/1.1 200 OK\r\nConnection: X-Bar\r\nX-Bar: 1\r\nKeep-Alive: timeout=3\r\n"
                    "Transfer-Encoding: chunked\r\nSet-Cookie: a=b\r\nSet-Cookie: c=d\r\n\r\n");
  ClientResponseOptions o;
  o.framing = BodyFraming::Chunked;
  std::string out;
  buildClientResponse(head, o, out);
  CHECK(out.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK_FALSE(has(out, "X-Bar"));
  CHECK_FALSE(has(out, "Keep-Alive"));
  CHECK(has(out, "\r\nSet-Cookie: a=b\r\nSet-Cookie: c=d\r\n"));
  CHECK(has(out, "\r\nTransfer-Encoding: chunked\r\n"));
  CHECK_FALSE(has(out, "Connection"));

  o.framing = BodyFraming::Length;
  o.content_length = 42;
  o.keep_alive = false;
  out.clear();
  buildClientResponse(head, o, out);
  CHECK(has(out, "\r\nContent-Length: 42\r\n"));
  CHECK(has(out, "\r\nConnection: close\r\n"));

  o.keep_alive = true;
  o.extra_fields = "Set-Cookie: tether=abc; Path=/\r\n";
  o.client_http10 = true;
  out.clear();
  buildClientResponse(head, o, out);
  CHECK(has(out, "\r\nConnection: keep-alive\r\n"));
  // tether's own Set-Cookie is appended; the application's pass through untouched.
  CHECK(has(out, "\r\nSet-Cookie: a=b\r\nSet-Cookie: c=d\r\n"));
  CHECK(has(out, "\r\nSet-Cookie: tether=abc; Path=/\r\n"));
}

TEST_CASE("HEAD and 304 responses keep the upstream Content-Length", "[proxy]") {
  auto head = parse(Http1Parser::Type::Response, "HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n");
  ClientResponseOptions o;
  o.keep_content_length = true;
  std::string out;
  buildClientResponse(head, o, out);
  CHECK(has(out, "\r\nContent-Length: 99\r\n"));
}

TEST_CASE("chunk headers are lowercase hex with CRLF", "[proxy]") {
  char buf[24];
  CHECK(chunkHeader(0, buf) == "0\r\n");
  CHECK(chunkHeader(255, buf) == "ff\r\n");
  CHECK(chunkHeader(65536, buf) == "10000\r\n");
}
