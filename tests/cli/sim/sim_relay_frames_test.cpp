// Tests for cli/sim/sim_relay_frames: the frames the simulator sends as
// Twilio (exact JSON, escaping of quotes, backslashes, newlines, control
// characters and non-ASCII text, customParameters in order), each read
// back by the daemon's own parser (twilio/relay_frames); and the daemon's
// frames parsed, the daemon's own builders included.
#include "cli/sim/sim_relay_frames.hpp"

#include <string>
#include <variant>

#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "twilio/relay_frames.hpp"

namespace {

template <class T>
T daemon_reads(const std::string& frame) {
  auto parsed = sb::parse_relay_frame(frame);
  CAPTURE(frame);
  REQUIRE(parsed);
  REQUIRE(std::holds_alternative<T>(*parsed));
  return std::get<T>(*parsed);
}

template <class T>
T sim_reads(const std::string& frame) {
  auto parsed = sb::parse_daemon_frame(frame);
  CAPTURE(frame);
  REQUIRE(parsed);
  REQUIRE(std::holds_alternative<T>(*parsed));
  return std::get<T>(*parsed);
}

std::string sim_error(const std::string& frame) {
  auto parsed = sb::parse_daemon_frame(frame);
  CAPTURE(frame);
  REQUIRE_FALSE(parsed);
  CHECK(sb::has_code(parsed.error(), sb::errc::bad_request));
  return sb::what(parsed.error());
}

} // namespace

TEST_CASE("the setup frame has every field Twilio sends, in its order",
          "[relay_frames_sim]") {
  sb::relay_setup s;
  s.session_id = "VX00000000000000000000000000000001";
  s.account_sid = "AC00000000000000000000000000000002";
  s.call_sid = "CA00000000000000000000000000000003";
  s.from = "+14155550100";
  s.to = "+14155550199";
  s.call_type = "PSTN";
  s.direction = "inbound";
  s.call_status = "RINGING";
  s.custom_parameters = {{"callSid", "CA00000000000000000000000000000003"},
                         {"token", "17.abc-_"},
                         {"note", "say \"hi\"\n\\ok"}};
  auto frame = sb::sim_setup_frame(s);
  CHECK(
    frame
    == "{\"type\":\"setup\",\"sessionId\":"
       "\"VX00000000000000000000000000000001\","
       "\"accountSid\":\"AC00000000000000000000000000000002\","
       "\"parentCallSid\":\"\",\"callSid\":"
       "\"CA00000000000000000000000000000003\","
       "\"from\":\"+14155550100\",\"to\":\"+14155550199\",\"forwardedFrom\":"
       "\"\","
       "\"callType\":\"PSTN\",\"callerName\":\"\",\"direction\":\"inbound\","
       "\"callStatus\":\"RINGING\",\"customParameters\":{"
       "\"callSid\":\"CA00000000000000000000000000000003\","
       "\"token\":\"17.abc-_\",\"note\":\"say \\\"hi\\\"\\n\\\\ok\"}}");
  auto back = daemon_reads<sb::relay_setup>(frame);
  CHECK(back.session_id == s.session_id);
  CHECK(back.account_sid == s.account_sid);
  CHECK(back.call_sid == s.call_sid);
  CHECK(back.from == s.from);
  CHECK(back.to == s.to);
  CHECK(back.call_type == "PSTN");
  CHECK(back.direction == "inbound");
  CHECK(back.call_status == "RINGING");
  CHECK(back.custom_parameters == s.custom_parameters);
}

TEST_CASE("a setup frame without parameters has an empty customParameters",
          "[relay_frames_sim]") {
  sb::relay_setup s;
  s.session_id = "VX1";
  s.account_sid = "AC1";
  s.call_sid = "CA1";
  auto frame = sb::sim_setup_frame(s);
  CHECK(frame.find("\"customParameters\":{}") != std::string::npos);
  CHECK(daemon_reads<sb::relay_setup>(frame).custom_parameters.empty());
}

