// Tests for twilio/media_frames: every frame Twilio sends, in the shapes
// of Twilio's documentation; unknown events kept; each malformed case
// naming its field (numeric strings, base64, the decoded payload limit,
// DTMF keys, the encoding); where a missing sequenceNumber is tolerated;
// our three frames to the letter and with caller text escaped; both pairs
// of writer and parser round-tripping; and mark names, strictly.
#include "twilio/media_frames.hpp"

#include <cstdint>
#include <limits>
#include <string>

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include "core/error.hpp"
#include "tests/support/test_data.hpp"

namespace {

using namespace sb;
using namespace std::string_literals;

constexpr size_t payload_limit = 1024;

template <class T>
T parse_as(const std::string& text, size_t max_payload = payload_limit) {
  auto frame = parse_media_frame(text, max_payload);
  INFO(text);
  if (!frame)
    FAIL(what(frame.error()));
  REQUIRE(std::holds_alternative<T>(*frame));
  return std::get<T>(*frame);
}

// The error text for `text`, which must not parse.
std::string error_of(const std::string& text,
                     size_t max_payload = payload_limit) {
  auto frame = parse_media_frame(text, max_payload);
  INFO(text);
  REQUIRE_FALSE(frame);
  CHECK(has_code(frame.error(), errc::bad_request));
  auto message = what(frame.error());
  CHECK_THAT(message, Catch::StartsWith("media frame: "));
  return message;
}

media_command command_of(const std::string& text) {
  auto command = parse_media_command(text);
  INFO(text);
  if (!command)
    FAIL(what(command.error()));
  return *command;
}

std::string command_error_of(const std::string& text) {
  auto command = parse_media_command(text);
  INFO(text);
  REQUIRE_FALSE(command);
  CHECK(has_code(command.error(), errc::bad_request));
  auto message = what(command.error());
  CHECK_THAT(message, Catch::StartsWith("media command: "));
  return message;
}

// `text` with its one `from` replaced by `to`.
std::string with(std::string text, const std::string& from,
                 const std::string& to) {
  auto at = text.find(from);
  INFO(from);
  REQUIRE(at != std::string::npos);
  REQUIRE(text.find(from, at + 1) == std::string::npos);
  return text.replace(at, from.size(), to);
}

const std::string stream_sid = "MZf7b44cfafd5c52223d5498196c8a2e7b";
const std::string account_sid = "ACe268443e43d93dab7ebef303bbe9642f";
const std::string call_sid = "CAa847514af887a9634bffb3d413226c05";

// Twilio's documented frames (websocket-messages), one of each.
const std::string start_json = R"({
  "event": "start",
  "sequenceNumber": "1",
  "start": {
    "accountSid": "ACe268443e43d93dab7ebef303bbe9642f",
    "streamSid": "MZf7b44cfafd5c52223d5498196c8a2e7b",
    "callSid": "CAa847514af887a9634bffb3d413226c05",
    "tracks": ["inbound"],
    "customParameters": {
      "callerId": "+14155552671",
      "token": "1767225600.q9-x_Z",
      "नाम": "राम \"जी\" C:\\temp"
    },
    "mediaFormat": {
      "encoding": "audio/x-mulaw",
      "sampleRate": 8000,
      "channels": 1
    }
  },
  "streamSid": "MZf7b44cfafd5c52223d5498196c8a2e7b"
})";

// 160 bytes of 0xFF (20 ms of μ-law silence) in base64.
const std::string silence_base64 = std::string(212, '/') + "/w==";

const std::string audio_json = R"({
  "event": "media",
  "sequenceNumber": "2",
  "media": {
    "track": "inbound",
    "chunk": "1",
    "timestamp": "5",
    "payload": ")" + silence_base64
                               + R"("
  },
  "streamSid": "MZf7b44cfafd5c52223d5498196c8a2e7b"
})";

const std::string dtmf_json = R"({
  "event": "dtmf",
  "streamSid": "MZf7b44cfafd5c52223d5498196c8a2e7b",
  "sequenceNumber": "40",
  "dtmf": {"track": "inbound_track", "digit": "1"}
})";

