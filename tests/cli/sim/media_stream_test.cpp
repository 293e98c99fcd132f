// Tests for cli/sim/media_stream: one Media Stream from Twilio's side with
// explicit times, its frames read back with the daemon's own parser
// (twilio/media_frames): connected and start first; a media frame every
// 20 ms, silence when the caller is quiet, sequence numbers over every
// frame and chunks over media frames; the caller's words in the frames
// and where the voice ended; keys 100 ms apart; the daemon's marks echoed
// when played and at once on a clear; frames Twilio would refuse.
#include "cli/sim/media_stream.hpp"

#include <string>
#include <variant>
#include <vector>

#include <catch2/catch.hpp>

#include "backends/audio/audio_format.hpp"
#include "core/error.hpp"
#include "twilio/media_frames.hpp"

namespace {

using namespace std::chrono_literals;
using sb::media_time;

const media_time t0 = media_time{} + 100s;
const std::string sid = "MZ0123456789abcdef0123456789abcdef";

sb::media_stream make_stream(sb::heard_audio* heard = nullptr) {
  return sb::media_stream{{sid,
                           "AC00000000000000000000000000000000",
                           "CA11111111111111111111111111111111",
                           {{"callSid", "CA1111"}, {"token", "t0k"}}},
                          t0,
                          1200ms,
                          heard};
}

sb::media_frame parse(const std::string& text) {
  auto frame = sb::parse_media_frame(text, 1 << 16);
  REQUIRE(frame);
  return *frame;
}

template <class T>
T as(const std::string& text) {
  auto frame = parse(text);
  REQUIRE(std::holds_alternative<T>(frame));
  return std::get<T>(frame);
}

std::string loud(size_t samples) {
  std::string out;
  for (size_t i = 0; i < samples; ++i)
    out.push_back(static_cast<char>(
      sb::linear_to_mulaw(static_cast<int16_t>(i % 2 ? 8000 : -8000))));
  return out;
}

} // namespace

TEST_CASE("a stream opens with connected and start", "[media_stream]") {
  auto stream = make_stream();
  auto opening = stream.opening_frames();
  REQUIRE(opening.size() == 2);
  auto connected = as<sb::media_connected>(opening[0]);
  CHECK(connected.protocol == "Call");
  auto start = as<sb::media_start>(opening[1]);
  CHECK(start.sequence == 1);
  CHECK(start.stream_sid == sid);
  CHECK(start.call_sid == "CA11111111111111111111111111111111");
  CHECK(start.custom_parameters
        == std::vector<std::pair<std::string, std::string>>{
          {"callSid", "CA1111"}, {"token", "t0k"}});
  CHECK(start.sample_rate == 8000);
}

TEST_CASE("media frames every 20 ms, silence while the caller is quiet",
          "[media_stream]") {
  auto stream = make_stream();
  std::vector<std::string> out;
  stream.due(t0 + 19ms, out);
  CHECK(out.empty());
  CHECK(stream.next_due() == t0 + 20ms);
  stream.due(t0 + 20ms, out);
  REQUIRE(out.size() == 1);
  auto first = as<sb::media_audio>(out[0]);
  CHECK(first.sequence == 2);
  CHECK(first.chunk == 1);
  CHECK(first.timestamp_ms == 0);
  CHECK(first.payload == std::string(160, '\xFF'));
  // Behind by 50 ms: the frames due go out at once, in order, and the
  // ones sent more than a frame late are counted.
  out.clear();
  stream.due(t0 + 90ms, out);
  REQUIRE(out.size() == 3);
  for (size_t i = 0; i < out.size(); ++i) {
    auto frame = as<sb::media_audio>(out[i]);
    CHECK(frame.sequence == 3 + static_cast<int64_t>(i));
    CHECK(frame.chunk == 2 + static_cast<int64_t>(i));
    CHECK(frame.timestamp_ms == 20 * (1 + static_cast<int64_t>(i)));
  }
  CHECK(stream.frames_sent() == 4);
  CHECK(stream.late_frames() == 2); // due at 40 and 60 ms: over 20 ms late
}

