#include "tests/support/json_value.h"

#include <cstdint>
#include <cstdlib>

namespace tether::test {

class JsonParser {
public:
  explicit JsonParser(std::string_view text) : s_(text) {}

  std::optional<Json> run(std::string* error) {
    Json v;
    skipSpace();
    if (value(v, 0)) {
      skipSpace();
      if (i_ == s_.size()) return v;
      fail("trailing characters");
    }
    if (error) *error = "offset " + std::to_string(i_) + ": " + error_;
    return std::nullopt;
  }

private:
  static constexpr int kMaxDepth = 64;

  bool fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
    return false;
  }
  void skipSpace() {
    while (i_ < s_.size() &&
           (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) {
      ++i_;
    }
  }
  bool literal(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return fail("bad literal");
    i_ += word.size();
    return true;
  }
  bool value(Json& out, int depth) {
    if (depth > kMaxDepth) return fail("nested too deeply");
    if (i_ >= s_.size()) return fail("unexpected end");
    const char c = s_[i_];
    if (c == '{') return object(out, depth);
    if (c == '[') return array(out, depth);
    if (c == '"') {
      out.type_ = Json::Type::String;
      return string(out.string_);
    }
    if (c == 't' || c == 'f') {
      out.type_ = Json::Type::Bool;
      out.bool_ = c == 't';
      return literal(c == 't' ? "true" : "false");
    }
    if (c == 'n') {
      out.type_ = Json::Type::Null;
      return literal("null");
    }
    return number(out);
  }
  bool number(Json& out) {
    const size_t start = i_;
    auto digits = [&] {
      const size_t from = i_;
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
      return i_ - from;
    };
    if (i_ < s_.size() && s_[i_] == '-') ++i_;
    if (i_ < s_.size() && s_[i_] == '0') {
      ++i_;
    } else if (digits() == 0) {
      return fail("bad number");
    }
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      if (digits() == 0) return fail("bad fraction");
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (digits() == 0) return fail("bad exponent");
    }
    out.type_ = Json::Type::Number;
    out.number_ = std::strtod(std::string(s_.substr(start, i_ - start)).c_str(), nullptr);
    return true;
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
  bool hex4(uint32_t& cp) {
    if (i_ + 4 > s_.size()) return fail("short \\u escape");
    cp = 0;
    for (int k = 0; k < 4; ++k) {
      const char h = s_[i_++];
      cp <<= 4;
      if (h >= '0' && h <= '9') cp |= static_cast<uint32_t>(h - '0');
      else if (h >= 'a' && h <= 'f') cp |= static_cast<uint32_t>(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F') cp |= static_cast<uint32_t>(h - 'A' + 10);
      else return fail("bad \\u escape");
    }
    return true;
  }
  bool string(std::string& out) {
    ++i_;  // opening quote
    while (i_ < s_.size()) {
      const char c = s_[i_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return fail("control character in string");
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (i_ >= s_.size()) break;
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
        if (cp >= 0xD800 && cp < 0xDC00) {
          uint32_t low = 0;
          if (s_.substr(i_, 2) != "\\u") return fail("lone high surrogate");
          i_ += 2;
          if (!hex4(low)) return false;
          if (low < 0xDC00 || low >= 0xE000) return fail("bad low surrogate");
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        } else if (cp >= 0xDC00 && cp < 0xE000) {
          return fail("lone low surrogate");
        }
        appendUtf8(out, cp);
        break;
      }
      default: return fail("bad escape");
      }
    }
    return fail("unterminated string");
  }
  bool array(Json& out, int depth) {
    out.type_ = Json::Type::Array;
    ++i_;
    skipSpace();
    if (i_ < s_.size() && s_[i_] == ']') {
      ++i_;
      return true;
    }
    for (;;) {
      Json item;
      skipSpace();
      if (!value(item, depth + 1)) return false;
      out.items_.push_back(std::move(item));
      skipSpace();
      if (i_ < s_.size() && s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (i_ < s_.size() && s_[i_] == ']') {
        ++i_;
        return true;
      }
      return fail("expected , or ]");
    }
  }
  bool object(Json& out, int depth) {
    out.type_ = Json::Type::Object;
    ++i_;
    skipSpace();
    if (i_ < s_.size() && s_[i_] == '}') {
      ++i_;
      return true;
    }
    for (;;) {
      skipSpace();
      if (i_ >= s_.size() || s_[i_] != '"') return fail("expected a member name");
      std::string key;
      if (!string(key)) return false;
      if (out.has(key)) return fail("duplicate member \"" + key + "\"");
      skipSpace();
      if (i_ >= s_.size() || s_[i_] != ':') return fail("expected :");
      ++i_;
      skipSpace();
      Json v;
      if (!value(v, depth + 1)) return false;
      out.members_.emplace_back(std::move(key), std::move(v));
      skipSpace();
      if (i_ < s_.size() && s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (i_ < s_.size() && s_[i_] == '}') {
        ++i_;
        return true;
      }
      return fail("expected , or }");
    }
  }

  std::string_view s_;
  size_t i_ = 0;
  std::string error_;
};

namespace {
const Json& nullJson() {
  static const Json null;
  return null;
}
} // namespace

bool Json::has(std::string_view key) const {
  for (const auto& [k, v] : members_) {
    if (k == key) return true;
  }
  return false;
}

const Json& Json::operator[](std::string_view key) const {
  for (const auto& [k, v] : members_) {
    if (k == key) return v;
  }
  return nullJson();
}

const Json& Json::operator[](size_t index) const {
  return index < items_.size() ? items_[index] : nullJson();
}

std::optional<Json> Json::parse(std::string_view text, std::string* error) {
  return JsonParser(text).run(error);
}

} // namespace tether::test
