// Tests for twilio/relay_frames: every inbound type from realistic frames
// (Hindi text, custom parameters), unknown types kept, each malformed case
// naming its field, the size limit, UTF-8 checks, and outbound frames read
// back with RapidJSON to check their exact fields and escaping.
#include "twilio/relay_frames.hpp"

#include <string>

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include "core/error.hpp"
#include "tests/support/test_data.hpp"

namespace {

using namespace sb;

template <class T>
T parse_as(const std::string& text) {
  auto frame = parse_relay_frame(text);
  INFO(text);
  REQUIRE(frame);
  REQUIRE(std::holds_alternative<T>(*frame));
  return std::get<T>(*frame);
}

// The error text for `text`, which must not parse.
std::string error_of(const std::string& text, size_t max_bytes = 65536) {
  auto frame = parse_relay_frame(text, max_bytes);
  INFO(text);
  REQUIRE_FALSE(frame);
  CHECK(has_code(frame.error(), errc::bad_request));
  return what(frame.error());
}

std::string str(const rapidjson::Value& v, const char* name) {
  REQUIRE(v.HasMember(name));
  REQUIRE(v[name].IsString());
  return {v[name].GetString(), v[name].GetStringLength()};
}

constexpr const char* setup_frame = R"({
  "type": "setup",
  "sessionId": "VX00000000000000000000000000000000",
  "callSid": "CA00000000000000000000000000000000",
  "parentCallSid": "",
  "from": "+14157122660",
  "to": "+18881234567",
  "forwardedFrom": "+14157122660",
  "callerName": null,
  "direction": "inbound",
  "callType": "PSTN",
  "callStatus": "RINGING",
  "accountSid": "AC00000000000000000000000000000000",
  "customParameters": {"lang": "hi-IN", "नाम": "राम \"जी\""}
})";

} // namespace

TEST_CASE("relay setup frame parses every field", "[relay]") {
  auto s = parse_as<relay_setup>(setup_frame);
  CHECK(s.session_id == "VX00000000000000000000000000000000");
  CHECK(s.call_sid == "CA00000000000000000000000000000000");
  CHECK(s.account_sid == "AC00000000000000000000000000000000");
  CHECK(s.parent_call_sid.empty());
  CHECK(s.from == "+14157122660");
  CHECK(s.to == "+18881234567");
  CHECK(s.forwarded_from == "+14157122660");
  CHECK(s.caller_name.empty());
  CHECK(s.direction == "inbound");
  CHECK(s.call_type == "PSTN");
  CHECK(s.call_status == "RINGING");
  REQUIRE(s.custom_parameters.size() == 2);
  CHECK(s.custom_parameters[0]
        == std::pair<std::string, std::string>{"lang", "hi-IN"});
  CHECK(s.custom_parameters[1].first == "नाम");
  CHECK(s.custom_parameters[1].second == "राम \"जी\"");
}

TEST_CASE("relay setup without optional fields", "[relay]") {
  auto s = parse_as<relay_setup>(
    R"({"type":"setup","sessionId":"VX1","accountSid":"AC1","callSid":"CA1"})");
  CHECK(s.call_sid == "CA1");
  CHECK(s.from.empty());
  CHECK(s.custom_parameters.empty());
}