TEST_CASE("prompt frames escape what they carry", "[relay_frames_sim]") {
  std::string said = "मुझे \"मदद\" चाहिए\nline two\ttab \\ end\x01";
  auto frame = sb::sim_prompt_frame(said, "hi-IN");
  CHECK(
    frame
    == "{\"type\":\"prompt\",\"voicePrompt\":\"मुझे \\\"मदद\\\" चाहिए\\n"
       "line two\\ttab \\\\ end\\u0001\",\"lang\":\"hi-IN\",\"last\":true}");
  auto back = daemon_reads<sb::relay_prompt>(frame);
  CHECK(back.voice_prompt == said);
  CHECK(back.lang == "hi-IN");
  CHECK(back.last);
  auto partial = sb::sim_prompt_frame("hel", {}, false);
  CHECK(partial
        == "{\"type\":\"prompt\",\"voicePrompt\":\"hel\",\"last\":false}");
  CHECK_FALSE(daemon_reads<sb::relay_prompt>(partial).last);
}

TEST_CASE("dtmf and interrupt frames", "[relay_frames_sim]") {
  auto dtmf = sb::sim_dtmf_frame("#");
  CHECK(dtmf == "{\"type\":\"dtmf\",\"digit\":\"#\"}");
  CHECK(daemon_reads<sb::relay_dtmf>(dtmf).digit == "#");
  auto interrupt = sb::sim_interrupt_frame("Once upon \"a\" ", 1234);
  CHECK(interrupt
        == "{\"type\":\"interrupt\",\"utteranceUntilInterrupt\":"
           "\"Once upon \\\"a\\\" \",\"durationUntilInterruptMs\":1234}");
  auto back = daemon_reads<sb::relay_interrupt>(interrupt);
  CHECK(back.utterance_until_interrupt == "Once upon \"a\" ");
  CHECK(back.duration_until_interrupt_ms == 1234);
}

TEST_CASE("the daemon's frames parse, its own builders' output included",
          "[relay_frames_sim]") {
  auto t = sim_reads<sb::daemon_text>(
    sb::relay_text_frame(" नमस्ते, \"you\"\n", false));
  CHECK(t.token == " नमस्ते, \"you\"\n");
  CHECK_FALSE(t.last);
  auto last = sim_reads<sb::daemon_text>(sb::relay_text_frame("", true));
  CHECK(last.token.empty());
  CHECK(last.last);
  CHECK_FALSE(
    sim_reads<sb::daemon_text>("{\"type\":\"text\",\"token\":\"x\"}").last);
  auto end = sim_reads<sb::daemon_end>(
    sb::relay_end_frame("{\"reason\":\"transfer\"}"));
  CHECK(end.handoff_data == "{\"reason\":\"transfer\"}");
  CHECK(sim_reads<sb::daemon_end>(sb::relay_end_frame()).handoff_data.empty());
  auto digits = sb::relay_send_digits_frame("9w1#");
  REQUIRE(digits);
  CHECK(sim_reads<sb::daemon_send_digits>(*digits).digits == "9w1#");
  auto lang = sb::relay_language_frame("es-ES", "");
  REQUIRE(lang);
  CHECK(sim_reads<sb::daemon_other>(*lang).type == "language");
  CHECK(sim_reads<sb::daemon_other>("{\"type\":\"play\",\"source\":1}").type
        == "play");
}

TEST_CASE("bad daemon frames are refused with the reason",
          "[relay_frames_sim]") {
  CHECK(sim_error("not json").find("daemon frame: not JSON: ") == 0);
  CHECK(sim_error("[1]") == "daemon frame: not a JSON object");
  CHECK(sim_error("{\"token\":\"x\"}") == "daemon frame: 'type' is missing");
  CHECK(sim_error("{\"type\":7}") == "daemon frame: 'type' is not a string");
  CHECK(sim_error("{\"type\":\"text\"}") == "daemon frame: 'token' is missing");
  CHECK(sim_error("{\"type\":\"text\",\"token\":1}")
        == "daemon frame: 'token' is not a string");
  CHECK(sim_error("{\"type\":\"text\",\"token\":\"x\",\"last\":\"true\"}")
        == "daemon frame: 'last' is not a boolean");
  CHECK(sim_error("{\"type\":\"end\",\"handoffData\":{}}")
        == "daemon frame: 'handoffData' is not a string");
  CHECK(sim_error("{\"type\":\"sendDigits\"}")
        == "daemon frame: 'digits' is missing");
  CHECK(sim_error(std::string("{\"type\":\"text\",\"token\":\"x\"}\0junk", 32))
        == "daemon frame: not JSON: a NUL byte");
  CHECK(sim_error("{\"type\":\"text\",\"token\":\"\xff\"}")
          .find("daemon frame: not JSON")
        == 0);
  CHECK(sim_error("{\"type\":\"text\",\"token\":\"x\"} {}")
          .find("daemon frame: not JSON")
        == 0);
}
