#include "tests/support/http_message.h"

#include <algorithm>
#include <cctype>

namespace tether::test {
namespace {

bool isTokenChar(char c) {
  if (std::isalnum(static_cast<unsigned char>(c))) {
    return true;
  }
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// Parses "name: value" into `out`. Returns false with `error` set when the line is not a header.
bool parseHeaderLine(std::string_view line, HeaderList& out, std::string& error) {
  if (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
    error = "obs-fold continuation line";
    return false;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    error = "header line without a name and colon: '" + std::string(line) + "'";
    return false;
  }
  std::string_view name = line.substr(0, colon);
  if (!std::all_of(name.begin(), name.end(), isTokenChar)) {
    error = "invalid header name '" + std::string(name) + "'";
    return false;
  }
  out.add(std::string(name), std::string(trim(line.substr(colon + 1))));
  return true;
}

} // namespace

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string toLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

std::vector<std::string> splitList(std::string_view value) {
  std::vector<std::string> out;
  while (!value.empty()) {
    size_t comma = value.find(',');
    std::string_view item = trim(value.substr(0, comma));
    if (!item.empty()) {
      out.emplace_back(item);
    }
    if (comma == std::string_view::npos) {
      break;
    }
    value.remove_prefix(comma + 1);
  }
  return out;
}

std::optional<std::string> HeaderList::get(std::string_view name) const {
  for (const auto& [n, v] : entries_) {
    if (equalsIgnoreCase(n, name)) {
      return v;
    }
  }
  return std::nullopt;
}

std::vector<std::string> HeaderList::getAll(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [n, v] : entries_) {
    if (equalsIgnoreCase(n, name)) {
      out.push_back(v);
    }
  }
  return out;
}

size_t HeaderList::count(std::string_view name) const {
  return static_cast<size_t>(std::count_if(entries_.begin(), entries_.end(), [&](const Entry& e) {
    return equalsIgnoreCase(e.first, name);
  }));
}

bool HeaderList::hasToken(std::string_view name, std::string_view token) const {
  for (const auto& value : getAll(name)) {
    for (const auto& item : splitList(value)) {
      if (equalsIgnoreCase(item, token)) {
        return true;
      }
    }
  }
  return false;
}

ParseStatus parseHead(std::string_view buf, MessageHead& out, std::string& error,
                      size_t max_bytes) {
  size_t end = buf.find("\r\n\r\n");
  if (end == std::string_view::npos) {
    // A bare LF anywhere before the (missing) end is already an error worth reporting early.
    size_t lf = buf.find('\n');
    if (lf != std::string_view::npos && (lf == 0 || buf[lf - 1] != '\r')) {
      error = "bare LF line ending";
      return ParseStatus::Error;
    }
    if (buf.size() > max_bytes) {
      error = "head larger than " + std::to_string(max_bytes) + " bytes";
      return ParseStatus::Error;
    }
    return ParseStatus::NeedMore;
  }
  std::string_view head = buf.substr(0, end + 2);  // every line keeps its CRLF
  MessageHead result;
  result.length = end + 4;
  bool first = true;
  while (!head.empty()) {
    size_t crlf = head.find("\r\n");
    std::string_view line = head.substr(0, crlf);
    head.remove_prefix(crlf + 2);
    if (line.find('\n') != std::string_view::npos || line.find('\r') != std::string_view::npos) {
      error = "bare CR or LF inside a line";
      return ParseStatus::Error;
    }
    if (first) {
      result.start_line = std::string(line);
      first = false;
      continue;
    }
    if (!parseHeaderLine(line, result.headers, error)) {
      return ParseStatus::Error;
    }
  }
  out = std::move(result);
  return ParseStatus::Complete;
}

size_t ChunkedDecoder::feed(std::string_view data) {
  size_t used = 0;
  while (status_ == ParseStatus::NeedMore && used < data.size()) {
    std::string_view rest = data.substr(used);
    switch (state_) {
      case State::Size: {
        size_t crlf = rest.find("\r\n");
        if (crlf == std::string_view::npos) {
          if (rest.size() > 1024) {
            status_ = ParseStatus::Error;
            error_ = "chunk-size line too long";
          }
          return used;
        }
        std::string_view line = rest.substr(0, crlf);
        std::string_view hex = trim(line.substr(0, line.find(';')));
        if (hex.empty() || hex.size() > 15 ||
            !std::all_of(hex.begin(), hex.end(),
                         [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); })) {
          status_ = ParseStatus::Error;
          error_ = "invalid chunk size '" + std::string(line) + "'";
          return used;
        }
        remaining_ = std::stoull(std::string(hex), nullptr, 16);
        used += crlf + 2;
        if (remaining_ == 0) {
          state_ = State::Trailers;
        } else {
          ++chunks_;
          state_ = State::Data;
        }
        break;
      }
      case State::Data: {
        size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, rest.size()));
        body_.append(rest.substr(0, take));
        remaining_ -= take;
        used += take;
        if (remaining_ == 0) {
          state_ = State::DataEnd;
        }
        break;
      }
      case State::DataEnd: {
        if (rest.size() < 2) {
          return used;
        }
        if (rest.substr(0, 2) != "\r\n") {
          status_ = ParseStatus::Error;
          error_ = "chunk data not followed by CRLF";
          return used;
        }
        used += 2;
        state_ = State::Size;
        break;
      }
      case State::Trailers: {
        size_t crlf = rest.find("\r\n");
        if (crlf == std::string_view::npos) {
          return used;
        }
        std::string_view line = rest.substr(0, crlf);
        used += crlf + 2;
        if (line.empty()) {
          status_ = ParseStatus::Complete;
          return used;
        }
        if (!parseHeaderLine(line, trailers_, error_)) {
          status_ = ParseStatus::Error;
          return used;
        }
        break;
      }
    }
  }
  return used;
}

std::string buildRequest(std::string_view method, std::string_view target,
                         const HeaderList& headers, std::string_view body,
                         std::string_view version) {
  std::string out;
  out.append(method).append(" ").append(target).append(" ").append(version).append("\r\n");
  if (!headers.has("Host")) {
    out.append("Host: test.local\r\n");
  }
  for (const auto& [name, value] : headers.entries()) {
    out.append(name).append(": ").append(value).append("\r\n");
  }
  if (!body.empty() && !headers.has("Content-Length") && !headers.has("Transfer-Encoding")) {
    out.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  }
  out.append("\r\n").append(body);
  return out;
}

std::string encodeChunked(std::string_view body, size_t chunk_size) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  while (!body.empty()) {
    size_t n = std::min(chunk_size, body.size());
    std::string hex;
    for (size_t v = n; v > 0; v >>= 4) {
      hex.insert(hex.begin(), kHex[v & 0xf]);
    }
    out.append(hex).append("\r\n").append(body.substr(0, n)).append("\r\n");
    body.remove_prefix(n);
  }
  out.append("0\r\n\r\n");
  return out;
}

namespace {
char patternAt(size_t i) { return static_cast<char>('a' + (i + i / 26) % 26); }
} // namespace

std::string patternBody(size_t size) { return patternSlice(0, size); }

std::string patternSlice(size_t offset, size_t size) {
  std::string out(size, '\0');
  for (size_t i = 0; i < size; ++i) {
    out[i] = patternAt(offset + i);
  }
  return out;
}

bool matchesPattern(std::string_view data, size_t offset) {
  for (size_t i = 0; i < data.size(); ++i) {
    if (data[i] != patternAt(offset + i)) {
      return false;
    }
  }
  return true;
}

} // namespace tether::test
