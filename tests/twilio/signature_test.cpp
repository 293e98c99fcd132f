// Tests for twilio/twilio_signature: the 53 shared vectors (signing input,
// signature and verdict for each), the worked example from the protocol
// notes, tampering, URL port/fragment/case handling, repeated keys, UTF-8
// values, JSON bodies with bodySHA256, and every signed webhook body in the
// shared fixtures going through parse_form first as in the daemon.
#include <string>

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include "net/text/form.hpp"
#include "tests/support/test_data.hpp"
#include "twilio/twilio_signature.hpp"

namespace {

using sb::form_params;
using sb::twilio_signature;
using sb::validate_twilio_json_signature;
using sb::validate_twilio_signature;
using sb::test::json_text;
using sb::test::load_test_json;

constexpr const char* docs_url = "https://example.com/myapp.php?foo=1&bar=2";
constexpr const char* docs_signature = "L/OH5YylLD5NRKLltdqwSvS0BnU=";

const form_params& docs_params() {
  static const form_params params{{"CallSid", "CA1234567890ABCDE"},
                                  {"Caller", "+14158675310"},
                                  {"Digits", "1234"},
                                  {"From", "+14158675310"},
                                  {"To", "+18005551212"}};
  return params;
}

form_params pairs_of(const rapidjson::Value& list) {
  form_params out;
  for (const auto& pair : list.GetArray())
    out.emplace_back(json_text(pair[0]), json_text(pair[1]));
  return out;
}

// The verdict of the core algorithm for one vector (JSON bodies through
// the bodySHA256 check, the rest as form parameters).
bool core_verdict(const rapidjson::Value& v) {
  const auto token = json_text(v["auth_token"]);
  const auto url = json_text(v["url"]);
  const auto sig = json_text(v["expected_signature"]);
  if (v["body"].IsString())
    return validate_twilio_json_signature(token, url, json_text(v["body"]),
                                          sig);
  return validate_twilio_signature(token, url, pairs_of(v["params"]), sig);
}

void check_vector(const rapidjson::Value& v) {
  INFO("vector " << json_text(v["name"]));
  const bool expected_valid = v["expected_valid"].GetBool();
  const bool core_only = v["requires"].Empty();
  // "requires" names behaviour beyond the core algorithm (twilio-node's
  // query re-encoding); without it the core cannot reach expected_valid,
  // and the file records what the core gives in independent_core_check.
  if (core_only) {
    CHECK(core_verdict(v) == expected_valid);
  } else {
    REQUIRE(expected_valid);
    CHECK(core_verdict(v) == v["independent_core_check"]["result"].GetBool());
    CHECK_FALSE(core_verdict(v));
  }
  if (!v["signed_url"].IsString())
    return;
  // Positive vectors also pin the exact bytes signed and the signature.
  const auto signed_url = json_text(v["signed_url"]);
  const auto params = pairs_of(v["params"]);
  CHECK(sb::twilio_signing_input(signed_url, params)
        == json_text(v["signed_string"]));
  CHECK(twilio_signature(json_text(v["auth_token"]), signed_url, params)
        == json_text(v["expected_signature"]));
  CHECK(validate_twilio_signature(json_text(v["auth_token"]), signed_url,
                                  params, json_text(v["expected_signature"])));
}

} // namespace

TEST_CASE("all shared signature vectors hold", "[twilio_signature]") {
  const auto doc = load_test_json("twilio/twilio-signature-vectors.json");
  const auto& vectors = doc["vectors"];
  REQUIRE(vectors.Size() == 53);
  REQUIRE(doc["total"].GetInt() == 53);
  int core = 0, extra = 0, negative = 0;
  for (const auto& v : vectors.GetArray()) {
    check_vector(v);
    (v["requires"].Empty() ? core : extra) += 1;
    negative += v["expected_valid"].GetBool() ? 0 : 1;
  }
  CHECK(core == 50);
  CHECK(extra == 3);
  CHECK(negative == 5);
}

TEST_CASE("the documented worked example", "[twilio_signature]") {
  CHECK(sb::twilio_signing_input(docs_url, docs_params())
        == "https://example.com/myapp.php?foo=1&bar=2"
           "CallSidCA1234567890ABCDECaller+14158675310Digits1234"
           "From+14158675310To+18005551212");
  CHECK(twilio_signature("12345", docs_url, docs_params()) == docs_signature);
  CHECK(validate_twilio_signature("12345", docs_url, docs_params(),
                                  docs_signature));
  // Parameter order in the body does not matter.
  form_params reversed(docs_params().rbegin(), docs_params().rend());
  CHECK(validate_twilio_signature("12345", docs_url, reversed, docs_signature));
}

