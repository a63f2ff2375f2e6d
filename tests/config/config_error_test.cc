// ConfigError and SocketAddress renderings: both are read by people fixing files and grepped by
// editors ("FILE:LINE:COL: message" is what compilers print), so the exact format is pinned.

#include <catch2/catch.hpp>

#include "config/config_error.h"
#include "config/config_model.h"

namespace tether::config {
namespace {

TEST_CASE("ConfigError: renders as FILE:LINE:COL: message", "[config]") {
  // Given a positioned error, expect the compiler-style one-line form.
  const ConfigError e{"tether.yaml", 12, 5, "timeouts.connect: invalid duration '10x'"};
  CHECK(e.toString() == "tether.yaml:12:5: timeouts.connect: invalid duration '10x'");
  // Given the "no position" error of an unreadable file, expect 0:0.
  CHECK(ConfigError{"/nope.yaml", 0, 0, "cannot read: x"}.toString() ==
        "/nope.yaml:0:0: cannot read: x");
}

TEST_CASE("SocketAddress: IPv6 hosts are bracketed", "[config]") {
  // Given v4 and v6 hosts, expect "host:port" and "[host]:port".
  CHECK(SocketAddress{"127.0.0.1", 80}.toString() == "127.0.0.1:80");
  CHECK(SocketAddress{"::1", 80}.toString() == "[::1]:80");
  CHECK(SocketAddress{"2001:db8::1", 65535}.toString() == "[2001:db8::1]:65535");
  CHECK(SocketAddress{"0.0.0.0", 0}.toString() == "0.0.0.0:0");
}

} // namespace
} // namespace tether::config