TEST_CASE("what the caller says goes out in the next frames",
          "[media_stream]") {
  auto stream = make_stream();
  std::vector<std::string> out;
  stream.due(t0 + 20ms, out);
  stream.say(loud(200)); // one frame and 40 samples
  CHECK(stream.speaking());
  out.clear();
  stream.due(t0 + 40ms, out);
  stream.due(t0 + 60ms, out);
  stream.due(t0 + 80ms, out);
  REQUIRE(out.size() == 3);
  CHECK(as<sb::media_audio>(out[0]).payload == loud(160));
  auto second = as<sb::media_audio>(out[1]).payload;
  CHECK(second.substr(0, 40) == loud(200).substr(160));
  CHECK(second.substr(40) == std::string(120, '\xFF'));
  CHECK(as<sb::media_audio>(out[2]).payload == std::string(160, '\xFF'));
  CHECK_FALSE(stream.speaking());
  REQUIRE(stream.said_from());
  CHECK(*stream.said_from() == t0 + 40ms);
  REQUIRE(stream.said_until());
  CHECK(*stream.said_until() == t0 + 60ms);
  REQUIRE(stream.voice().last_voiced());
  CHECK(*stream.voice().last_voiced() == t0 + 60ms);
}

TEST_CASE("keys go out 100 ms apart between media frames", "[media_stream]") {
  auto stream = make_stream();
  stream.press("1#", t0 + 30ms);
  std::vector<std::string> out;
  stream.due(t0 + 130ms, out);
  std::vector<std::string> events;
  int64_t sequence = 1;
  for (const auto& text : out) {
    auto frame = parse(text);
    events.push_back(sb::event_name(frame));
    std::visit(
      [&sequence](const auto& f) {
        if constexpr (
          !std::is_same_v<
            std::decay_t<decltype(f)>,
            sb::
              media_connected> && !std::is_same_v<std::decay_t<decltype(f)>, sb::media_unknown>)
          CHECK(f.sequence == ++sequence);
      },
      frame);
  }
  // Media at 20 ms, key 1 at 30, media at 40..120, key # at 130.
  CHECK(events
        == std::vector<std::string>{"media", "dtmf", "media", "media", "media",
                                    "media", "media", "dtmf"});
  REQUIRE(out.size() == 8);
  CHECK(as<sb::media_dtmf>(out[1]).digit == "1");
  CHECK(as<sb::media_dtmf>(out[7]).digit == "#");
  CHECK_FALSE(stream.pressing());
  // A reply after keys: its turn gap runs from the last key.
  REQUIRE_FALSE(
    stream.receive(t0 + 500ms, sb::media_audio_frame(sid, "x"), out));
  auto reply = stream.finished_reply(t0 + 10s);
  REQUIRE(reply);
  REQUIRE(reply->caller_end);
  CHECK(*reply->caller_end == t0 + 130ms);
}

TEST_CASE("the daemon's marks are echoed when their audio has played",
          "[media_stream]") {
  sb::heard_audio heard{t0};
  auto stream = make_stream(&heard);
  std::vector<std::string> out;
  REQUIRE_FALSE(stream.receive(
    t0 + 5ms, sb::media_audio_frame(sid, std::string(800, 'x')), out));
  REQUIRE_FALSE(
    stream.receive(t0 + 6ms, sb::media_mark_frame(sid, "g1.c0"), out));
  CHECK(out.empty());
  CHECK(stream.next_due() == t0 + 20ms);
  stream.due(t0 + 100ms, out);
  CHECK(out.size() == 5); // media only: the 100 ms play to t0 + 105 ms
  for (const auto& text : out)
    CHECK(sb::event_name(parse(text)) == "media");
  CHECK(stream.next_due() == t0 + 105ms);
  out.clear();
  stream.due(t0 + 105ms, out);
  REQUIRE(out.size() == 1);
  auto echo = as<sb::media_mark>(out[0]);
  CHECK(echo.name == "g1.c0");
  CHECK(echo.stream_sid == sid);
  CHECK(echo.sequence == 7); // after the start and five media frames
  // A mark with nothing queued comes straight back.
  out.clear();
  REQUIRE_FALSE(
    stream.receive(t0 + 110ms, sb::media_mark_frame(sid, "g1.c1"), out));
  REQUIRE(out.size() == 1);
  CHECK(as<sb::media_mark>(out[0]).name == "g1.c1");
  // The reply's audio is on the heard timeline where it played.
  auto rec = heard.recording(t0 + 200ms);
  CHECK(rec.samples.size() == 1600);
  CHECK(rec.samples[39] == 0);
  CHECK(rec.samples[40] == sb::mulaw_to_linear('x'));
  CHECK(rec.samples[839] == sb::mulaw_to_linear('x'));
  CHECK(rec.samples[840] == 0);
}