TEST_CASE("any tampering invalidates the signature", "[twilio_signature]") {
  auto valid = [](const std::string& token, const std::string& url,
                  const form_params& params, const std::string& sig) {
    return validate_twilio_signature(token, url, params, sig);
  };
  REQUIRE(valid("12345", docs_url, docs_params(), docs_signature));
  CHECK_FALSE(valid("12345", "https://example.com/myapp.php?foo=1&bar=3",
                    docs_params(), docs_signature));
  CHECK_FALSE(valid("12345", "https://example.org/myapp.php?foo=1&bar=2",
                    docs_params(), docs_signature));
  CHECK_FALSE(valid("12345", "http://example.com/myapp.php?foo=1&bar=2",
                    docs_params(), docs_signature));
  CHECK_FALSE(valid("12346", docs_url, docs_params(), docs_signature));
  auto key = docs_params();
  key[2].first = "digits";
  CHECK_FALSE(valid("12345", docs_url, key, docs_signature));
  auto value = docs_params();
  value[2].second = "1235";
  CHECK_FALSE(valid("12345", docs_url, value, docs_signature));
  auto added = docs_params();
  added.emplace_back("Extra", "");
  CHECK_FALSE(valid("12345", docs_url, added, docs_signature));
  auto dropped = docs_params();
  dropped.pop_back();
  CHECK_FALSE(valid("12345", docs_url, dropped, docs_signature));
  auto repeated = docs_params();
  repeated.emplace_back("Digits", "9");
  CHECK_FALSE(valid("12345", docs_url, repeated, docs_signature));
}

TEST_CASE("malformed signatures and empty secrets are rejected",
          "[twilio_signature]") {
  const std::string sig = docs_signature;
  CHECK_FALSE(validate_twilio_signature("12345", docs_url, docs_params(), ""));
  CHECK_FALSE(validate_twilio_signature("", docs_url, docs_params(), sig));
  CHECK_FALSE(validate_twilio_signature("12345", docs_url, docs_params(),
                                        sig.substr(0, 27)));
  CHECK_FALSE(
    validate_twilio_signature("12345", docs_url, docs_params(), sig + "="));
  CHECK_FALSE(validate_twilio_signature("12345", docs_url, docs_params(),
                                        "l/OH5YylLD5NRKLltdqwSvS0BnU="));
  // An empty token still signs (HMAC allows it) but never validates.
  const auto empty_key_sig = twilio_signature("", docs_url, docs_params());
  CHECK(empty_key_sig.size() == 28);
  CHECK_FALSE(
    validate_twilio_signature("", docs_url, docs_params(), empty_key_sig));
}

TEST_CASE("URL forms: port stripped or defaulted, fragment dropped",
          "[twilio_signature]") {
  // True if a request for `received` carrying the signature Twilio made
  // over `signed_url` validates.
  auto accepts = [](const std::string& received,
                    const std::string& signed_url) {
    const auto sig = twilio_signature("tok", signed_url, {});
    return validate_twilio_signature("tok", received, {}, sig);
  };
  CHECK(accepts("https://h.io/p?x=1", "https://h.io:443/p?x=1"));
  CHECK(accepts("https://h.io:443/p?x=1", "https://h.io/p?x=1"));
  CHECK(accepts("http://h.io/p", "http://h.io:80/p"));
  CHECK(accepts("https://h.io:8443/p", "https://h.io/p"));
  CHECK(accepts("https://h.io:8443/p", "https://h.io:8443/p"));
  CHECK_FALSE(accepts("https://h.io/p", "https://h.io:8443/p"));
  CHECK_FALSE(accepts("http://h.io/p", "http://h.io:443/p"));
  CHECK(accepts("https://h.io/p?x=1#frag", "https://h.io/p?x=1"));
  CHECK(accepts("wss://h.io/stream", "wss://h.io:443/stream"));
  // Userinfo, case and path are part of what was signed.
  CHECK(accepts("https://u:p@h.io/x", "https://u:p@h.io:443/x"));
  CHECK_FALSE(accepts("https://h.io/x", "https://u:p@h.io/x"));
  CHECK_FALSE(accepts("https://h.io/p", "https://H.io/p"));
  CHECK_FALSE(accepts("https://h.io/p", "https://h.io//p"));
  // IPv6 literals: the address's colons are not a port.
  CHECK(accepts("http://[::1]/p", "http://[::1]:80/p"));
  CHECK(accepts("http://[::1]:8080/p", "http://[::1]/p"));
  // Nor is a colon in the query.
  CHECK(accepts("https://h.io/p?t=1:2", "https://h.io:443/p?t=1:2"));
  // Something that is not an absolute URL is used as given, and only so.
  CHECK(accepts("/relative?x=1", "/relative?x=1"));
}

