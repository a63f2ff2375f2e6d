#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "proxy/http/http1_parser.h"

using namespace tether::proxy::http;

namespace {

struct Recorder : Http1Parser::Handler {
  std::vector<std::string> targets;
  std::string body;
  int completes = 0;
  Http1Parser::HeadAction action = Http1Parser::HeadAction::Proceed;
  Http1Parser::HeadAction onHead(HttpHead& head) override {
    targets.emplace_back(head.target());
    return action;
  }
  bool onBody(std::string_view d) override {
    body.append(d);
    return true;
  }
  void onMessageComplete() override { ++completes; }
};

// Feeds everything, resuming after each completed message; returns the final status.
Http1Parser::Status feedAll(Http1Parser& p, std::string_view in) {
  while (!in.empty()) {
    auto r = p.execute(in.data(), in.size());
    if (r.status != Http1Parser::Status::Paused) return r.status;
    in.remove_prefix(r.consumed);
    p.resume();
  }
  return Http1Parser::Status::Ok;
}

} // namespace

TEST_CASE("the parser pauses after each pipelined request", "[proxy]") {
  // Given two requests in one buffer, expect a pause after the first with the second unconsumed.
  Recorder rec;
  Http1Parser p(Http1Parser::Type::Request, rec, 16384);
  const std::string in = "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n";
  auto r = p.execute(in.data(), in.size());
  REQUIRE(r.status == Http1Parser::Status::Paused);
  CHECK(r.consumed == in.size() / 2);
  CHECK(rec.completes == 1);
  p.resume();
  r = p.execute(in.data() + r.consumed, in.size() - r.consumed);
  CHECK(r.status == Http1Parser::Status::Paused);
  CHECK(rec.targets == std::vector<std::string>{"/1", "/2"});
}

TEST_CASE("chunked bodies are decoded and Content-Length is reported at head time", "[proxy]") {
  Recorder rec;
  Http1Parser p(Http1Parser::Type::Request, rec, 16384);
  CHECK(feedAll(p, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n") == Http1Parser::Status::Ok);
  CHECK(rec.body == "hello world");
  CHECK(rec.completes == 1);
}

TEST_CASE("strict mode rejects the inputs request smugglers rely on", "[proxy]") {
  // Given each ambiguous framing, expect Error (never a second request).
  const char* bad = GENERATE(
      "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      "GET / HTTP/1.1\nHost: a\n\n",
      "GET / HTTP/1.1\r\nHost: a\r\nX-Folded: a\r\n b\r\n\r\n",
      "GET / HTTP/1.1\r\nHost a\r\n\r\n",
      "G@T / HTTP/1.1\r\n\r\n");
  Recorder rec;
  Http1Parser p(Http1Parser::Type::Request, rec, 16384);
  CHECK(feedAll(p, bad) == Http1Parser::Status::Error);
  CHECK(rec.completes == 0);
}

TEST_CASE("a head over the limit is reported as HeadTooLarge", "[proxy]") {
  Recorder rec;
  Http1Parser p(Http1Parser::Type::Request, rec, 64);
  std::string in = "GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + std::string(100, 'x') + "\r\n\r\n";
  CHECK(feedAll(p, in) == Http1Parser::Status::HeadTooLarge);
}

TEST_CASE("a response to HEAD has no body whatever its Content-Length says", "[proxy]") {
  // Given NoBody from the handler, expect completion right after the head and the next response
  // parsed from the following bytes.
  Recorder rec;
  rec.action = Http1Parser::HeadAction::NoBody;
  Http1Parser p(Http1Parser::Type::Response, rec, 16384);
  const std::string in = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n";
  auto r = p.execute(in.data(), in.size());
  CHECK(r.status == Http1Parser::Status::Paused);
  CHECK(rec.completes == 1);
  CHECK(rec.body.empty());
}

TEST_CASE("a close-delimited response ends at finish()", "[proxy]") {
  Recorder rec;
  Http1Parser p(Http1Parser::Type::Response, rec, 16384);
  const std::string in = "HTTP/1.1 200 OK\r\n\r\nabc";
  auto r = p.execute(in.data(), in.size());
  CHECK(r.status == Http1Parser::Status::Ok);
  CHECK(p.bodyNeedsEof());
  CHECK(p.finish() == Http1Parser::Status::Ok);
  CHECK(rec.completes == 1);
  CHECK(rec.body == "abc");
}

TEST_CASE("a 101 response switches to the upgraded protocol", "[proxy]") {
  Recorder rec;
  rec.action = Http1Parser::HeadAction::Upgrade;
  Http1Parser p(Http1Parser::Type::Response, rec, 16384);
  const std::string in = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                         "Connection: upgrade\r\n\r\nRAW";
  auto r = p.execute(in.data(), in.size());
  CHECK(r.status == Http1Parser::Status::Upgraded);
  CHECK(in.substr(r.consumed) == "RAW");
}

TEST_CASE("a header value split across reads is fine; obs-fold is not", "[proxy]") {
  // Given the same value delivered in two reads, expect it joined; given a folded continuation
  // line, expect Error even when the fold arrives in its own read.
  Recorder rec;
  Http1Parser p(Http1Parser::Type::Request, rec, 16384);
  const std::string a = "GET / HTTP/1.1\r\nHost: a\r\nX-A: fir";
  const std::string b = "st\r\n\r\n";
  REQUIRE(p.execute(a.data(), a.size()).status == Http1Parser::Status::Ok);
  REQUIRE(p.execute(b.data(), b.size()).status == Http1Parser::Status::Paused);
  CHECK(p.head().get("x-a") == std::optional<std::string_view>("first"));

  Recorder rec2;
  Http1Parser q(Http1Parser::Type::Request, rec2, 16384);
  const std::string c = "GET / HTTP/1.1\r\nHost: a\r\nX-A: first\r\n";
  const std::string d = " folded\r\n\r\n";
  REQUIRE(q.execute(c.data(), c.size()).status == Http1Parser::Status::Ok);
  CHECK(q.execute(d.data(), d.size()).status == Http1Parser::Status::Error);
}
