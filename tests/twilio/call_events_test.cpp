// Twilio's requests as typed call events (twilio/call_events.hpp), from
// the recorded webhook bodies and ConversationRelay frames in
// tests/data/twilio/twilio-webhooks.json and from hand-made edge cases.
#include "twilio/call_events.hpp"

#include <string>

#include <catch2/catch.hpp>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "tests/support/test_data.hpp"

using sb::call_event;
using sb::event_kind;
using sb::form_params;
using sb::test::json_text;
using sb::test::load_test_json;

namespace {

// The fixture webhook `name`'s parameters.
form_params params_of(const rapidjson::Document& doc, const std::string& name) {
  for (const auto& hook : doc["http_webhooks"].GetArray()) {
    if (json_text(hook["name"]) != name)
      continue;
    form_params out;
    for (const auto& pair : hook["params"].GetArray())
      out.emplace_back(json_text(pair[0]), json_text(pair[1]));
    return out;
  }
  FAIL("no fixture " << name);
  return {};
}

call_event webhook(event_kind kind, form_params p, int64_t turn = 0) {
  auto sid = sb::param_or(p, "CallSid");
  return sb::webhook_call_event(kind, sid, std::move(p), "now", turn);
}

// The fixture relay frame whose "type" is `type`, parsed.
sb::relay_inbound relay_fixture(const rapidjson::Document& doc,
                                const std::string& type) {
  for (const auto& m :
       doc["websocket_messages"]["conversationrelay_from_twilio"].GetArray()) {
    if (json_text(m["type"]) != type)
      continue;
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    m.Accept(w);
    auto frame = sb::parse_relay_frame(buf.GetString());
    REQUIRE(frame);
    return *frame;
  }
  FAIL("no relay fixture " << type);
  return {};
}

} // namespace

TEST_CASE("a <Gather> result carries the words, their confidence and the "
          "call's facts",
          "[call_events]") {
  auto doc = load_test_json("twilio/twilio-webhooks.json");
  auto p = params_of(doc, "gather_speech_result");
  auto ev = webhook(event_kind::process_speech, p);
  CHECK(ev.call_sid == "CAa847514af887a9634bffb3d413226c05");
  CHECK(ev.input.speech == "I'd like to check my order status, please.");
  REQUIRE(ev.input.confidence);
  CHECK(*ev.input.confidence == Approx(0.9235));
  CHECK(ev.call.from == "+14155552671");
  CHECK(ev.call.to == "+15017122661");
  CHECK(ev.call.direction == "inbound");
  CHECK(ev.call.status == "in-progress");
  CHECK(ev.call.account_sid == "ACe268443e43d93dab7ebef303bbe9642f");
  // Everything as received travels on for the event log, untouched.
  CHECK(ev.raw == p);
}

TEST_CASE("keys pressed at a <Gather> are the caller's digits",
          "[call_events]") {
  auto doc = load_test_json("twilio/twilio-webhooks.json");
  auto ev = webhook(event_kind::process_speech,
                    params_of(doc, "gather_digits"));
  CHECK(ev.input.digits == sb::param_or(ev.raw, "Digits"));
  CHECK_FALSE(ev.input.digits.empty());
}

TEST_CASE("a status callback carries its order and the call's duration",
          "[call_events]") {
  auto doc = load_test_json("twilio/twilio-webhooks.json");
  auto ev = webhook(event_kind::call_status,
                    params_of(doc, "status_callback_completed"));
  CHECK(ev.call.status == "completed");
  CHECK(ev.status.sequence == 3);
  CHECK(ev.status.duration_s == 47);
}

TEST_CASE("a recording callback carries the recording", "[call_events]") {
  auto doc = load_test_json("twilio/twilio-webhooks.json");
  auto ev = webhook(event_kind::recording_status,
                    params_of(doc, "recording_status_callback_api"));
  CHECK(ev.recording.recording_sid == "REfb89b9c2b78261ef2ab506e30d9c84f7");
  CHECK(ev.recording.status == "completed");
  CHECK(ev.recording.duration_s == 61);
  CHECK(ev.recording.channels == 2);
  CHECK(ev.recording.url.rfind("https://api.twilio.com/", 0) == 0);
}

TEST_CASE("an AMD callback says who answered", "[call_events]") {
  auto doc = load_test_json("twilio/twilio-webhooks.json");
  auto ev = webhook(event_kind::amd_status,
                    params_of(doc, "async_amd_callback"));
  CHECK(ev.call.answered_by == "human");
}

TEST_CASE("relay-done: the session's status, and only our own hand-offs",
          "[call_events]") {
  auto doc = load_test_json("twilio/twilio-webhooks.json");
  auto ended = webhook(event_kind::relay_done,
                       params_of(doc,
                                 "connect_action_conversationrelay_ended"));
  CHECK(ended.relay.session_status == "ended");
  CHECK(ended.relay.session_id == "VX21d6f40cfb511982e4424e0e250a9557");
  // {"reason":"caller asked for a human"} is someone else's hand-off.
  CHECK(ended.relay.handoff.empty());
  auto p = params_of(doc, "connect_action_conversationrelay_ended");
  for (auto& [k, v] : p)
    if (k == "HandoffData")
      v = R"({"reason":"transfer"})";
  CHECK(webhook(event_kind::relay_done, p).relay.handoff == "transfer");
}

