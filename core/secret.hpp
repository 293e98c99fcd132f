// Comparing secrets (tokens, signatures) without leaking through timing,
// and making new ones.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sb {

/// True if `a` and `b` are equal. The contents are compared in constant
/// time (OpenSSL's CRYPTO_memcmp); only the lengths may leak, and a
/// secret's length is no secret worth keeping.
bool equal_secrets(std::string_view a, std::string_view b);

/// `bytes` bytes from OpenSSL's CSPRNG (RAND_bytes) as 2 * `bytes`
/// lower-case hex digits; empty if the generator fails (the caller must
/// then refuse whatever needed the secret).
std::string random_hex(size_t bytes);

} // namespace sb
