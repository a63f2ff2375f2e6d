#include <catch2/catch.hpp>

#include <string>

#include "proxy/http/error_response.h"

using namespace tether::proxy::http;

TEST_CASE("every proxy error maps to its status and a well-formed closing response", "[proxy]") {
  // Given each row of the one mapping table, expect the documented status, a status line that
  // agrees with it, Connection: close, and a Content-Length equal to the body's size.
  struct Row {
    ProxyError e;
    int status;
  };
  const Row rows[] = {{ProxyError::BadRequest, 400}, {ProxyError::MissingSessionKey, 400},        {ProxyError::ClientHeaderTimeout, 408},
                      {ProxyError::BodyTooLarge, 413},      {ProxyError::HeaderTooLarge, 431},
                      {ProxyError::NotImplemented, 501},    {ProxyError::NoBackend, 503},
                      {ProxyError::UpstreamConnectFailed, 502}, {ProxyError::UpstreamReset, 502},
                      {ProxyError::UpstreamBadResponse, 502},   {ProxyError::UpstreamTimeout, 504}};
  for (const auto& row : rows) {
    INFO(errorName(row.e));
    CHECK(statusFor(row.e) == row.status);
    const std::string r(responseFor(row.e));
    CHECK(r.rfind("HTTP/1.1 " + std::to_string(row.status) + " ", 0) == 0);
    CHECK(r.find("\r\nConnection: close\r\n") != std::string::npos);
    const auto cl = r.find("Content-Length: ");
    REQUIRE(cl != std::string::npos);
    const auto body = r.substr(r.find("\r\n\r\n") + 4);
    CHECK(std::stoul(r.substr(cl + 16)) == body.size());
    CHECK_FALSE(errorName(row.e).empty());
  }
}
