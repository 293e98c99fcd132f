// Tests for net/text/form: decoding Twilio's form bodies (spaces, escapes,
// Hindi, repeated and empty keys), the strict rejections with byte offsets,
// the parameter limit, and encode -> decode round trips.
#include "net/text/form.hpp"

#include <catch2/catch.hpp>

#include "core/error.hpp"

namespace {

// "नमस्ते" percent-encoded, as Twilio sends a Hindi SpeechResult.
constexpr const char* namaste_encoded =
  "%E0%A4%A8%E0%A4%AE%E0%A4%B8%E0%A5%8D%E0%A4%A4%E0%A5%87";
constexpr const char* namaste = "नमस्ते";

sb::form_params must_parse(std::string_view body) {
  auto parsed = sb::parse_form(body);
  INFO("body: " << body);
  REQUIRE(parsed);
  return std::move(*parsed);
}

// The error message of a body that must be rejected.
std::string rejection(std::string_view body, size_t max_params = 1000) {
  auto parsed = sb::parse_form(body, max_params);
  INFO("body: " << body);
  REQUIRE_FALSE(parsed);
  CHECK(parsed.error() == sb::errc::bad_request);
  return sb::what(parsed.error());
}

using pairs = sb::form_params;

} // namespace

TEST_CASE("parse_form decodes plain pairs in order", "[form]") {
  CHECK(
    must_parse("CallSid=CA123&From=%2B14155550100&Digits=5")
    == pairs{{"CallSid", "CA123"}, {"From", "+14155550100"}, {"Digits", "5"}});
  CHECK(must_parse("").empty());
}

TEST_CASE("parse_form: '+' and %20 are spaces, %2B is a plus", "[form]") {
  CHECK(must_parse("SpeechResult=hello+there%20friend")
        == pairs{{"SpeechResult", "hello there friend"}});
  CHECK(must_parse("a+b=1") == pairs{{"a b", "1"}});
  CHECK(must_parse("To=%2b1800") == pairs{{"To", "+1800"}});
}

TEST_CASE("parse_form: hex escapes are case-insensitive", "[form]") {
  CHECK(must_parse("k=%3a%3A%7e") == pairs{{"k", "::~"}});
}

TEST_CASE("parse_form decodes Hindi speech", "[form]") {
  SECTION("percent-encoded UTF-8") {
    std::string body = std::string{"SpeechResult="} + namaste_encoded
                       + "+%E0%A4%AE%E0%A4%A6%E0%A4%A6";
    CHECK(must_parse(body) == pairs{{"SpeechResult", "नमस्ते मदद"}});
  }
  SECTION("raw UTF-8 bytes") {
    CHECK(must_parse(std::string{"SpeechResult="} + namaste)
          == pairs{{"SpeechResult", namaste}});
  }
}

TEST_CASE("parse_form keeps repeated keys and empty values", "[form]") {
  CHECK(must_parse("Digits=1234&Digits=5678&Digits=")
        == pairs{{"Digits", "1234"}, {"Digits", "5678"}, {"Digits", ""}});
  CHECK(must_parse("ForwardedFrom=&To=x")
        == pairs{{"ForwardedFrom", ""}, {"To", "x"}});
  CHECK(must_parse("flag") == pairs{{"flag", ""}});
  CHECK(must_parse("a=1&flag&b=")
        == pairs{{"a", "1"}, {"flag", ""}, {"b", ""}});
  CHECK(must_parse("k=a=b") == pairs{{"k", "a=b"}});
}

TEST_CASE("parse_form skips empty segments", "[form]") {
  CHECK(must_parse("a=1&&b=2") == pairs{{"a", "1"}, {"b", "2"}});
  CHECK(must_parse("&a=1&") == pairs{{"a", "1"}});
  CHECK(must_parse("&&&").empty());
}

TEST_CASE("parse_form rejects bad percent escapes with offset", "[form]") {
  CHECK(rejection("a=%G1") == "form body: bad percent escape at byte 2");
  CHECK(rejection("ab=1&c=%4") == "form body: bad percent escape at byte 7");
  CHECK(rejection("a=1%") == "form body: bad percent escape at byte 3");
  CHECK(rejection("%zz=1") == "form body: bad percent escape at byte 0");
  // A '%' just before '&' must not borrow the next pair's bytes.
  CHECK(rejection("a=%4&1=2") == "form body: bad percent escape at byte 2");
}

