#include "proxy/http/message_rewriter.h"

#include <charconv>
#include <initializer_list>

namespace tether::proxy::http {

namespace {

bool isOneOf(std::string_view name, std::initializer_list<std::string_view> names) {
  for (auto n : names) {
    if (equalsIgnoreCase(name, n)) return true;
  }
  return false;
}

// True for fields a proxy must not forward: the fixed hop-by-hop set plus those the message's own
// Connection fields name (RFC 9110 §7.6.1).
bool isHopByHop(const HttpHead& head, std::string_view name) {
  if (isOneOf(name, {"connection", "keep-alive", "proxy-connection", "te", "trailer",
                     "transfer-encoding", "content-length", "upgrade"})) {
    return true;
  }
  for (size_t i = 0; i < head.fieldCount(); ++i) {
    if (equalsIgnoreCase(head.name(i), "connection") && listContainsToken(head.value(i), name)) {
      return true;
    }
  }
  return false;
}

void appendField(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(value).append("\r\n");
}

void appendFraming(std::string& out, BodyFraming framing, uint64_t length) {
  if (framing == BodyFraming::Length) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, length);
    appendField(out, "Content-Length", {buf, static_cast<size_t>(end - buf)});
  } else if (framing == BodyFraming::Chunked) {
    appendField(out, "Transfer-Encoding", "chunked");
  }
}

} // namespace

void buildUpstreamRequest(const HttpHead& request, const UpstreamRequestOptions& o,
                          std::string& out) {
  out.append(request.method()).push_back(' ');
  out.append(request.target()).append(" HTTP/1.1\r\n");
  std::string_view upgrade_value;
  std::string xff;
  std::string_view xfp, xfh, host;
  bool have_host = false;
  for (size_t i = 0; i < request.fieldCount(); ++i) {
    const auto name = request.name(i);
    const auto value = request.value(i);
    if (equalsIgnoreCase(name, "upgrade")) upgrade_value = value;
    if (o.forwarded_headers) {
      // Only a trusted peer's X-Forwarded-* are believed; anyone else's are replaced.
      if (equalsIgnoreCase(name, "x-forwarded-for")) {
        if (o.peer_trusted) xff.append(xff.empty() ? "" : ", ").append(value);
        continue;
      }
      if (equalsIgnoreCase(name, "x-forwarded-proto")) {
        if (o.peer_trusted && xfp.empty()) xfp = value;
        continue;
      }
      if (equalsIgnoreCase(name, "x-forwarded-host")) {
        if (o.peer_trusted && xfh.empty()) xfh = value;
        continue;
      }
    }
    // tether answers Expect: 100-continue itself, so the backend must not wait for a body gate.
    if (isHopByHop(request, name) || equalsIgnoreCase(name, "expect")) continue;
    if (equalsIgnoreCase(name, "host")) {
      have_host = true;
      host = value;
    }
    appendField(out, name, value);
  }
  if (!have_host && !o.backend_authority.empty()) appendField(out, "Host", o.backend_authority);
  appendFraming(out, o.framing, o.content_length);
  if (o.upgrade && !upgrade_value.empty()) {
    appendField(out, "Connection", "upgrade");
    appendField(out, "Upgrade", upgrade_value);
  }
  if (o.forwarded_headers) {
    xff.append(xff.empty() ? "" : ", ").append(o.peer_address);
    appendField(out, "X-Forwarded-For", xff);
    appendField(out, "X-Forwarded-Proto", xfp.empty() ? std::string_view("http") : xfp);
    if (xfh.empty()) xfh = host;
    if (!xfh.empty()) appendField(out, "X-Forwarded-Host", xfh);
  }
  out.append("\r\n");
}

void buildClientResponse(const HttpHead& response, const ClientResponseOptions& o,
                         std::string& out) {
  char status[8];
  auto [end, ec] = std::to_chars(status, status + sizeof status, response.status);
  out.append("HTTP/1.1 ").append(status, static_cast<size_t>(end - status)).push_back(' ');
  out.append(response.reason()).append("\r\n");
  std::string_view upgrade_value;
  for (size_t i = 0; i < response.fieldCount(); ++i) {
    const auto name = response.name(i);
    if (equalsIgnoreCase(name, "upgrade")) upgrade_value = response.value(i);
    if (o.keep_content_length && equalsIgnoreCase(name, "content-length")) {
      appendField(out, name, response.value(i));
      continue;
    }
    if (isHopByHop(response, name)) continue;
    appendField(out, name, response.value(i));
  }
  appendFraming(out, o.framing, o.content_length);
  out.append(o.extra_fields);
  if (o.upgrade) {
    appendField(out, "Connection", "upgrade");
    if (!upgrade_value.empty()) appendField(out, "Upgrade", upgrade_value);
  } else if (!o.keep_alive) {
    appendField(out, "Connection", "close");
  } else if (o.client_http10) {
    appendField(out, "Connection", "keep-alive");
  }
  out.append("\r\n");
}

std::string_view chunkHeader(size_t size, char (&buf)[24]) {
  auto [end, ec] = std::to_chars(buf, buf + 20, size, 16);
  *end++ = '\r';
  *end++ = '\n';
  return {buf, static_cast<size_t>(end - buf)};
}

} // namespace tether::proxy::http
