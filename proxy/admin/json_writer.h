#pragma once
// JsonWriter: a minimal streaming writer of compact JSON (RFC 8259), for the admin API's /status
// and error bodies. No DOM: callers emit tokens in order and take() the text.
//
//   JsonWriter w;
//   w.beginObject().key("backends").beginArray().value("a").value(uint64_t{3}).endArray()
//    .endObject();
//   std::string body = w.take();  // {"backends":["a",3]}
//
// Output is always valid UTF-8 JSON text when the calls are well nested:
// - strings escape '"', '\\' and every control character (\n, \t, ... or \u00XX); bytes that are
//   not valid UTF-8 become U+FFFD, so config- or request-derived text cannot break the document;
// - numbers: integers exactly; doubles in the shortest form that round-trips, integral values
//   without exponent or ".0" below 1e21; NaN and infinities (not representable) become null.
// Nesting misuse (a value where a key is due, unbalanced end*) is a programming error, checked
// by assert() in debug builds only. Pure value type; no I/O; any thread, one at a time.

#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tether::proxy::admin {

class JsonWriter {
public:
  JsonWriter& beginObject();
  JsonWriter& endObject();
  JsonWriter& beginArray();
  JsonWriter& endArray();
  // Inside an object: the next value belongs to this key.
  JsonWriter& key(std::string_view name);

  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(const std::string& s) { return value(std::string_view(s)); }
  JsonWriter& value(bool b);
  JsonWriter& value(double d);
  JsonWriter& value(int64_t i);
  JsonWriter& value(uint64_t u);
  // Any other integer type (int, unsigned, size_t, ...) without overload ambiguity.
  template <std::integral T>
  JsonWriter& value(T i) {
    if constexpr (std::is_same_v<T, bool>) {
      return value(static_cast<bool>(i));
    } else if constexpr (std::is_signed_v<T>) {
      return value(static_cast<int64_t>(i));
    } else {
      return value(static_cast<uint64_t>(i));
    }
  }
  JsonWriter& null();

  // key(name).value(v) in one call.
  template <typename T>
  JsonWriter& field(std::string_view name, const T& v) {
    key(name);
    return value(v);
  }

  // The text so far; the writer is empty and reusable afterwards.
  std::string take();
  const std::string& str() const { return out_; }
  // True when every begun object/array was ended (and something was written).
  bool complete() const { return stack_.empty() && !out_.empty(); }

private:
  void beforeValue();
  JsonWriter& open(char bracket);
  JsonWriter& close(char opened, char bracket);
  template <typename Int>
  JsonWriter& integer(Int n);

  std::string out_;
  std::vector<char> stack_;  // '{' or '['
  bool first_ = true;        // no element yet in the innermost container
  bool after_key_ = false;   // a key was written; its value is due
};

// Appends `s` as a JSON string literal (quotes included) to `out`.
void appendJsonString(std::string& out, std::string_view s);

// {"error":"<message>"}: the body of every admin error response.
std::string jsonError(std::string_view message);

} // namespace tether::proxy::admin
