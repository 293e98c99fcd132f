// The daemon's JSON bodies (views.hpp), written with RapidJSON: a turn
// carries only the measurements it has, the call its unknowns as null.
#include "app/views.hpp"

#include <cmath>
#include <cstdint>
#include <optional>

#include "net/text/json_writer.hpp"
#include "storage/tool_call_json.hpp"

namespace sb {

namespace {

// Unknown text is written as null (write_nullable), as the prototype's
// None. A duration in milliseconds is left out when it was not measured.
void optional_ms(json_writer& w, const char* key,
                 const std::optional<int64_t>& ms) {
  if (ms) {
    w.Key(key);
    w.Int64(*ms);
  }
}

void write_turn(json_writer& w, const turn_row& t) {
  w.StartObject();
  write_field(w, "role", t.role);
  write_field(w, "content", t.content);
  write_field(w, "timestamp", t.created_at);
  // JSON has no NaN or infinity (strtod accepts "nan" from a webhook), and
  // RapidJSON would leave the key without a value: omit it as unknown.
  if (t.confidence && std::isfinite(*t.confidence)) {
    w.Key("confidence");
    w.Double(*t.confidence);
  }
  optional_ms(w, "latency_ms", t.latency_ms);
  // A reply the caller talked over: content is what was heard.
  if (t.interrupted) {
    w.Key("interrupted");
    w.Bool(true);
  }
  // A streamed reply's first token and, on a media call, where the
  // silence before the reply went.
  optional_ms(w, "first_token_ms", t.first_token_ms);
  optional_ms(w, "eot_wait_ms", t.eot_wait_ms);
  optional_ms(w, "stt_tail_ms", t.stt_tail_ms);
  optional_ms(w, "tts_first_audio_ms", t.tts_first_audio_ms);
  optional_ms(w, "turn_gap_ms", t.turn_gap_ms);
  // On a media call's user turn, the caller's utterance as recorded
  // (media.keep_caller_audio): what the recogniser heard, to listen to.
  if (!t.audio.empty())
    write_field(w, "audio", t.audio);
  // The MCP tools a reply called, each with what came back.
  if (!t.tool_calls.empty()) {
    w.Key("tool_calls");
    write_tool_calls(w, t.tool_calls);
  }
  w.EndObject();
}

void write_session(json_writer& w, const stored_call& c) {
  w.StartObject();
  write_field(w, "call_sid", c.call.call_sid);
  write_field(w, "from_number", c.call.from_number);
  write_field(w, "to_number", c.call.to_number);
  write_field(w, "status", c.call.status);
  write_field(w, "direction", c.call.direction);
  write_field(w, "start_time", c.call.started_at);
  write_nullable(w, "answered_at", c.call.answered_at);
  write_nullable(w, "answered_by", c.call.answered_by);
  write_field(w, "language", c.call.language);
  write_field(w, "voice", c.call.voice);
  w.Key("conversation_history");
  w.StartArray();
  for (const auto& t : c.turns)
    write_turn(w, t);
  w.EndArray();
  w.EndObject();
}

} // namespace

std::string health_json(const ingress_stats& stats) {
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  w.StartObject();
  write_field(w, "message", "Twilio Voice AI Assistant is running");
  write_field(w, "status", "healthy");
  w.Key("active_sessions");
  w.Int64(stats.live_calls);
  w.Key("calls_total");
  w.Int64(stats.calls_total);
  w.Key("calls_rejected");
  w.Int64(stats.calls_rejected);
  w.EndObject();
  return json_text(buf);
}

std::string session_json(const stored_call& call) {
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  write_session(w, call);
  return json_text(buf);
}

std::string sessions_json(const std::vector<stored_call>& calls) {
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  w.StartObject();
  w.Key("active_sessions");
  w.Int64(static_cast<int64_t>(calls.size()));
  w.Key("sessions");
  w.StartObject();
  for (const auto& c : calls) {
    w.Key(c.call.call_sid.data(),
          static_cast<rapidjson::SizeType>(c.call.call_sid.size()));
    write_session(w, c);
  }
  w.EndObject();
  w.EndObject();
  return json_text(buf);
}

std::string ack_json(const std::string& call_sid, const std::string& status) {
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  w.StartObject();
  write_field(w, "status", "received");
  write_field(w, "call_sid", call_sid);
  write_field(w, "call_status", status);
  w.EndObject();
  return json_text(buf);
}

} // namespace sb