TEST_CASE("parse_form rejects invalid UTF-8 after decoding", "[form]") {
  // Bad continuation, overlong '/', UTF-16 surrogate, beyond U+10FFFF.
  CHECK(rejection("x=%C3%28") == "form body: invalid UTF-8 at byte 2");
  CHECK(rejection("x=ok%C0%AF") == "form body: invalid UTF-8 at byte 4");
  CHECK(rejection("x=%ED%A0%80") == "form body: invalid UTF-8 at byte 2");
  CHECK(rejection("x=%F4%90%80%80") == "form body: invalid UTF-8 at byte 2");
  CHECK(rejection("a=1&b%FF=2") == "form body: invalid UTF-8 at byte 5");
  // Truncated sequence at the end of a value.
  CHECK(rejection("x=%E0%A4") == "form body: invalid UTF-8 at byte 2");
  // Raw (unescaped) invalid bytes are caught too.
  CHECK(rejection("x=\xC3") == "form body: invalid UTF-8 at byte 2");
}

TEST_CASE("parse_form rejects NUL and empty keys", "[form]") {
  CHECK(rejection("x=ab%00") == "form body: NUL character at byte 4");
  CHECK(rejection(std::string_view{"x=\0", 3})
        == "form body: NUL character at byte 2");
  CHECK(rejection("a=1&=x") == "form body: empty key at byte 4");
  CHECK(rejection("=") == "form body: empty key at byte 0");
}

TEST_CASE("parse_form enforces max_params", "[form]") {
  CHECK(sb::parse_form("a=1&b=2&c=3", 3));
  CHECK(rejection("a=1&b=2&c=3", 2)
        == "form body: more than 2 parameters at byte 8");
  // Skipped empty segments do not count.
  CHECK(sb::parse_form("a=1&&&b=2", 2));
}

TEST_CASE("form_encode keeps unreserved bytes only", "[form]") {
  CHECK(sb::form_encode("AZaz09-_.~") == "AZaz09-_.~");
  CHECK(sb::form_encode("a b+c&d=e") == "a+b%2Bc%26d%3De");
  CHECK(sb::form_encode("/?%*") == "%2F%3F%25%2A");
  CHECK(sb::form_encode(namaste) == namaste_encoded);
  CHECK(sb::form_encode(sb::form_params{{"To", "+1 800"}, {"Body", ""}})
        == "To=%2B1+800&Body=");
}

TEST_CASE("form_encode -> parse_form round trips", "[form]") {
  pairs original{{"SpeechResult", "नमस्ते, hello & bye = 100% ok?"},
                 {"Digits", ""},
                 {"Digits", "+*#"},
                 {"key with spaces", "line\nbreak\ttab"}};
  auto parsed = sb::parse_form(sb::form_encode(original));
  REQUIRE(parsed);
  CHECK(*parsed == original);
}

TEST_CASE("find_param and param_or return the first value", "[form]") {
  auto params = must_parse("Digits=1&Digits=2&Empty=");
  REQUIRE(sb::find_param(params, "Digits") != nullptr);
  CHECK(*sb::find_param(params, "Digits") == "1");
  CHECK(sb::find_param(params, "digits") == nullptr); // case-sensitive
  REQUIRE(sb::find_param(params, "Empty") != nullptr);
  CHECK(sb::find_param(params, "Empty")->empty());
  CHECK(sb::param_or(params, "Digits") == "1");
  CHECK(sb::param_or(params, "Empty", "x").empty());
  CHECK(sb::param_or(params, "Missing", "fallback") == "fallback");
  CHECK(sb::param_or(params, "Missing").empty());
}

TEST_CASE("is_valid_utf8 follows RFC 3629", "[form]") {
  CHECK(sb::is_valid_utf8(""));
  CHECK(sb::is_valid_utf8("plain ASCII"));
  CHECK(sb::is_valid_utf8(namaste));
  CHECK(sb::is_valid_utf8("\xF0\x9F\x93\x9E"));       // U+1F4DE
  CHECK(sb::is_valid_utf8("\xF4\x8F\xBF\xBF"));       // U+10FFFF
  CHECK_FALSE(sb::is_valid_utf8("\xF4\x90\x80\x80")); // U+110000
  CHECK_FALSE(sb::is_valid_utf8("\xC0\xAF"));         // overlong '/'
  CHECK_FALSE(sb::is_valid_utf8("\xE0\x80\xAF"));     // overlong '/'
  CHECK_FALSE(sb::is_valid_utf8("\xED\xA0\x80"));     // surrogate
  CHECK_FALSE(sb::is_valid_utf8("\x80"));             // lone continuation
  CHECK_FALSE(sb::is_valid_utf8("\xE0\xA4"));         // truncated
  CHECK_FALSE(sb::is_valid_utf8("\xFF"));
}
