#pragma once
// Minimal HTTP/1.1 message pieces shared by FakeUpstream and TestClient: an ordered header list,
// a strict head parser (CRLF only, no obs-fold), an incremental chunked decoder and request
// builders. Deliberately independent of llhttp so the tests do not judge tether with its own
// parser. Test-only; pure values, no I/O; any thread.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tether::test {

// Headers in wire order, names as sent. Lookups are case-insensitive.
class HeaderList {
public:
  using Entry = std::pair<std::string, std::string>;

  HeaderList() = default;
  HeaderList(std::initializer_list<Entry> entries) : entries_(entries) {}

  void add(std::string name, std::string value) {
    entries_.emplace_back(std::move(name), std::move(value));
  }
  // First value with this name, or nullopt.
  std::optional<std::string> get(std::string_view name) const;
  // Every value with this name, in order.
  std::vector<std::string> getAll(std::string_view name) const;
  size_t count(std::string_view name) const;
  bool has(std::string_view name) const { return count(name) > 0; }
  // True when a comma-separated value of any `name` header equals `token` (case-insensitive).
  bool hasToken(std::string_view name, std::string_view token) const;

  const std::vector<Entry>& entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }

private:
  std::vector<Entry> entries_;
};

bool equalsIgnoreCase(std::string_view a, std::string_view b);
std::string toLower(std::string_view s);
std::string_view trim(std::string_view s);
// Comma-separated list -> trimmed non-empty items.
std::vector<std::string> splitList(std::string_view value);

enum class ParseStatus {
  NeedMore = 0,
  Complete,
  Error,
};

// A message head: start line + headers, up to and including the blank line.
struct MessageHead {
  std::string start_line;
  HeaderList headers;
  size_t length = 0;  // bytes of the head including the final CRLFCRLF
};

// Parses a head at the front of `buf`. Strict: lines end in CRLF, header lines are "name: value"
// with a token name; obs-fold and bare LF are errors. `max_bytes` bounds an unterminated head.
ParseStatus parseHead(std::string_view buf, MessageHead& out, std::string& error,
                      size_t max_bytes = 1 << 20);

// Incremental chunked-body decoder. feed() consumes as much of `data` as it can and returns how
// many bytes it used; the caller keeps the rest (it belongs to whatever follows the body).
class ChunkedDecoder {
public:
  size_t feed(std::string_view data);
  ParseStatus status() const { return status_; }
  const std::string& body() const { return body_; }
  std::string takeBody() { return std::move(body_); }
  const HeaderList& trailers() const { return trailers_; }
  const std::string& error() const { return error_; }
  size_t chunkCount() const { return chunks_; }

private:
  enum class State { Size = 0, Data, DataEnd, Trailers };
  State state_ = State::Size;
  ParseStatus status_ = ParseStatus::NeedMore;
  uint64_t remaining_ = 0;
  size_t chunks_ = 0;
  std::string body_;
  HeaderList trailers_;
  std::string error_;
};

// "GET /x HTTP/1.1\r\nHost: test.local\r\n<headers>\r\n\r\n<body>". Adds Host unless `headers`
// has one; adds Content-Length when `body` is non-empty and no framing header was given.
std::string buildRequest(std::string_view method, std::string_view target,
                         const HeaderList& headers = {}, std::string_view body = {},
                         std::string_view version = "HTTP/1.1");

// Encodes `body` as chunks of at most `chunk_size` bytes plus the last-chunk and empty trailer.
std::string encodeChunked(std::string_view body, size_t chunk_size);

// Deterministic, position-dependent filler ("abc..z" shifted per 26-byte block) so a dropped,
// duplicated or reordered slice is detected, not just a short length.
std::string patternBody(size_t size);
// patternBody's bytes [offset, offset + size) without building the whole body; and a check that
// `data` equals them. The pattern repeats every kPatternPeriod bytes.
constexpr size_t kPatternPeriod = 26 * 26;
std::string patternSlice(size_t offset, size_t size);
bool matchesPattern(std::string_view data, size_t offset = 0);

} // namespace tether::test
