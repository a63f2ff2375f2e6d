// Cidr / IpAddress: trusted-proxy matching. A wrong answer here either trusts a spoofed
// X-Forwarded-For or drops a real one, so both directions are pinned for each family.

#include <catch2/catch.hpp>

#include "routing/cidr.h"

namespace tether::routing {
namespace {

IpAddress ip(std::string_view text) {
  auto parsed = IpAddress::parse(text);
  REQUIRE(parsed.has_value());
  return *parsed;
}

Cidr net(std::string_view text) {
  auto parsed = Cidr::parse(text);
  REQUIRE(parsed.has_value());
  return *parsed;
}

TEST_CASE("IpAddress: parses numeric v4 and v6 only", "[routing]") {
  // Given numeric literals, expect the right family; given anything else, expect nullopt.
  CHECK_FALSE(ip("10.1.2.3").v6);
  CHECK(ip("10.1.2.3").bytes[0] == 10);
  CHECK(ip("10.1.2.3").bytes[3] == 3);
  CHECK(ip("::1").v6);
  CHECK(ip("::1").bytes[15] == 1);
  CHECK(ip("2001:db8::1").v6);
  for (const char* bad : {"", "localhost", "10.0.0", "10.0.0.256", "[::1]", "::1/128", " 1.2.3.4",
                          "1.2.3.4 "}) {
    INFO(bad);
    CHECK_FALSE(IpAddress::parse(bad).has_value());
  }
}

TEST_CASE("Cidr: IPv4 networks", "[routing]") {
  // Given 10.0.0.0/8, expect 10.x inside and 11.x, 9.x outside.
  const Cidr ten = net("10.0.0.0/8");
  CHECK(ten.contains(ip("10.0.0.0")));
  CHECK(ten.contains(ip("10.255.255.255")));
  CHECK_FALSE(ten.contains(ip("11.0.0.0")));
  CHECK_FALSE(ten.contains(ip("9.255.255.255")));

  // Given a prefix that is not a byte boundary (/20), expect the partial byte masked correctly.
  const Cidr mid = net("192.168.16.0/20");
  CHECK(mid.contains(ip("192.168.16.1")));
  CHECK(mid.contains(ip("192.168.31.255")));
  CHECK_FALSE(mid.contains(ip("192.168.32.0")));
  CHECK_FALSE(mid.contains(ip("192.168.15.255")));

  // Given /0, expect every IPv4 address and no IPv6 one.
  const Cidr all = net("0.0.0.0/0");
  CHECK(all.contains(ip("1.2.3.4")));
  CHECK(all.contains(ip("255.255.255.255")));
  CHECK_FALSE(all.contains(ip("::1")));

  // Given host bits set in the network (10.1.2.3/8), expect them ignored, as most tools do.
  CHECK(net("10.1.2.3/8").contains(ip("10.9.9.9")));
}

TEST_CASE("Cidr: bare addresses are single hosts", "[routing]") {
  // Given "10.0.0.1" and "::1" without a prefix, expect /32 and /128.
  const Cidr one = net("10.0.0.1");
  CHECK(one.contains(ip("10.0.0.1")));
  CHECK_FALSE(one.contains(ip("10.0.0.2")));
  const Cidr loop6 = net("::1");
  CHECK(loop6.contains(ip("::1")));
  CHECK_FALSE(loop6.contains(ip("::2")));
  CHECK(net("10.0.0.1/32").contains(ip("10.0.0.1")));
}

TEST_CASE("Cidr: IPv6 networks", "[routing]") {
  // Given fd00::/8 and 2001:db8::/33, expect prefix matching across the 16 bytes.
  const Cidr ula = net("fd00::/8");
  CHECK(ula.contains(ip("fd12:3456::1")));
  CHECK_FALSE(ula.contains(ip("fe80::1")));
  const Cidr odd = net("2001:db8::/33");
  CHECK(odd.contains(ip("2001:db8:7fff::1")));
  CHECK_FALSE(odd.contains(ip("2001:db8:8000::1")));
  CHECK(net("::/0").contains(ip("2001:db8::1")));
  CHECK_FALSE(net("::/0").contains(ip("1.2.3.4")));
  CHECK(net("::1/128").contains(ip("::1")));
}

TEST_CASE("Cidr: families never match each other", "[routing]") {
  // Given an IPv4 network, expect its IPv4-mapped IPv6 form not to match (and vice versa).
  CHECK_FALSE(net("10.0.0.0/8").contains(ip("::ffff:10.0.0.1")));
  CHECK_FALSE(net("::ffff:0:0/96").contains(ip("10.0.0.1")));
}

TEST_CASE("Cidr: bad input is refused", "[routing]") {
  // Given prefixes out of range, missing, or not numbers, and hosts that are not IPs, expect
  // nullopt for each.
  for (const char* bad : {"10.0.0.0/33", "::/129", "x/8", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/8x",
                          "10.0.0.0/ 8", "/8", "", "10.0.0.0/8/8", "10.0.0.0//8"}) {
    INFO(bad);
    CHECK_FALSE(Cidr::parse(bad).has_value());
  }
  CHECK(Cidr::parse("10.0.0.0/32").has_value());
  CHECK(Cidr::parse("::/128").has_value());
}

TEST_CASE("anyContains: matches against a list", "[routing]") {
  // Given [10.0.0.0/8, ::1], expect members of either to match and others (or junk) not to.
  const std::vector<Cidr> nets = {net("10.0.0.0/8"), net("::1")};
  CHECK(anyContains(nets, "10.20.30.40"));
  CHECK(anyContains(nets, "::1"));
  CHECK_FALSE(anyContains(nets, "192.168.0.1"));
  CHECK_FALSE(anyContains(nets, "::2"));
  CHECK_FALSE(anyContains(nets, "not-an-ip"));
  CHECK_FALSE(anyContains(nets, ""));
  // Given an empty list, expect nothing to match.
  CHECK_FALSE(anyContains({}, "10.0.0.1"));
}

} // namespace
} // namespace tether::routing
