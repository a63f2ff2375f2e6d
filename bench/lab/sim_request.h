#pragma once
// SimRequest: the routing::RequestView of a simulated request: `GET /`, one Cookie header with the
// session cookie (SID=<16 hex>) and, once the client has one, tether's affinity cookie, and the
// client's source address as the TCP peer. The router parses these exactly as it parses a real
// request, so the timed route() call includes key extraction and cookie verification.
//
// Reused for every request of a run (no allocation once the buffers have grown). Single-threaded.

#include <cstdint>
#include <string>

#include "bench/lab/lab_config.h"
#include "routing/request_view.h"

namespace tether::lab {

class SimRequest : public routing::RequestView {
public:
  void set(uint64_t sid, const std::string& affinity_cookie_name,
           const std::string& affinity_cookie, uint32_t ip) {
    static constexpr char kHex[] = "0123456789abcdef";
    cookie_.assign(kSessionCookie);
    cookie_ += '=';
    for (int shift = 60; shift >= 0; shift -= 4) cookie_ += kHex[(sid >> shift) & 15];
    if (!affinity_cookie.empty()) {
      cookie_ += "; ";
      cookie_ += affinity_cookie_name;
      cookie_ += '=';
      cookie_ += affinity_cookie;
    }
    peer_len_ = 0;
    for (int shift = 24; shift >= 0; shift -= 8) {
      unsigned octet = (ip >> shift) & 255;
      if (octet >= 100) peer_[peer_len_++] = static_cast<char>('0' + octet / 100);
      if (octet >= 10) peer_[peer_len_++] = static_cast<char>('0' + octet / 10 % 10);
      peer_[peer_len_++] = static_cast<char>('0' + octet % 10);
      if (shift) peer_[peer_len_++] = '.';
    }
  }

  // routing::RequestView
  std::string_view method() const override { return "GET"; }
  std::string_view target() const override { return "/"; }
  std::optional<std::string_view> headerAt(std::string_view name, size_t index) const override {
    if (index != 0 || name.size() != 6) return std::nullopt;
    static constexpr std::string_view kCookie = "cookie";
    for (size_t i = 0; i < 6; ++i) {
      if ((name[i] | 0x20) != kCookie[i]) return std::nullopt;
    }
    return std::string_view(cookie_);
  }
  std::string_view peerAddress() const override { return {peer_, peer_len_}; }

private:
  std::string cookie_;
  char peer_[16] = {};
  size_t peer_len_ = 0;
};

} // namespace tether::lab