const std::string mark_json = R"({
  "event": "mark",
  "sequenceNumber": "41",
  "streamSid": "MZf7b44cfafd5c52223d5498196c8a2e7b",
  "mark": {"name": "g7.c3"}
})";

const std::string stop_json = R"({
  "event": "stop",
  "sequenceNumber": "42",
  "stop": {
    "accountSid": "ACe268443e43d93dab7ebef303bbe9642f",
    "callSid": "CAa847514af887a9634bffb3d413226c05"
  },
  "streamSid": "MZf7b44cfafd5c52223d5498196c8a2e7b"
})";

std::string all_bytes() {
  std::string out;
  for (int i = 0; i < 256; ++i)
    out += static_cast<char>(i);
  return out;
}

} // namespace

TEST_CASE("media connected frame", "[media]") {
  auto c = parse_as<media_connected>(
    R"({"event":"connected","protocol":"Call","version":"1.0.0"})");
  CHECK(c.protocol == "Call");
  CHECK(c.version == "1.0.0");
  auto bare = parse_as<media_connected>(R"({"event":"connected"})");
  CHECK(bare.protocol.empty());
  CHECK(bare.version.empty());
}

TEST_CASE("media start frame parses every field", "[media]") {
  auto s = parse_as<media_start>(start_json);
  CHECK(s.sequence == 1);
  CHECK(s.stream_sid == stream_sid);
  CHECK(s.account_sid == account_sid);
  CHECK(s.call_sid == call_sid);
  CHECK(s.tracks == std::vector<std::string>{"inbound"});
  REQUIRE(s.custom_parameters.size() == 3);
  CHECK(s.custom_parameters[0]
        == std::pair<std::string, std::string>{"callerId", "+14155552671"});
  CHECK(s.custom_parameters[1].second == "1767225600.q9-x_Z");
  CHECK(s.custom_parameters[2].first == "नाम");
  CHECK(s.custom_parameters[2].second == R"(राम "जी" C:\temp)");
  CHECK(s.encoding == "audio/x-mulaw");
  CHECK(s.sample_rate == 8000);
  CHECK(s.channels == 1);

  // Both tracks (a unidirectional <Start><Stream track="both_tracks">), no
  // custom parameters, another rate: the caller decides about the rate.
  auto both = parse_as<media_start>(
    with(with(with(start_json, R"(["inbound"])", R"(["inbound","outbound"])"),
              R"("sampleRate": 8000)", R"("sampleRate": 16000)"),
         R"("customParameters": {)", R"("ignored": {)"));
  CHECK(both.tracks == std::vector<std::string>{"inbound", "outbound"});
  CHECK(both.custom_parameters.empty());
  CHECK(both.sample_rate == 16000);
}

TEST_CASE("media frame decodes its payload", "[media]") {
  auto m = parse_as<media_audio>(audio_json);
  CHECK(m.sequence == 2);
  CHECK(m.stream_sid == stream_sid);
  CHECK(m.track == "inbound");
  CHECK(m.chunk == 1);
  CHECK(m.timestamp_ms == 5);
  CHECK(m.payload == std::string(160, '\xFF'));

  CHECK(
    parse_as<media_audio>(with(audio_json, R"("track": "inbound",)", "")).track
    == "inbound");
  CHECK(parse_as<media_audio>(with(audio_json, R"("inbound")", R"("outbound")"))
          .track
        == "outbound");
  auto empty = parse_as<media_audio>(with(audio_json, silence_base64, ""));
  CHECK(empty.payload.empty());
  auto late = parse_as<media_audio>(
    with(with(audio_json, R"("chunk": "1")", R"("chunk": "180000")"),
         R"("timestamp": "5")", R"("timestamp": "3600020")"));
  CHECK(late.chunk == 180000);
  CHECK(late.timestamp_ms == 3600020);
}

