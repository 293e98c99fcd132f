// Relay tokens over OpenSSL: the one-shot HMAC() as in twilio_signature.cpp,
// twilio/base64 for the base64 (then mapped to the URL alphabet), and
// equal_secrets for the comparison. The issued time is parsed strictly
// (digits only, canonical form) so one token has exactly one spelling.
#include "twilio/relay_token.hpp"

#include <algorithm>
#include <charconv>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/secret.hpp"
#include "twilio/base64.hpp"

namespace sb {
namespace {

// SHA-256 is 32 bytes: 43 base64 characters once the '=' is dropped.
constexpr size_t signature_chars = 43;

// RFC 4648 §5: '+' and '/' become '-' and '_', padding dropped.
std::string base64url(const unsigned char* data, size_t size) {
  auto out = base64_encode({reinterpret_cast<const char*>(data), size});
  while (!out.empty() && out.back() == '=')
    out.pop_back();
  std::replace(out.begin(), out.end(), '+', '-');
  std::replace(out.begin(), out.end(), '/', '_');
  return out;
}

bool is_base64url(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
           || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

// base64url(HMAC-SHA256(auth_token, "relay:<call_sid>:<issued>")), or
// empty if OpenSSL fails.
std::string relay_signature(std::string_view auth_token,
                            std::string_view call_sid,
                            std::string_view issued) {
  std::string input = "relay:";
  input.append(call_sid).append(":").append(issued);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  if (!HMAC(EVP_sha256(), auth_token.data(),
            static_cast<int>(auth_token.size()),
            reinterpret_cast<const unsigned char*>(input.data()), input.size(),
            md, &md_len))
    return {};
  return base64url(md, md_len);
}

// later - earlier > limit (a negative limit counts as 0), without
// overflow for any int64 values.
bool differs_by_more(int64_t later, int64_t earlier, int64_t limit) {
  if (later <= earlier)
    return false;
  const auto diff = static_cast<uint64_t>(later)
                    - static_cast<uint64_t>(earlier);
  return diff > static_cast<uint64_t>(std::max<int64_t>(limit, 0));
}

} // namespace

std::string make_relay_token(std::string_view auth_token,
                             std::string_view call_sid, int64_t issued_unix_s) {
  if (auth_token.empty() || issued_unix_s < 0)
    return {};
  const auto issued = std::to_string(issued_unix_s);
  const auto signature = relay_signature(auth_token, call_sid, issued);
  if (signature.empty())
    return {};
  return issued + "." + signature;
}

std::string_view to_string(relay_token_status status) {
  switch (status) {
    case relay_token_status::ok: return "ok";
    case relay_token_status::malformed: return "malformed";
    case relay_token_status::bad_signature: return "bad_signature";
    case relay_token_status::expired: return "expired";
    case relay_token_status::from_future: return "from_future";
  }
  return "unknown";
}

relay_token_status check_relay_token(std::string_view auth_token,
                                     std::string_view call_sid,
                                     std::string_view token, int64_t now_unix_s,
                                     int64_t max_age_s, int64_t max_skew_s) {
  const auto dot = token.find('.');
  if (dot == std::string_view::npos)
    return relay_token_status::malformed;
  const auto issued_text = token.substr(0, dot);
  const auto signature = token.substr(dot + 1);
  int64_t issued = 0;
  const char* end = issued_text.data() + issued_text.size();
  auto [ptr, ec] = std::from_chars(issued_text.data(), end, issued);
  // from_chars takes a '-'; to_string's form rules out '-', '+' and "007".
  if (issued_text.empty() || ec != std::errc{} || ptr != end || issued < 0
      || std::to_string(issued) != issued_text
      || signature.size() != signature_chars || !is_base64url(signature))
    return relay_token_status::malformed;
  if (auth_token.empty())
    return relay_token_status::bad_signature;
  const auto expected = relay_signature(auth_token, call_sid, issued_text);
  if (expected.empty() || !equal_secrets(expected, signature))
    return relay_token_status::bad_signature;
  if (differs_by_more(now_unix_s, issued, max_age_s))
    return relay_token_status::expired;
  if (differs_by_more(issued, now_unix_s, max_skew_s))
    return relay_token_status::from_future;
  return relay_token_status::ok;
}

} // namespace sb
