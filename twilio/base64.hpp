// Standard base64 (RFC 4648 §4, padded) over OpenSSL's EVP block coder, for
// the bytes Twilio carries as text: HMAC signatures and Media Streams audio.
// Decoding is strict, so one byte string has exactly one spelling: only
// the 64 letters, '=' only as the last one or two characters, a length
// that is a multiple of 4, and zero bits where padding leaves unused ones.
// Pure functions, callable from any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace sb {

/// base64 of `bytes`, padded with '='.
std::string base64_encode(std::string_view bytes);

/// How many bytes `text` decodes to, judged from its length and padding
/// alone (O(1), nothing decoded), or nullopt if its length is not a
/// multiple of 4. Lets a caller refuse a huge payload before decoding it.
std::optional<size_t> base64_decoded_size(std::string_view text);

/// The bytes `text` encodes, or nullopt if it is not strict base64 (see
/// above; whitespace and line breaks included). "" decodes to "".
std::optional<std::string> base64_decode(std::string_view text);

} // namespace sb
