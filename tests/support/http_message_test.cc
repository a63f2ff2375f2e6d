// Tests of the test tools' own HTTP pieces. If these are wrong, every integration verdict is.
#include "tests/support/http_message.h"

#include <catch2/catch.hpp>

namespace tether::test {
namespace {

TEST_CASE("parseHead accepts a strict head and reports its length", "[support]") {
  // Given a complete head followed by body bytes, expect the head parsed and length excluding
  // the body.
  std::string msg = "GET /a?b=1 HTTP/1.1\r\nHost: x\r\nX-Multi: 1\r\nx-multi: 2\r\n\r\nBODY";
  MessageHead head;
  std::string error;
  REQUIRE(parseHead(msg, head, error) == ParseStatus::Complete);
  CHECK(head.start_line == "GET /a?b=1 HTTP/1.1");
  CHECK(head.length == msg.size() - 4);
  CHECK(head.headers.get("host") == "x");
  CHECK(head.headers.getAll("X-MULTI") == std::vector<std::string>{"1", "2"});
}

TEST_CASE("parseHead rejects bare LF, obs-fold and a line without colon", "[support]") {
  // Given each malformed head, expect Error (so a proxy forwarding one would be caught).
  auto [name, msg] = GENERATE(table<std::string, std::string>({
      {"bare LF", "GET / HTTP/1.1\nHost: x\n\n"},
      {"obs-fold", "GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n 2\r\n\r\n"},
      {"no colon", "GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n"},
  }));
  CAPTURE(name);
  MessageHead head;
  std::string error;
  CHECK(parseHead(msg, head, error) == ParseStatus::Error);
}

TEST_CASE("ChunkedDecoder decodes byte by byte and stops at the end", "[support]") {
  // Given a chunked body with an extension and a trailer, fed one byte at a time, followed by the
  // next message, expect the decoded body, the trailer, and the next message left unconsumed.
  std::string wire = "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-T: t\r\n\r\nNEXT";
  ChunkedDecoder decoder;
  std::string pending;  // bytes received but not yet consumed, as a socket reader keeps them
  size_t pos = 0;
  while (decoder.status() == ParseStatus::NeedMore && pos < wire.size()) {
    pending += wire[pos++];
    pending.erase(0, decoder.feed(pending));
  }
  REQUIRE(decoder.status() == ParseStatus::Complete);
  CHECK(decoder.body() == "hello world");
  CHECK(decoder.trailers().get("X-T") == "t");
  CHECK(pending.empty());
  CHECK(wire.substr(pos) == "NEXT");
}

TEST_CASE("ChunkedDecoder rejects an invalid chunk size", "[support]") {
  // Given a non-hex chunk size, expect Error.
  ChunkedDecoder decoder;
  decoder.feed("zz\r\nhello\r\n0\r\n\r\n");
  CHECK(decoder.status() == ParseStatus::Error);
}

TEST_CASE("encodeChunked round-trips through ChunkedDecoder", "[support]") {
  // Given 1000 bytes in 64-byte chunks, expect 16 chunks decoded back to the same bytes.
  std::string body = patternBody(1000);
  ChunkedDecoder decoder;
  std::string wire = encodeChunked(body, 64);
  CHECK(decoder.feed(wire) == wire.size());
  REQUIRE(decoder.status() == ParseStatus::Complete);
  CHECK(decoder.body() == body);
  CHECK(decoder.chunkCount() == 16);
}

TEST_CASE("HeaderList token lookup is case-insensitive over comma lists", "[support]") {
  // Given two Connection headers with lists, expect token lookups across both, any case.
  HeaderList h{{"Connection", "close, X-Foo"}, {"connection", "Upgrade"}};
  CHECK(h.hasToken("CONNECTION", "x-foo"));
  CHECK(h.hasToken("Connection", "upgrade"));
  CHECK_FALSE(h.hasToken("Connection", "keep-alive"));
  CHECK(h.count("connection") == 2);
}

TEST_CASE("buildRequest adds Host and Content-Length", "[support]") {
  // Given a body and no framing header, expect Content-Length; given a Host, no default Host.
  CHECK(buildRequest("POST", "/p", {}, "abc") ==
        "POST /p HTTP/1.1\r\nHost: test.local\r\nContent-Length: 3\r\n\r\nabc");
  CHECK(buildRequest("GET", "/", {{"Host", "h"}}, {}, "HTTP/1.0") ==
        "GET / HTTP/1.0\r\nHost: h\r\n\r\n");
}

} // namespace
} // namespace tether::test