TEST_CASE("repeated keys sort and de-duplicate their values",
          "[twilio_signature]") {
  const std::string url = "https://h.example/gather";
  const form_params a{
    {"Digits", "5678"}, {"Digits", "1234"}, {"Digits", "1234"}, {"Sid", "CA1"}};
  const form_params b{{"Sid", "CA1"}, {"Digits", "1234"}, {"Digits", "5678"}};
  CHECK(sb::twilio_signing_input(url, a) == url + "Digits1234Digits5678SidCA1");
  CHECK(twilio_signature("tok", url, a) == twilio_signature("tok", url, b));
  // A key that is a prefix of another sorts first, whole keys before
  // values: not the order of the concatenated key+value strings.
  const form_params reasons{{"ReasonParticipant", "x"},
                            {"ReasonConferenceEnded", "test"},
                            {"Reason", "z"}};
  CHECK(sb::twilio_signing_input(url, reasons)
        == url + "Reasonz" + "ReasonConferenceEndedtest"
             + "ReasonParticipantx");
  // Bytewise, case-sensitive key order; empty values give just the key.
  const form_params cased{
    {"callSid", "c"}, {"CallSid", "b"}, {"CALLSID", "a"}, {"Empty", ""}};
  CHECK(sb::twilio_signing_input(url, cased)
        == url + "CALLSIDaCallSidbEmptycallSidc");
}

TEST_CASE("UTF-8 values sign as raw bytes", "[twilio_signature]") {
  const std::string url = "https://voice.example.com/twilio/gather?turn=1";
  const form_params params{{"CallSid", "CAa847514af887a9634bffb3d413226c05"},
                           {"SpeechResult", "नमस्ते, मुझे मदद चाहिए।"},
                           {"Confidence", "0.92"},
                           {"Language", "hi-IN"}};
  // Computed independently (Python hmac/hashlib) over the same input.
  const std::string expected = "j6nMoCMIM0zX6J6uozSWmv8bIFU=";
  CHECK(twilio_signature("12345", url, params) == expected);
  // As the daemon sees it: an encoded body, decoded by parse_form.
  auto parsed = sb::parse_form(sb::form_encode(params));
  REQUIRE(parsed);
  CHECK(validate_twilio_signature("12345", url, *parsed, expected));
  auto changed = *parsed;
  changed[1].second = "नमस्ते";
  CHECK_FALSE(validate_twilio_signature("12345", url, changed, expected));
}

TEST_CASE("JSON bodies are bound by bodySHA256", "[twilio_signature]") {
  const std::string body = R"({"property": "value", "boolean": true})";
  const std::string hash =
    "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620";
  const std::string url = "https://h.example/hook?x=1&bodySHA256=" + hash;
  const auto sig = twilio_signature("tok", url, {});
  CHECK(validate_twilio_json_signature("tok", url, body, sig));
  CHECK(validate_twilio_json_signature("tok", url + "#f", body, sig));
  CHECK(validate_twilio_json_signature(
    "tok", "https://h.example:443/hook?x=1&bodySHA256=" + hash, body, sig));
  CHECK_FALSE(validate_twilio_json_signature("tok", url, body + " ", sig));
  CHECK_FALSE(validate_twilio_json_signature("tok", url, body, "x" + sig));
  CHECK_FALSE(validate_twilio_json_signature("other", url, body, sig));
  // Missing, empty or upper-case hashes are rejected even when signed.
  const std::string bare = "https://h.example/hook?x=1";
  CHECK_FALSE(validate_twilio_json_signature(
    "tok", bare, body, twilio_signature("tok", bare, {})));
  const std::string empty = bare + "&bodySHA256=";
  CHECK_FALSE(validate_twilio_json_signature(
    "tok", empty, body, twilio_signature("tok", empty, {})));
  std::string upper_hash = hash;
  for (auto& c : upper_hash)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const std::string upper = bare + "&bodySHA256=" + upper_hash;
  CHECK_FALSE(validate_twilio_json_signature(
    "tok", upper, body, twilio_signature("tok", upper, {})));
  // A hash parameter whose name merely ends in bodySHA256 does not count.
  const std::string lookalike = bare + "&xbodySHA256=" + hash;
  CHECK_FALSE(validate_twilio_json_signature(
    "tok", lookalike, body, twilio_signature("tok", lookalike, {})));
}

TEST_CASE("every signed webhook fixture validates after parse_form",
          "[twilio_signature]") {
  const auto doc = load_test_json("twilio/twilio-webhooks.json");
  const auto token = json_text(doc["auth_token_for_signatures"]);
  REQUIRE(token == "12345");
  int checked = 0;
  for (const auto& hook : doc["http_webhooks"].GetArray()) {
    if (!hook["headers"].HasMember("X-Twilio-Signature"))
      continue;
    INFO("webhook " << json_text(hook["name"]));
    const auto url = json_text(hook["url"]);
    const auto sig = json_text(hook["headers"]["X-Twilio-Signature"]);
    auto parsed = sb::parse_form(json_text(hook["body"]));
    REQUIRE(parsed);
    CHECK(*parsed == pairs_of(hook["params"]));
    CHECK(validate_twilio_signature(token, url, *parsed, sig));
    auto tampered = *parsed;
    tampered.front().second += "0";
    CHECK_FALSE(validate_twilio_signature(token, url, tampered, sig));
    CHECK_FALSE(validate_twilio_signature(token, url + "&x=1", *parsed, sig));
    ++checked;
  }
  CHECK(checked == 23);
}
