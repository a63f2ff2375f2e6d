#pragma once
// Small pieces for writing response heads: the reason phrase of a status code, and the check
// that a field value can be emitted as is. Pure.

#include <string_view>

namespace tether::proxy::http {

// "OK", "Not Found", ...; "OK" or "Error" for codes without a phrase of their own.
std::string_view reasonPhrase(int status);

// True when `value` has no CR, LF or other control byte (tab aside): emitting it cannot split the
// response.
bool isSafeFieldValue(std::string_view value);

} // namespace tether::proxy::http
