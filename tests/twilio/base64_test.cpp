// Tests for twilio/base64: RFC 4648's vectors both ways, every byte value
// through a round trip, input longer than one OpenSSL block step, the size
// known from the text alone, and each way a text can fail to be strict
// base64 (whitespace, missing or misplaced padding, stray bits, letters of
// other alphabets).
#include "twilio/base64.hpp"

#include <string>
#include <utility>

#include <catch2/catch.hpp>

namespace {

using namespace sb;

} // namespace

TEST_CASE("base64 encodes and decodes RFC 4648's vectors", "[base64]") {
  const std::pair<const char*, const char*> vectors[] = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [bytes, text] : vectors) {
    INFO(bytes);
    CHECK(base64_encode(bytes) == text);
    auto decoded = base64_decode(text);
    REQUIRE(decoded);
    CHECK(*decoded == bytes);
    CHECK(base64_decoded_size(text) == std::string(bytes).size());
  }
}

TEST_CASE("base64 round-trips every byte value and long input", "[base64]") {
  std::string all;
  for (int i = 0; i < 256; ++i)
    all += static_cast<char>(i);
  for (size_t n = 0; n <= all.size(); n += 1 + n / 8) {
    auto bytes = all.substr(all.size() - n);
    auto decoded = base64_decode(base64_encode(bytes));
    REQUIRE(decoded);
    CHECK(*decoded == bytes);
  }
  // Longer than one step of the block coder (3 MiB in, 4 MiB out), and not
  // a whole number of steps.
  std::string big(7 * 1024 * 1024 + 1, '\0');
  for (size_t i = 0; i < big.size(); ++i)
    big[i] = static_cast<char>(i * 7919 >> 3);
  auto text = base64_encode(big);
  CHECK(text.size() == 4 * ((big.size() + 2) / 3));
  CHECK(text.substr(0, 8) == base64_encode(big.substr(0, 6)));
  auto decoded = base64_decode(text);
  REQUIRE(decoded);
  CHECK(*decoded == big);
}

TEST_CASE("base64 size comes from the length and padding", "[base64]") {
  CHECK(base64_decoded_size("AAAA") == 3u);
  CHECK(base64_decoded_size("AAA=") == 2u);
  CHECK(base64_decoded_size("AA==") == 1u);
  CHECK(base64_decoded_size(std::string(4000, 'A')) == 3000u);
  CHECK_FALSE(base64_decoded_size("AAA"));
  CHECK_FALSE(base64_decoded_size("AAAAA"));
}

TEST_CASE("base64 refuses anything but strict padded base64", "[base64]") {
  using namespace std::string_literals;
  for (const auto& bad : {
         "Zg"s,         // no padding
         "Zg="s,        // short padding
         "Zg==="s,      // too much padding
         "Z==="s,       // three '=' in one block
         "===="s,       // padding only
         "Zg==Zm8="s,   // padding before the end
         "Z=g="s,       // '=' between letters
         "Zh=="s,       // stray bits under the padding
         "Zm9="s,       // likewise with one '='
         " Zm9v"s,      // leading space
         "Zm9v\n"s,     // trailing line break
         "Zm\n9v"s,     // line break inside
         "Zm 9v"s,      // space inside
         "Zm9-"s,       // base64url letters
         "Zm9_"s,       //
         "Zm9\0"s,      // NUL
         "Zm\xC3\xA9"s, // not ASCII
       }) {
    INFO(bad);
    CHECK_FALSE(base64_decode(bad));
  }
}