TEST_CASE("media dtmf, mark and stop frames", "[media]") {
  auto d = parse_as<media_dtmf>(dtmf_json);
  CHECK(d.sequence == 40);
  CHECK(d.stream_sid == stream_sid);
  CHECK(d.digit == "1");
  for (std::string key : {"0", "9", "*", "#", "A", "D"})
    CHECK(parse_as<media_dtmf>(
            with(dtmf_json, R"("digit": "1")", R"("digit": ")" + key + "\""))
            .digit
          == key);

  auto m = parse_as<media_mark>(mark_json);
  CHECK(m.sequence == 41);
  CHECK(m.stream_sid == stream_sid);
  CHECK(m.name == "g7.c3");
  CHECK(parse_as<media_mark>(with(mark_json, "g7.c3", "")).name.empty());

  auto s = parse_as<media_stop>(stop_json);
  CHECK(s.sequence == 42);
  CHECK(s.stream_sid == stream_sid);
  CHECK(s.account_sid == account_sid);
  CHECK(s.call_sid == call_sid);
  // A stop is never refused for want of its SIDs: it ends the stream.
  auto bare = parse_as<media_stop>(
    R"({"event":"stop","sequenceNumber":"9","streamSid":"MZ1"})");
  CHECK(bare.stream_sid == "MZ1");
  CHECK(bare.call_sid.empty());
  CHECK(parse_as<media_stop>(
          R"({"event":"stop","streamSid":"MZ1","stop":{"callSid":"CA1"}})")
          .call_sid
        == "CA1");
}

TEST_CASE("media unknown events are kept, not errors", "[media]") {
  auto u = parse_as<media_unknown>(
    R"({"event":"transcription","streamSid":"MZ1","x":{"y":[1,2]}})");
  CHECK(u.event == "transcription");
  CHECK(event_name(u) == "transcription");
  // clear is ours to send, never Twilio's.
  CHECK(parse_as<media_unknown>(R"({"event":"clear"})").event == "clear");
  CHECK(parse_as<media_unknown>(R"({"event":""})").event.empty());
  // Extra fields on a known event are ignored.
  CHECK(parse_as<media_mark>(with(mark_json, R"("mark": {)",
                                  R"("extra": [null], "mark": {"x": 1, )"))
          .name
        == "g7.c3");
}

TEST_CASE("media event names", "[media]") {
  CHECK(event_name(parse_as<media_connected>(twilio_connected_frame()))
        == "connected");
  CHECK(event_name(parse_as<media_start>(start_json)) == "start");
  CHECK(event_name(parse_as<media_audio>(audio_json)) == "media");
  CHECK(event_name(parse_as<media_dtmf>(dtmf_json)) == "dtmf");
  CHECK(event_name(parse_as<media_mark>(mark_json)) == "mark");
  CHECK(event_name(parse_as<media_stop>(stop_json)) == "stop");
}

TEST_CASE("media sequenceNumber is required only on media frames", "[media]") {
  CHECK(parse_as<media_start>(with(start_json, R"("sequenceNumber": "1",)", ""))
          .sequence
        == 0);
  CHECK(parse_as<media_dtmf>(with(dtmf_json, R"("sequenceNumber": "40",)", ""))
          .sequence
        == 0);
  CHECK(parse_as<media_mark>(with(mark_json, R"("sequenceNumber": "41",)", ""))
          .sequence
        == 0);
  CHECK(parse_as<media_stop>(with(stop_json, R"("sequenceNumber": "42",)", ""))
          .sequence
        == 0);
  CHECK(parse_as<media_mark>(with(mark_json, R"("41")", "null")).sequence == 0);
  CHECK_THAT(error_of(with(audio_json, R"("sequenceNumber": "2",)", "")),
             Catch::Contains("'sequenceNumber' is missing"));
  // Present, it must be valid on every frame.
  CHECK_THAT(error_of(with(mark_json, R"("41")", R"("x41")")),
             Catch::Contains("'sequenceNumber' is not a decimal integer"));
  CHECK_THAT(error_of(with(stop_json, R"("42")", "42")),
             Catch::Contains("'sequenceNumber' is not a string"));
}

