// Fuzzes the X-Twilio-Signature check (twilio/twilio_signature). An input is
// four lines: auth token, URL, a claimed signature, and a form body (or a
// JSON body). Besides not crashing on any of them, the check must accept
// the signature computed for the request and refuse every mutation of it
// (one bit flipped, one character cut or added, another token), and the
// JSON variant must accept a correct bodySHA256 and refuse another body.
#include <string>

#include <openssl/evp.h>

#include "fuzz/fuzz_support.hpp"
#include "net/text/form.hpp"
#include "twilio/twilio_signature.hpp"

namespace {

std::string sha256_hex(std::string_view data) {
  static constexpr char digits[] = "0123456789abcdef";
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  SB_FUZZ_CHECK(
    EVP_Digest(data.data(), data.size(), md, &md_len, EVP_sha256(), nullptr));
  std::string out;
  for (unsigned int i = 0; i < md_len; ++i) {
    out += digits[md[i] >> 4];
    out += digits[md[i] & 0x0F];
  }
  return out;
}

// Everything a signature covers is order- and repeat-insensitive.
void check_signing_input(std::string_view url, const sb::form_params& params) {
  auto input = sb::twilio_signing_input(url, params);
  SB_FUZZ_CHECK(input.compare(0, url.size(), url) == 0);
  sb::form_params shuffled(params.rbegin(), params.rend());
  if (!params.empty())
    shuffled.push_back(params.front());
  SB_FUZZ_CHECK(sb::twilio_signing_input(url, shuffled) == input);
}

void check_mutations(std::string_view token, std::string_view url,
                     const sb::form_params& params, size_t pick) {
  // The fragment is never signed: Twilio does not send it.
  auto signed_url = url.substr(0, url.find('#'));
  auto good = sb::twilio_signature(token, signed_url, params);
  SB_FUZZ_CHECK(good.size() == 28);
  if (token.empty()) {
    SB_FUZZ_CHECK(!sb::validate_twilio_signature(token, url, params, good));
    return;
  }
  SB_FUZZ_CHECK(sb::validate_twilio_signature(token, url, params, good));
  auto flipped = good;
  flipped[pick % flipped.size()] ^= static_cast<char>(1u << (pick % 7));
  SB_FUZZ_CHECK(!sb::validate_twilio_signature(token, url, params, flipped));
  SB_FUZZ_CHECK(
    !sb::validate_twilio_signature(token, url, params, good.substr(0, 27)));
  SB_FUZZ_CHECK(!sb::validate_twilio_signature(token, url, params, good + "="));
  SB_FUZZ_CHECK(!sb::validate_twilio_signature(token, url, params, ""));
  // Not a NUL: HMAC pads a short key with zeros, so "k" and "k\0" agree.
  SB_FUZZ_CHECK(!sb::validate_twilio_signature(std::string(token) + "x", url,
                                               params, good));
}

void check_json(std::string_view token, std::string_view url,
                std::string_view body) {
  auto base = std::string(url.substr(0, url.find('#')));
  if (token.empty() || base.find("bodySHA256") != std::string::npos)
    return;
  base += base.find('?') == std::string::npos ? '?' : '&';
  auto signed_url = base + "bodySHA256=" + sha256_hex(body);
  auto signature = sb::twilio_signature(token, signed_url, {});
  SB_FUZZ_CHECK(
    sb::validate_twilio_json_signature(token, signed_url, body, signature));
  SB_FUZZ_CHECK(!sb::validate_twilio_json_signature(
    token, signed_url, std::string(body) + " ", signature));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto f = sb::fuzz::fields(sb::fuzz::as_text(data, size), 4);
  const auto token = f[0], url = f[1], claimed = f[2], body = f[3];
  auto parsed = sb::parse_form(body);
  sb::form_params params = parsed ? std::move(*parsed) : sb::form_params{};
  // Whatever is claimed, asking must be safe.
  (void) sb::validate_twilio_signature(token, url, params, claimed);
  (void) sb::validate_twilio_json_signature(token, url, body, claimed);
  check_signing_input(url, params);
  check_mutations(token, url, params, size);
  check_json(token, url, body);
  return 0;
}