TEST_CASE("a clear echoes the pending marks at once and cuts what was heard",
          "[media_stream]") {
  sb::heard_audio heard{t0};
  auto stream = make_stream(&heard);
  std::vector<std::string> out;
  REQUIRE_FALSE(
    stream.receive(t0, sb::media_audio_frame(sid, loud(8000)), out));
  REQUIRE_FALSE(stream.receive(t0, sb::media_mark_frame(sid, "g4.c0"), out));
  REQUIRE_FALSE(
    stream.receive(t0, sb::media_audio_frame(sid, loud(8000)), out));
  REQUIRE_FALSE(stream.receive(t0, sb::media_mark_frame(sid, "g4.c1"), out));
  REQUIRE_FALSE(stream.receive(t0 + 250ms, sb::media_clear_frame(sid), out));
  REQUIRE(out.size() == 2);
  CHECK(as<sb::media_mark>(out[0]).name == "g4.c0");
  CHECK(as<sb::media_mark>(out[1]).name == "g4.c1");
  auto reply = stream.finished_reply(t0 + 250ms);
  REQUIRE(reply);
  CHECK(reply->playout.clears.size() == 1);
  CHECK_FALSE(reply->caller_end); // the caller had not spoken
  CHECK(heard.recording(t0).samples.size() == 2000);
}

TEST_CASE("a reply remembers where the caller's voice ended",
          "[media_stream]") {
  auto stream = make_stream();
  std::vector<std::string> out;
  stream.say(loud(320));
  stream.due(t0 + 100ms, out);
  REQUIRE_FALSE(
    stream.receive(t0 + 700ms, sb::media_audio_frame(sid, loud(80)), out));
  auto reply = stream.finished_reply(t0 + 10s);
  REQUIRE(reply);
  REQUIRE(reply->caller_end);
  // Two voiced frames, the second sent at 100 ms though due at 40 ms.
  CHECK(*reply->caller_end == t0 + 100ms);
  CHECK(reply->playout.first_audio == t0 + 700ms);
}

TEST_CASE("frames Twilio would refuse are errors", "[media_stream]") {
  auto stream = make_stream();
  std::vector<std::string> out;
  auto wrong_sid = stream.receive(
    t0, sb::media_mark_frame("MZffffffffffffffffffffffffffffffff", "g1.c0"),
    out);
  REQUIRE(wrong_sid);
  CHECK(sb::what(wrong_sid).find("not this stream's") != std::string::npos);
  CHECK(stream.receive(t0, R"({"event":"start","streamSid":"x"})", out));
  CHECK(stream.receive(t0, "not json", out));
  CHECK(out.empty());
}

TEST_CASE("the stop frame follows the last frame's sequence number",
          "[media_stream]") {
  auto stream = make_stream();
  std::vector<std::string> out;
  stream.due(t0 + 40ms, out);
  auto stop = as<sb::media_stop>(stream.stop_frame());
  CHECK(stop.sequence == 4);
  CHECK(stop.call_sid == "CA11111111111111111111111111111111");
}