TEST_CASE("media numeric strings are parsed strictly", "[media]") {
  const auto sequence_of = [](const std::string& value) {
    return with(audio_json, R"("sequenceNumber": "2")",
                R"("sequenceNumber": )" + value);
  };
  CHECK(parse_as<media_audio>(sequence_of(R"("9007199254740991")")).sequence
        == 9007199254740991);
  CHECK(parse_as<media_audio>(sequence_of(R"("0")")).sequence == 0);
  CHECK(parse_as<media_audio>(sequence_of(R"("007")")).sequence == 7);
  for (const char* bad :
       {R"("")", R"("-1")", R"("+1")", R"(" 1")", R"("1 ")", R"("1.5")",
        R"("1e3")", R"("0x10")", R"("abc")", R"("9007199254740992")",
        R"("99999999999999999999999")", R"("\u0661")"}) {
    CHECK_THAT(error_of(sequence_of(bad)),
               Catch::Contains("'sequenceNumber' is not a decimal integer "
                               "from 0 to 2^53-1"));
  }
  for (const char* bad : {"2", "2.0", "true", "[\"2\"]", "{}"})
    CHECK_THAT(error_of(sequence_of(bad)),
               Catch::Contains("'sequenceNumber' is not a string"));
  CHECK_THAT(error_of(with(audio_json, R"("chunk": "1")", R"("chunk": "one")")),
             Catch::Contains("'media.chunk' is not a decimal integer"));
  CHECK_THAT(error_of(with(audio_json, R"("chunk": "1")", R"("chunk": 1)")),
             Catch::Contains("'media.chunk' is not a string"));
  CHECK_THAT(
    error_of(with(audio_json, R"("timestamp": "5")", R"("timestamp": "-5")")),
    Catch::Contains("'media.timestamp' is not a decimal integer"));
}

