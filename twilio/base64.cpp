// base64 over EVP_EncodeBlock/EVP_DecodeBlock. OpenSSL's decoder is lenient
// where we want strictness: it skips leading and trailing whitespace,
// counts '=' as zero bits (so its length includes the padding's bytes),
// and ignores the unused bits of the last letter. So the text is checked
// here first and the decoder only ever sees strict base64. Both block
// functions take an int length; long input goes through in whole blocks of
// a few MiB, so no length is ever truncated.
#include "twilio/base64.hpp"

#include <algorithm>

#include <openssl/evp.h>

namespace sb {
namespace {

// Multiples of 3 bytes and 4 letters: every step ends on a block boundary.
constexpr size_t bytes_per_step = 3 << 20;
constexpr size_t letters_per_step = 4 << 20;

// The 6-bit value of one base64 letter, or -1 for anything else ('='
// included).
int letter_value(char c) {
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+')
    return 62;
  if (c == '/')
    return 63;
  return -1;
}

auto* as_bytes(const char* s) {
  return reinterpret_cast<const unsigned char*>(s);
}

auto* as_bytes(char* s) {
  return reinterpret_cast<unsigned char*>(s);
}

} // namespace

std::string base64_encode(std::string_view bytes) {
  // One spare byte for the NUL that EVP_EncodeBlock writes after each
  // step; the next step writes over it.
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  size_t written = 0;
  for (size_t at = 0; at < bytes.size(); at += bytes_per_step) {
    auto step = bytes.substr(at, bytes_per_step);
    written += static_cast<size_t>(
      EVP_EncodeBlock(as_bytes(out.data() + written), as_bytes(step.data()),
                      static_cast<int>(step.size())));
  }
  out.resize(written);
  return out;
}

std::optional<size_t> base64_decoded_size(std::string_view text) {
  if (text.size() % 4 != 0)
    return std::nullopt;
  size_t padding = 0;
  if (!text.empty() && text.back() == '=')
    padding = text.size() >= 2 && text[text.size() - 2] == '=' ? 2 : 1;
  return text.size() / 4 * 3 - padding;
}

std::optional<std::string> base64_decode(std::string_view text) {
  auto size = base64_decoded_size(text);
  if (!size)
    return std::nullopt;
  const size_t padding = text.size() / 4 * 3 - *size;
  auto letters = text.substr(0, text.size() - padding);
  if (!std::all_of(letters.begin(), letters.end(),
                   [](char c) { return letter_value(c) >= 0; }))
    return std::nullopt;
  // Before one '=' the last letter carries 2 unused bits, before two, 4.
  // Set, they would give a second spelling of the same bytes ("QR==" and
  // "QQ==" both decode to "A").
  const int unused_bits = padding == 1 ? 0x03 : 0x0f;
  if (padding > 0 && (letter_value(letters.back()) & unused_bits) != 0)
    return std::nullopt;
  std::string out(text.size() / 4 * 3, '\0');
  size_t written = 0;
  for (size_t at = 0; at < text.size(); at += letters_per_step) {
    auto step = text.substr(at, letters_per_step);
    auto n = EVP_DecodeBlock(as_bytes(out.data() + written),
                             as_bytes(step.data()),
                             static_cast<int>(step.size()));
    if (n < 0)
      return std::nullopt;
    written += static_cast<size_t>(n);
  }
  // EVP_DecodeBlock counts each '=' as a zero byte.
  out.resize(*size);
  return out;
}

} // namespace sb
