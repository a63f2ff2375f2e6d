#pragma once
// Catch2 helpers for TestClient reads: a failed read names its reason (the client's lastError())
// instead of a bare "REQUIRE(r) failed". Test-only.

#include <catch2/catch.hpp>

// Runs `client.call` (a TestClient method returning std::optional<HttpResponse>) into `var` and
// FAILs with the client's error when no response arrived.
//   REQUIRE_READ(r, c, roundTrip(buildRequest("GET", "/")));
#define REQUIRE_READ(var, client, call)                                      \
  auto var = (client).call;                                                  \
  if (!(var)) {                                                              \
    FAIL(#client "." #call " gave no response: " << (client).lastError());   \
  }

// REQUIRE_READ plus: the body arrived completely.
#define REQUIRE_COMPLETE(var, client, call)                                  \
  REQUIRE_READ(var, client, call)                                            \
  if (!(var)->complete) {                                                    \
    FAIL(#client "." #call " response incomplete: " << (client).lastError()); \
  }