TEST_CASE("media malformed frames name the field", "[media]") {
  CHECK_THAT(error_of("not json"), Catch::Contains("not JSON"));
  CHECK_THAT(error_of(""), Catch::Contains("not JSON"));
  CHECK_THAT(error_of(mark_json + " x"), Catch::Contains("not JSON"));
  CHECK_THAT(error_of(mark_json + "\0junk"s),
             Catch::Contains("not JSON: a NUL byte at byte "
                             + std::to_string(mark_json.size())));
  CHECK_THAT(error_of(R"(["event","media"])"),
             Catch::Contains("not a JSON object"));
  CHECK_THAT(error_of(R"({"streamSid":"MZ1"})"),
             Catch::Contains("'event' is missing"));
  CHECK_THAT(error_of(R"({"event":1})"),
             Catch::Contains("'event' is not a string"));

  const std::pair<std::string, const char*> cases[] = {
    // start
    {with(start_json, R"("streamSid": "MZf7b44cfafd5c52223d5498196c8a2e7b"
})",
          R"("x": 1})"),
     "'streamSid' is missing"},
    {with(start_json, R"("streamSid": "MZf7b44cfafd5c52223d5498196c8a2e7b"
})",
          R"("streamSid": ""})"),
     "'streamSid' is empty"},
    {with(start_json, R"("start": {)", R"("begin": {)"), "'start' is missing"},
    {with(start_json, R"("callSid": "CAa847514af887a9634bffb3d413226c05")",
          R"("callSid": "")"),
     "'start.callSid' is empty"},
    {with(start_json, R"("callSid": "CAa847514af887a9634bffb3d413226c05")",
          R"("callSid": 5)"),
     "'start.callSid' is not a string"},
    {with(start_json, R"("callSid": "CAa847514af887a9634bffb3d413226c05",)",
          ""),
     "'start.callSid' is missing"},
    {with(start_json, R"("accountSid": "ACe268443e43d93dab7ebef303bbe9642f")",
          R"("accountSid": ["AC"])"),
     "'start.accountSid' is not a string"},
    {with(start_json, R"(["inbound"])", R"("inbound")"),
     "'start.tracks' is not an array"},
    {with(start_json, R"(["inbound"])", R"(["inbound", 2])"),
     "'start.tracks' holds something other than a string"},
    {with(start_json, R"("callerId": "+14155552671")", R"("callerId": 14155)"),
     "'start.customParameters.callerId' is not a string"},
    {with(start_json, R"("customParameters": {)", R"("customParameters": [{)")
       + "]",
     "not JSON"},
    {with(start_json, R"("mediaFormat": {)", R"("format": {)"),
     "'start.mediaFormat' is missing"},
    {with(start_json, R"("audio/x-mulaw")", R"("audio/l16")"),
     "'start.mediaFormat.encoding' is not audio/x-mulaw"},
    {with(start_json, R"("audio/x-mulaw")", R"("AUDIO/X-MULAW")"),
     "'start.mediaFormat.encoding' is not audio/x-mulaw"},
    {with(start_json, R"("encoding": "audio/x-mulaw",)", ""),
     "'start.mediaFormat.encoding' is missing"},
    {with(start_json, "8000", R"("8000")"),
     "'start.mediaFormat.sampleRate' is not a positive whole number"},
    {with(start_json, "8000", "8000.5"),
     "'start.mediaFormat.sampleRate' is not a positive whole number"},
    {with(start_json, R"("channels": 1)", R"("channels": 0)"),
     "'start.mediaFormat.channels' is not a positive whole number"},
    {with(start_json, R"("sampleRate": 8000,)", ""),
     "'start.mediaFormat.sampleRate' is missing"},
    // media
    {with(audio_json, R"("streamSid": "MZf7b44cfafd5c52223d5498196c8a2e7b")",
          R"("streamSid": 7)"),
     "'streamSid' is not a string"},
    {with(audio_json, R"("media": {)", R"("media": "x", "y": {)"),
     "'media' is not an object"},
    {with(audio_json, R"("inbound")", R"("both")"),
     "'media.track' is not inbound or outbound"},
    {with(audio_json, R"("chunk": "1",)", ""), "'media.chunk' is missing"},
    {with(audio_json, R"("timestamp": "5",)", ""),
     "'media.timestamp' is missing"},
    {with(audio_json, R"("payload")", R"("data")"),
     "'media.payload' is missing"},
    {with(audio_json, R"(")" + silence_base64 + R"(")", "[]"),
     "'media.payload' is not a string"},
    // dtmf, mark, stop
    {with(dtmf_json, R"("digit": "1")", R"("digit": "12")"),
     "'dtmf.digit' is not one DTMF key"},
    {with(dtmf_json, R"("digit": "1")", R"("digit": "E")"),
     "'dtmf.digit' is not one DTMF key"},
    {with(dtmf_json, R"("digit": "1")", R"("digit": "")"),
     "'dtmf.digit' is not one DTMF key"},
    {with(dtmf_json, R"("digit": "1")", R"("digit": 1)"),
     "'dtmf.digit' is not a string"},
    {with(dtmf_json, R"(, "digit": "1")", ""), "'dtmf.digit' is missing"},
    {with(dtmf_json, R"("dtmf": {)", R"("keys": {)"), "'dtmf' is missing"},
    {with(mark_json, R"({"name": "g7.c3"})", "{}"), "'mark.name' is missing"},
    {with(mark_json, R"("mark": {)", R"("mark": 1, "x": {)"),
     "'mark' is not an object"},
    {with(stop_json, R"("stop": {)", R"("stop": [], "x": {)"),
     "'stop' is not an object"},
    {with(stop_json, R"("callSid": "CAa847514af887a9634bffb3d413226c05")",
          R"("callSid": false)"),
     "'stop.callSid' is not a string"},
  };
  for (const auto& [frame, message] : cases)
    CHECK_THAT(error_of(frame), Catch::Contains(message));
}