TEST_CASE("relay prompt, dtmf, interrupt and error frames", "[relay]") {
  auto p = parse_as<relay_prompt>(
    R"({"type":"prompt","voicePrompt":"नमस्ते, मुझे मदद चाहिए","lang":"hi-IN","last":true})");
  CHECK(p.voice_prompt == "नमस्ते, मुझे मदद चाहिए");
  CHECK(p.lang == "hi-IN");
  CHECK(p.last);
  auto interim = parse_as<relay_prompt>(
    R"({"type":"prompt","voicePrompt":"Hello\nthere \u00e9","last":false})");
  CHECK(interim.voice_prompt == "Hello\nthere \xC3\xA9");
  CHECK(interim.lang.empty());
  CHECK_FALSE(interim.last);
  CHECK(parse_as<relay_prompt>(R"({"type":"prompt","voicePrompt":""})").last);

  CHECK(parse_as<relay_dtmf>(R"({"type":"dtmf","digit":"5"})").digit == "5");
  CHECK(parse_as<relay_dtmf>(R"({"type":"dtmf","digit":"#"})").digit == "#");

  auto i = parse_as<relay_interrupt>(
    R"({"type":"interrupt","utteranceUntilInterrupt":"आपका ऑर्डर","durationUntilInterruptMs":460})");
  CHECK(i.utterance_until_interrupt == "आपका ऑर्डर");
  CHECK(i.duration_until_interrupt_ms == 460);
  CHECK(
    parse_as<relay_interrupt>(
      R"({"type":"interrupt","utteranceUntilInterrupt":"","durationUntilInterruptMs":"1200"})")
      .duration_until_interrupt_ms
    == 1200);
  CHECK(
    parse_as<relay_interrupt>(
      R"({"type":"interrupt","utteranceUntilInterrupt":"x","durationUntilInterruptMs":12.9})")
      .duration_until_interrupt_ms
    == 12);
  CHECK(parse_as<relay_interrupt>(
          R"({"type":"interrupt","utteranceUntilInterrupt":"x"})")
          .duration_until_interrupt_ms
        == 0);

  auto e = parse_as<relay_error>(
    R"({"type":"error","description":"Invalid message received: {\"foo\":1}"})");
  CHECK(e.description == R"(Invalid message received: {"foo":1})");
}

TEST_CASE("relay unknown types are kept, not errors", "[relay]") {
  CHECK(parse_as<relay_unknown>(
          R"({"type":"info","name":"tokensPlayed","value":{"a":[1,2]}})")
          .type
        == "info");
  CHECK(parse_as<relay_unknown>(R"({"type":""})").type.empty());
  // Extra fields on a known type are ignored.
  CHECK(parse_as<relay_dtmf>(R"({"type":"dtmf","digit":"1","x":[]})").digit
        == "1");
}

TEST_CASE("relay malformed frames name the problem", "[relay]") {
  CHECK_THAT(error_of("not json"), Catch::Contains("not JSON"));
  CHECK_THAT(error_of(""), Catch::Contains("not JSON"));
  CHECK_THAT(error_of(R"({"type":"prompt"} x)"), Catch::Contains("not JSON"));
  CHECK_THAT(error_of(R"(["type","prompt"])"),
             Catch::Contains("not a JSON object"));
  CHECK_THAT(error_of(R"("prompt")"), Catch::Contains("not a JSON object"));
  CHECK_THAT(error_of(R"({"voicePrompt":"hi"})"),
             Catch::Contains("'type' is missing"));
  CHECK_THAT(error_of(R"({"type":7})"),
             Catch::Contains("'type' is not a string"));
  CHECK_THAT(error_of(R"({"type":null})"),
             Catch::Contains("'type' is not a string"));
  CHECK_THAT(error_of(R"({"type":"prompt","last":true})"),
             Catch::Contains("'voicePrompt' is missing"));
  CHECK_THAT(error_of(R"({"type":"prompt","voicePrompt":["a"]})"),
             Catch::Contains("'voicePrompt' is not a string"));
  CHECK_THAT(error_of(R"({"type":"prompt","voicePrompt":"a","last":"true"})"),
             Catch::Contains("'last' is not a boolean"));
  CHECK_THAT(error_of(R"({"type":"prompt","voicePrompt":"a","lang":1})"),
             Catch::Contains("'lang' is not a string"));
  CHECK_THAT(error_of(R"({"type":"dtmf"})"),
             Catch::Contains("'digit' is missing"));
  CHECK_THAT(error_of(R"({"type":"dtmf","digit":5})"),
             Catch::Contains("'digit' is not a string"));
  CHECK_THAT(error_of(R"({"type":"dtmf","digit":"12"})"),
             Catch::Contains("'digit' is not one DTMF key"));
  CHECK_THAT(error_of(R"({"type":"dtmf","digit":"x"})"),
             Catch::Contains("'digit'"));
  CHECK_THAT(error_of(R"({"type":"interrupt","durationUntilInterruptMs":5})"),
             Catch::Contains("'utteranceUntilInterrupt' is missing"));
  CHECK_THAT(
    error_of(
      R"({"type":"interrupt","utteranceUntilInterrupt":"a","durationUntilInterruptMs":-1})"),
    Catch::Contains("'durationUntilInterruptMs'"));
  CHECK_THAT(
    error_of(
      R"({"type":"interrupt","utteranceUntilInterrupt":"a","durationUntilInterruptMs":"5ms"})"),
    Catch::Contains("'durationUntilInterruptMs'"));
  CHECK_THAT(error_of(R"({"type":"error"})"),
             Catch::Contains("'description' is missing"));
  CHECK_THAT(
    error_of(R"({"type":"setup","sessionId":"VX1","accountSid":"AC1"})"),
    Catch::Contains("'callSid' is missing"));
  CHECK_THAT(
    error_of(
      R"({"type":"setup","sessionId":"VX1","accountSid":"AC1","callSid":""})"),
    Catch::Contains("'callSid' is empty"));
  CHECK_THAT(error_of(R"({"type":"setup","accountSid":"AC1","callSid":"CA1"})"),
             Catch::Contains("'sessionId' is missing"));
  CHECK_THAT(
    error_of(
      R"({"type":"setup","sessionId":"VX1","accountSid":"AC1","callSid":"CA1","from":5})"),
    Catch::Contains("'from' is not a string"));
  CHECK_THAT(
    error_of(
      R"({"type":"setup","sessionId":"VX1","accountSid":"AC1","callSid":"CA1","customParameters":[]})"),
    Catch::Contains("'customParameters' is not an object"));
  CHECK_THAT(
    error_of(
      R"({"type":"setup","sessionId":"VX1","accountSid":"AC1","callSid":"CA1","customParameters":{"n":1}})"),
    Catch::Contains("'customParameters.n' is not a string"));
}

TEST_CASE("relay frames must be UTF-8 text", "[relay]") {
  // A raw byte that is not UTF-8, an escaped lone low surrogate (RapidJSON
  // 1.1.0 decodes it into non-UTF-8 bytes) and an escaped NUL.
  CHECK_THAT(error_of("{\"type\":\"prompt\",\"voicePrompt\":\"a\xFF\"}"),
             Catch::Contains("not JSON"));
  CHECK_THAT(error_of(R"({"type":"prompt","voicePrompt":"a\udc80"})"),
             Catch::Contains("'voicePrompt' is not valid UTF-8"));
  CHECK_THAT(error_of(R"({"type":"prompt","voicePrompt":"a\u0000b"})"),
             Catch::Contains("'voicePrompt' is not valid UTF-8"));
  CHECK_THAT(
    error_of(
      R"({"type":"setup","sessionId":"VX1","accountSid":"AC1","callSid":"CA1","customParameters":{"k":"\udc80"}})"),
    Catch::Contains("'customParameters.k' is not valid UTF-8"));
  // A surrogate pair is fine: U+1F600.
  CHECK(
    parse_as<relay_prompt>(R"({"type":"prompt","voicePrompt":"\ud83d\ude00"})")
      .voice_prompt
    == "\xF0\x9F\x98\x80");
}

TEST_CASE("relay frames with a raw NUL byte are not JSON", "[relay]") {
  // Found by fuzz/relay_frame_fuzz: RapidJSON stops at a NUL byte as if the
  // text ended there, so whatever followed it was never looked at.
  using namespace std::string_literals;
  CHECK_THAT(error_of("{\"type\":\"dtmf\",\"digit\":\"1\"}\0junk"s),
             Catch::Contains("not JSON: a NUL byte at byte 27"));
  CHECK_THAT(error_of("{\"type\":\"error\",\"description\":\"x\"} \0{"s),
             Catch::Contains("not JSON"));
  CHECK_THAT(error_of("\0"s), Catch::Contains("at byte 0"));
}

TEST_CASE("relay frames above the size limit are refused", "[relay]") {
  const std::string frame = R"({"type":"dtmf","digit":"1"})";
  CHECK(parse_relay_frame(frame, frame.size()));
  CHECK_THAT(
    error_of(frame, frame.size() - 1),
    Catch::Contains("larger than " + std::to_string(frame.size() - 1)));
  // Deep nesting inside the limit is parsed without recursion.
  const std::string deep = R"({"type":"x","v":)" + std::string(20000, '[')
                           + std::string(20000, ']') + "}";
  CHECK(parse_as<relay_unknown>(deep).type == "x");
}

TEST_CASE("relay text frame escapes and round-trips", "[relay]") {
  const std::string token =
    "He said \"hi\\there\"\n\t\x01\x1F नमस्ते 😀 </script>";
  auto text = relay_text_frame(token, false);
  CHECK(text.find('\n') == std::string::npos);
  CHECK(text.find("\\u0001") != std::string::npos);
  CHECK(text.find("\\u001F") != std::string::npos);
  auto doc = test::parse_test_json(text);
  CHECK(doc.MemberCount() == 3);
  CHECK(str(doc, "type") == "text");
  CHECK(str(doc, "token") == token);
  CHECK(doc["last"].IsBool());
  CHECK_FALSE(doc["last"].GetBool());
  CHECK(relay_text_frame("ok", true, "hi-IN")
        == R"({"type":"text","token":"ok","last":true,"lang":"hi-IN"})");
  // Untrimmed tokens and NULs survive.
  const std::string spaced(" a\0b ", 5);
  CHECK(str(test::parse_test_json(relay_text_frame(spaced, false)), "token")
        == spaced);
}

TEST_CASE("relay sendDigits frame validates its digits", "[relay]") {
  auto ok = relay_send_digits_frame("1234w#*0");
  REQUIRE(ok);
  CHECK(*ok == R"({"type":"sendDigits","digits":"1234w#*0"})");
  for (const char* bad : {"", "12a", "W", "1 2", "1\"", "١٢"}) {
    INFO(bad);
    auto frame = relay_send_digits_frame(bad);
    REQUIRE_FALSE(frame);
    CHECK(has_code(frame.error(), errc::bad_request));
    CHECK_THAT(what(frame.error()), Catch::Contains("'digits'"));
  }
}

TEST_CASE("relay language, end and play frames", "[relay]") {
  CHECK(
    *relay_language_frame("hi-IN", "en-US")
    == R"({"type":"language","ttsLanguage":"hi-IN","transcriptionLanguage":"en-US"})");
  CHECK(*relay_language_frame("", "hi-IN")
        == R"({"type":"language","transcriptionLanguage":"hi-IN"})");
  CHECK(*relay_language_frame("hi-IN", "")
        == R"({"type":"language","ttsLanguage":"hi-IN"})");
  CHECK_FALSE(relay_language_frame("", ""));

  CHECK(relay_end_frame() == R"({"type":"end"})");
  const std::string handoff = R"({"reason":"transfer","to":"+1 \"sales\""})";
  auto end = test::parse_test_json(relay_end_frame(handoff));
  CHECK(str(end, "type") == "end");
  CHECK(str(end, "handoffData") == handoff);

  auto play = relay_play_frame("https://example.com/a b.mp3?x=1&y=\"2\"", 0,
                               false);
  REQUIRE(play);
  auto doc = test::parse_test_json(*play);
  CHECK(doc.MemberCount() == 4);
  CHECK(str(doc, "type") == "play");
  CHECK(str(doc, "source") == "https://example.com/a b.mp3?x=1&y=\"2\"");
  CHECK(doc["loop"].GetUint() == 0);
  CHECK_FALSE(doc["interruptible"].GetBool());
  CHECK(
    *relay_play_frame("https://e.com/x.wav")
    == R"({"type":"play","source":"https://e.com/x.wav","loop":1,"interruptible":true})");
  auto empty = relay_play_frame("");
  REQUIRE_FALSE(empty);
  CHECK_THAT(what(empty.error()), Catch::Contains("'source'"));
}

TEST_CASE("relay outbound text parses back through our own parser", "[relay]") {
  const std::string description = "bad \"frame\"\\\r\n\x7F नमस्ते 😀";
  auto text = relay_text_frame(description, true);
  // Rename the fields so our parser reads the escaped token as a prompt.
  const std::string head = R"({"type":"text","token")";
  REQUIRE(text.compare(0, head.size(), head) == 0);
  auto as_prompt = R"({"type":"prompt","voicePrompt")"
                   + text.substr(head.size());
  auto prompt = parse_as<relay_prompt>(as_prompt);
  CHECK(prompt.voice_prompt == description);
  CHECK(prompt.last);
}
