// Comparing secrets (tokens, signatures) without leaking through timing.
#pragma once

#include <string_view>

namespace sb {

/// True if `a` and `b` are equal. The contents are compared in constant
/// time (OpenSSL's CRYPTO_memcmp); only the lengths may leak, and a
/// secret's length is no secret worth keeping.
bool equal_secrets(std::string_view a, std::string_view b);

} // namespace sb