TEST_CASE("media payload must be strict base64", "[media]") {
  for (const std::string bad :
       {"/w=", "/w", "/w===", "/x==", "/w==/w==", " /w==", "/w==\\n", "//\\n//",
        "/\\t//", "-w==", "_w==", "/w%3D", "\\u002Fw=="}) {
    auto frame = with(audio_json, silence_base64, bad);
    if (bad == "\\u002Fw==") {
      // The escape is the JSON's; the string itself is "/w==".
      CHECK(parse_as<media_audio>(frame).payload == "\xFF");
      continue;
    }
    CHECK_THAT(error_of(frame),
               Catch::Contains("'media.payload' is not base64"));
  }
}

TEST_CASE("media payload limit counts decoded bytes", "[media]") {
  // 160 decoded bytes from 216 characters: the limit is on the 160.
  CHECK(parse_as<media_audio>(audio_json, 160).payload.size() == 160);
  CHECK_THAT(error_of(audio_json, 159),
             Catch::Contains("'media.payload' decodes to more than 159 bytes"));
  CHECK_THAT(error_of(audio_json, 0),
             Catch::Contains("decodes to more than 0 bytes"));
  // Judged from the length before decoding: text that would not even
  // decode is refused as too long, not as bad base64.
  const std::string huge(400000, '!');
  CHECK_THAT(error_of(with(audio_json, silence_base64, huge), 160),
             Catch::Contains("decodes to more than 160 bytes"));
  // No limit in effect: any length is taken.
  const std::string second(8000, '\x7F');
  auto long_frame = twilio_media_frame("MZ1", 3, 2, 20, second);
  CHECK(parse_as<media_audio>(long_frame, std::numeric_limits<size_t>::max())
          .payload
        == second);
}

TEST_CASE("media frames must be UTF-8 text", "[media]") {
  CHECK_THAT(error_of(with(mark_json, "g7.c3", "g7\xFF")),
             Catch::Contains("not JSON"));
  CHECK_THAT(error_of(with(mark_json, "g7.c3", "\\udc80")),
             Catch::Contains("'mark.name' is not valid UTF-8 text"));
  CHECK_THAT(error_of(with(mark_json, "g7.c3", "a\\u0000b")),
             Catch::Contains("'mark.name' is not valid UTF-8 text"));
  CHECK_THAT(error_of(with(start_json, "+14155552671", "\\udc80")),
             Catch::Contains(
               "'start.customParameters.callerId' is not valid UTF-8 text"));
  CHECK_THAT(error_of(with(start_json, R"("callerId")", R"("\udc80")")),
             Catch::Contains("'start.customParameters' is not valid UTF-8"));
  // A surrogate pair is fine: U+1F600.
  CHECK(parse_as<media_mark>(with(mark_json, "g7.c3", "\\ud83d\\ude00")).name
        == "\xF0\x9F\x98\x80");
}

TEST_CASE("media frames we send, to the letter", "[media]") {
  CHECK(media_audio_frame(stream_sid, std::string(3, '\xFF'))
        == R"({"event":"media","streamSid":")" + stream_sid
             + R"(","media":{"payload":"////"}})");
  CHECK(media_audio_frame("MZ1", "")
        == R"({"event":"media","streamSid":"MZ1","media":{"payload":""}})");
  CHECK(media_mark_frame("MZ1", "g7.c3")
        == R"({"event":"mark","streamSid":"MZ1","mark":{"name":"g7.c3"}})");
  CHECK(media_clear_frame("MZ1") == R"({"event":"clear","streamSid":"MZ1"})");
}

TEST_CASE("media mark names and SIDs are JSON-escaped", "[media]") {
  const std::string name = "say \"hi\" \\ C:\\temp\n\t\x01 नमस्ते 😀 </script>";
  auto frame = media_mark_frame("MZ\"1\\", name);
  CHECK(frame.find('\n') == std::string::npos);
  CHECK(frame.find("\\u0001") != std::string::npos);
  auto doc = test::parse_test_json(frame);
  CHECK(doc["mark"]["name"].GetString() == name);
  CHECK(doc["streamSid"].GetString() == "MZ\"1\\"s);
  auto command = command_of(frame);
  CHECK(command.what == media_command::kind::mark);
  CHECK(command.name == name);
  CHECK(command.stream_sid == "MZ\"1\\");
  // Twilio's echo of it reads back the same.
  CHECK(parse_as<media_mark>(twilio_mark_frame("MZ1", 5, name)).name == name);
}

