#include "proxy/admin/json_writer.h"

#include <cassert>
#include <charconv>
#include <cmath>

namespace tether::proxy::admin {

namespace {

constexpr char kHex[] = "0123456789abcdef";

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is not one (RFC 3629 table:
// no overlongs, no surrogates, nothing above U+10FFFF).
size_t utf8SequenceLength(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const auto cont = [&](size_t k) { return k < s.size() && (b(k) & 0xC0) == 0x80; };
  const unsigned char c = b(i);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(i + 1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (i + 1 >= s.size()) return 0;
    const unsigned char c1 = b(i + 1);
    if (c == 0xE0 && c1 < 0xA0) return 0;  // overlong
    if (c == 0xED && c1 > 0x9F) return 0;  // UTF-16 surrogate
    return cont(i + 1) && cont(i + 2) ? 3 : 0;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (i + 1 >= s.size()) return 0;
    const unsigned char c1 = b(i + 1);
    if (c == 0xF0 && c1 < 0x90) return 0;  // overlong
    if (c == 0xF4 && c1 > 0x8F) return 0;  // above U+10FFFF
    return cont(i + 1) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  }
  return 0;
}

} // namespace

void appendJsonString(std::string& out, std::string_view s) {
  out.reserve(out.size() + s.size() + 2);
  out += '"';
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const size_t n = utf8SequenceLength(s, i);
      if (n == 0) {
        out += "\\ufffd";
        ++i;
      } else {
        out.append(s.data() + i, n);
        i += n;
      }
      continue;
    }
    switch (c) {
    case '"': out += "\\\""; break;
    case '\\': out += "\\\\"; break;
    case '\b': out += "\\b"; break;
    case '\f': out += "\\f"; break;
    case '\n': out += "\\n"; break;
    case '\r': out += "\\r"; break;
    case '\t': out += "\\t"; break;
    default:
      if (c < 0x20) {
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
      } else {
        out += static_cast<char>(c);
      }
    }
    ++i;
  }
  out += '"';
}

std::string jsonError(std::string_view message) {
  JsonWriter w;
  w.beginObject().field("error", message).endObject();
  return w.take();
}

void JsonWriter::beforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  // A bare value is only legal at the top level or inside an array.
  assert(stack_.empty() || stack_.back() == '[');
  assert(!stack_.empty() || out_.empty());  // one top-level value
  if (!first_) out_ += ',';
  first_ = false;
}

JsonWriter& JsonWriter::beginObject() { return open('{'); }
JsonWriter& JsonWriter::endObject() { return close('{', '}'); }
JsonWriter& JsonWriter::beginArray() { return open('['); }
JsonWriter& JsonWriter::endArray() { return close('[', ']'); }

JsonWriter& JsonWriter::open(char bracket) {
  beforeValue();
  out_ += bracket;
  stack_.push_back(bracket);
  first_ = true;
  return *this;
}

JsonWriter& JsonWriter::close(char opened, char bracket) {
  assert(!stack_.empty() && stack_.back() == opened && !after_key_);
  stack_.pop_back();
  out_ += bracket;
  first_ = false;
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
  assert(!stack_.empty() && stack_.back() == '{' && !after_key_);
  if (!first_) out_ += ',';
  first_ = false;
  appendJsonString(out_, name);
  out_ += ':';
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view s) {
  beforeValue();
  appendJsonString(out_, s);
  return *this;
}

JsonWriter& JsonWriter::value(bool b) {
  beforeValue();
  out_ += b ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::value(double d) {
  beforeValue();
  if (!std::isfinite(d)) {
    out_ += "null";  // JSON has no NaN or Infinity
    return *this;
  }
  char buf[64];
  // Integral values below 1e21 (JavaScript's own switch to exponent form) print as plain digits;
  // everything else in the shortest form that parses back to the same double.
  const bool integral = d == std::trunc(d) && std::fabs(d) < 1e21;
  const auto r = integral ? std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed)
                          : std::to_chars(buf, buf + sizeof buf, d);
  out_.append(buf, r.ptr);
  return *this;
}

JsonWriter& JsonWriter::value(int64_t i) { return integer(i); }
JsonWriter& JsonWriter::value(uint64_t u) { return integer(u); }

template <typename Int>
JsonWriter& JsonWriter::integer(Int n) {
  beforeValue();
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, n);
  out_.append(buf, r.ptr);
  return *this;
}

JsonWriter& JsonWriter::null() {
  beforeValue();
  out_ += "null";
  return *this;
}

std::string JsonWriter::take() {
  assert(stack_.empty() && !after_key_);
  std::string out;
  out.swap(out_);
  stack_.clear();
  first_ = true;
  after_key_ = false;
  return out;
}

} // namespace tether::proxy::admin