TEST_CASE("a stream's status callback: its stream, event and error",
          "[call_events]") {
  auto doc = load_test_json("twilio/twilio-webhooks.json");
  auto p = params_of(doc, "stream_status_started");
  auto started = webhook(event_kind::media_status, p);
  CHECK(started.media.stream_sid == "MZf7b44cfafd5c52223d5498196c8a2e7b");
  CHECK(started.media.stream_event == "stream-started");
  CHECK(started.media.stream_error.empty());
  for (auto& [k, v] : p)
    if (k == "StreamEvent")
      v = "stream-error";
  p.emplace_back("StreamError", "Stream - WebSocket - Connection Refused");
  auto failed = webhook(event_kind::media_status, p);
  CHECK(failed.media.stream_event == "stream-error");
  CHECK(failed.media.stream_error == "Stream - WebSocket - Connection Refused");
}

TEST_CASE("media frames as events: start, dtmf, stop", "[call_events]") {
  sb::media_start start;
  start.stream_sid = "MZ1";
  start.account_sid = "AC1";
  start.call_sid = "CA1";
  auto open = sb::media_start_event(start, "2026-12-07T00:00:00Z");
  CHECK(open.kind == event_kind::media_open);
  CHECK(open.call_sid == "CA1");
  CHECK(open.media.stream_sid == "MZ1");
  CHECK(open.call.account_sid == "AC1");
  auto key = sb::media_dtmf_event(sb::media_dtmf{3, "MZ1", "7"}, "CA1", "t");
  CHECK(key.kind == event_kind::media_dtmf);
  CHECK(key.input.digits == "7");
  auto stop = sb::media_stop_event(sb::media_stop{9, "MZ1", "AC1", "CA1"},
                                   "CA1", "t");
  CHECK(stop.kind == event_kind::media_stop);
  CHECK(stop.media.stream_sid == "MZ1");
  CHECK(std::string{sb::to_string(event_kind::media_open)} == "media-start");
  CHECK(sb::is_media_frame(event_kind::media_turn));
  CHECK_FALSE(sb::is_media_frame(event_kind::media_done));
  CHECK_FALSE(sb::wants_twiml(event_kind::media_status));
  CHECK(sb::wants_twiml(event_kind::media_done));
}

TEST_CASE("numbers Twilio never sends are taken as absent", "[call_events]") {
  for (const char* bad : {"", "abc", "nan", "inf", "1e999", "0.5x"}) {
    INFO("value '" << bad << "'");
    auto ev = webhook(event_kind::call_status, {{"CallSid", "CA1"},
                                                {"SequenceNumber", bad},
                                                {"CallDuration", bad}});
    CHECK_FALSE(ev.status.sequence);
    CHECK_FALSE(ev.status.duration_s);
    auto speech = webhook(event_kind::process_speech,
                          {{"CallSid", "CA1"}, {"Confidence", bad}});
    CHECK_FALSE(speech.input.confidence);
  }
}

TEST_CASE("a retry has the digest of its first delivery, and any change "
          "does not",
          "[call_events]") {
  auto doc = load_test_json("twilio/twilio-webhooks.json");
  auto p = params_of(doc, "gather_speech_result");
  auto first = webhook(event_kind::process_speech, p);
  auto retry = webhook(event_kind::process_speech, p);
  CHECK(first.request_digest == retry.request_digest);
  auto turn_two = webhook(event_kind::await_turn, p, 2);
  auto turn_three = webhook(event_kind::await_turn, p, 3);
  CHECK(turn_two.request_digest != turn_three.request_digest);
  CHECK(webhook(event_kind::call_status, p).request_digest
        != first.request_digest);
  p.back().second += "0";
  CHECK(webhook(event_kind::process_speech, p).request_digest
        != first.request_digest);
}

TEST_CASE("relay frames become their events, fields as raw too",
          "[call_events]") {
  auto doc = load_test_json("twilio/twilio-webhooks.json");
  const std::string sid = "CAa847514af887a9634bffb3d413226c05";
  auto setup = sb::relay_frame_event(relay_fixture(doc, "setup"), sid, "now");
  REQUIRE(setup);
  CHECK(setup->kind == event_kind::relay_open);
  CHECK(setup->relay.session_id == "VX21d6f40cfb511982e4424e0e250a9557");
  CHECK(setup->call.from == "+14155552671");
  CHECK(setup->call.status.empty()); // the setup's RINGING is no call status
  CHECK(sb::param_or(setup->raw, "SessionId") == setup->relay.session_id);

  auto prompt = sb::relay_frame_event(relay_fixture(doc, "prompt"), sid, "now");
  REQUIRE(prompt);
  CHECK(prompt->kind == event_kind::relay_prompt);
  CHECK(prompt->input.speech == "What are your opening hours?");
  CHECK(prompt->input.language == "en-US");
  CHECK(prompt->input.last);

  auto cut = sb::relay_frame_event(relay_fixture(doc, "interrupt"), sid, "now");
  REQUIRE(cut);
  CHECK(cut->relay.heard == "We are open from nine");
  CHECK(cut->relay.heard_ms == 460);

  auto dtmf = sb::relay_frame_event(relay_fixture(doc, "dtmf"), sid, "now");
  REQUIRE(dtmf);
  CHECK(dtmf->input.digits == "5");

  auto error = sb::relay_frame_event(relay_fixture(doc, "error"), sid, "now");
  REQUIRE(error);
  CHECK(error->relay.description.find("Invalid message") == 0);

  CHECK_FALSE(sb::relay_frame_event(sb::relay_unknown{"info"}, sid, "now"));
  auto closed = sb::relay_closed_event(sid, "peer closed", "now");
  CHECK(closed.kind == event_kind::relay_closed);
  CHECK(closed.relay.reason == "peer closed");
}