TEST_CASE("media commands round-trip through parse_media_command", "[media]") {
  const auto bytes = all_bytes();
  // Every byte value, at every padding length.
  for (size_t n = 0; n <= 6; ++n) {
    auto mulaw = bytes.substr(256 - n * 40, n * 40 + n % 3);
    auto command = command_of(media_audio_frame(stream_sid, mulaw));
    CHECK(command.what == media_command::kind::media);
    CHECK(command.stream_sid == stream_sid);
    CHECK(command.payload == mulaw);
  }
  auto command = command_of(media_audio_frame("MZ1", bytes));
  CHECK(command.payload == bytes);

  auto clear = command_of(media_clear_frame(stream_sid));
  CHECK(clear.what == media_command::kind::clear);
  CHECK(clear.stream_sid == stream_sid);

  auto mark = command_of(media_mark_frame("MZ1", mark_name(7, 3)));
  CHECK(mark.what == media_command::kind::mark);
  CHECK(parse_mark_name(mark.name) == std::pair<uint64_t, uint32_t>{7, 3});
}

TEST_CASE("media commands that Twilio would refuse", "[media]") {
  CHECK_THAT(command_error_of("{"), Catch::Contains("not JSON"));
  CHECK_THAT(command_error_of("[]"), Catch::Contains("not a JSON object"));
  CHECK_THAT(command_error_of(R"({"streamSid":"MZ1"})"),
             Catch::Contains("'event' is missing"));
  for (const char* event : {"start", "stop", "dtmf", "Media", ""})
    CHECK_THAT(command_error_of(R"({"event":")" + std::string(event)
                                + R"(","streamSid":"MZ1"})"),
               Catch::Contains("'event' is not media, mark or clear"));
  CHECK_THAT(command_error_of(R"({"event":"clear"})"),
             Catch::Contains("'streamSid' is missing"));
  CHECK_THAT(command_error_of(R"({"event":"clear","streamSid":""})"),
             Catch::Contains("'streamSid' is empty"));
  CHECK_THAT(command_error_of(R"({"event":"media","streamSid":"MZ1"})"),
             Catch::Contains("'media' is missing"));
  CHECK_THAT(
    command_error_of(R"({"event":"media","streamSid":"MZ1","media":{}})"),
    Catch::Contains("'media.payload' is missing"));
  CHECK_THAT(
    command_error_of(
      R"({"event":"media","streamSid":"MZ1","media":{"payload":"/w"}})"),
    Catch::Contains("'media.payload' is not base64"));
  CHECK_THAT(
    command_error_of(R"({"event":"mark","streamSid":"MZ1","mark":{}})"),
    Catch::Contains("'mark.name' is missing"));
  CHECK_THAT(
    command_error_of(R"({"event":"mark","streamSid":"MZ1","mark":{"name":7}})"),
    Catch::Contains("'mark.name' is not a string"));
}

TEST_CASE("twilio's frames round-trip through parse_media_frame", "[media]") {
  auto connected = parse_as<media_connected>(twilio_connected_frame());
  CHECK(connected.protocol == "Call");
  CHECK(connected.version == "1.0.0");

  const std::vector<std::pair<std::string, std::string>> parameters = {
    {"token", "1767225600.q9-x_Z"},
    {"quote\"back\\slash", "line\nbreak \x1F नमस्ते 😀"},
    {"", ""},
  };
  auto start = parse_as<media_start>(
    twilio_start_frame(stream_sid, account_sid, call_sid, parameters));
  CHECK(start.sequence == 1);
  CHECK(start.stream_sid == stream_sid);
  CHECK(start.account_sid == account_sid);
  CHECK(start.call_sid == call_sid);
  CHECK(start.tracks == std::vector<std::string>{"inbound"});
  CHECK(start.custom_parameters == parameters);
  CHECK(start.encoding == "audio/x-mulaw");
  CHECK(start.sample_rate == 8000);
  CHECK(start.channels == 1);

  const auto bytes = all_bytes();
  auto audio = parse_as<media_audio>(
    twilio_media_frame(stream_sid, 9007199254740991, 7, 120, bytes), 256);
  CHECK(audio.sequence == 9007199254740991);
  CHECK(audio.stream_sid == stream_sid);
  CHECK(audio.track == "inbound");
  CHECK(audio.chunk == 7);
  CHECK(audio.timestamp_ms == 120);
  CHECK(audio.payload == bytes);

  for (std::string key : {"0", "5", "9", "*", "#", "A", "B", "C", "D"}) {
    auto dtmf = parse_as<media_dtmf>(twilio_dtmf_frame(stream_sid, 40, key));
    CHECK(dtmf.sequence == 40);
    CHECK(dtmf.stream_sid == stream_sid);
    CHECK(dtmf.digit == key);
  }

  auto mark = parse_as<media_mark>(twilio_mark_frame(stream_sid, 41, "g7.c3"));
  CHECK(mark.sequence == 41);
  CHECK(mark.stream_sid == stream_sid);
  CHECK(mark.name == "g7.c3");

  auto stop = parse_as<media_stop>(
    twilio_stop_frame(stream_sid, 42, account_sid, call_sid));
  CHECK(stop.sequence == 42);
  CHECK(stop.stream_sid == stream_sid);
  CHECK(stop.account_sid == account_sid);
  CHECK(stop.call_sid == call_sid);

  // Our writers keep Twilio's documented shapes, field for field.
  auto doc = test::parse_test_json(twilio_media_frame("MZ1", 2, 1, 5, "\xFF"));
  CHECK(doc["sequenceNumber"].IsString());
  CHECK(doc["media"]["chunk"].GetString() == "1"s);
  CHECK(doc["media"]["timestamp"].GetString() == "5"s);
  CHECK(doc["media"]["payload"].GetString() == "/w=="s);
  CHECK(test::parse_test_json(twilio_dtmf_frame("MZ1", 1, "5"))["dtmf"]["track"]
          .GetString()
        == "inbound_track"s);
}

TEST_CASE("media mark names carry generation and clause", "[media]") {
  CHECK(mark_name(7, 3) == "g7.c3");
  CHECK(mark_name(0, 0) == "g0.c0");
  constexpr auto max_generation = std::numeric_limits<uint64_t>::max();
  constexpr auto max_clause = std::numeric_limits<uint32_t>::max();
  CHECK(mark_name(max_generation, max_clause)
        == "g18446744073709551615.c4294967295");
  using pair = std::pair<uint64_t, uint32_t>;
  CHECK(parse_mark_name("g7.c3") == pair{7, 3});
  CHECK(parse_mark_name("g0.c0") == pair{0, 0});
  CHECK(parse_mark_name(mark_name(max_generation, max_clause))
        == pair{max_generation, max_clause});
  CHECK(parse_mark_name("g10.c20") == pair{10, 20});
}

TEST_CASE("media parse_mark_name takes only what mark_name writes", "[media]") {
  for (const char* bad : {
         "",
         "g",
         "g7",
         "g7.c",
         "g.c3",
         "g7.3",
         "g7c3",
         "G7.c3",
         "g7.C3",
         "g07.c3",
         "g7.c03",
         "g00.c0",
         "g7.c3x",
         "g7.c3.c4",
         " g7.c3",
         "g7.c3 ",
         "g-1.c3",
         "g+1.c3",
         "g7.c-3",
         "g1e3.c3",
         "g18446744073709551616.c0",
         "g0.c4294967296",
         "utterance-1",
       }) {
    INFO(bad);
    CHECK_FALSE(parse_mark_name(bad));
  }
  CHECK_FALSE(parse_mark_name("g7.c3\0"s));
}
