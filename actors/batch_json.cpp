// Each row type written column by column with the net/text/json_writer.hpp
// helpers; unknown columns are skipped, as the database stores them as
// NULL anyway.
#include "actors/batch_json.hpp"

#include <cstdint>
#include <optional>

#include "net/text/json_writer.hpp"
#include "storage/tool_call_json.hpp"

namespace sb {

namespace {

void text(json_writer& w, const char* key, const std::string& value) {
  if (!value.empty())
    write_field(w, key, value);
}

void number(json_writer& w, const char* key, const std::optional<int64_t>& v) {
  if (v) {
    w.Key(key);
    w.Int64(*v);
  }
}

void number(json_writer& w, const char* key, const std::optional<double>& v) {
  if (v) {
    w.Key(key);
    w.Double(*v);
  }
}

void row(json_writer& w, const event_row& e) {
  text(w, "call_sid", e.call_sid);
  text(w, "kind", e.kind);
  text(w, "received_at", e.received_at);
  text(w, "payload", e.payload);
}

void row(json_writer& w, const call_row& c) {
  text(w, "call_sid", c.call_sid);
  text(w, "account_sid", c.account_sid);
  text(w, "direction", c.direction);
  text(w, "from_number", c.from_number);
  text(w, "to_number", c.to_number);
  text(w, "status", c.status);
  text(w, "answered_by", c.answered_by);
  text(w, "language", c.language);
  text(w, "voice", c.voice);
  text(w, "started_at", c.started_at);
  text(w, "answered_at", c.answered_at);
  text(w, "ended_at", c.ended_at);
  number(w, "duration_s", c.duration_s);
  text(w, "end_reason", c.end_reason);
  text(w, "adopted_at", c.adopted_at);
  text(w, "transport", c.transport);
}

void row(json_writer& w, const recording_row& r) {
  text(w, "recording_sid", r.recording_sid);
  text(w, "call_sid", r.call_sid);
  text(w, "url", r.url);
  text(w, "status", r.status);
  number(w, "duration_s", r.duration_s);
  number(w, "channels", r.channels);
  text(w, "created_at", r.created_at);
}

void row(json_writer& w, const turn_row& t) {
  text(w, "call_sid", t.call_sid);
  w.Key("seq");
  w.Int64(t.seq);
  text(w, "role", t.role);
  // Always present, even empty: a turn's words are the point of it.
  write_field(w, "content", t.content);
  number(w, "confidence", t.confidence);
  text(w, "created_at", t.created_at);
  number(w, "latency_ms", t.latency_ms);
  number(w, "queue_ms", t.queue_ms);
  number(w, "llm_ms", t.llm_ms);
  number(w, "first_token_ms", t.first_token_ms);
  if (t.interrupted) {
    w.Key("interrupted");
    w.Bool(true);
  }
  text(w, "model", t.model);
  text(w, "audio", t.audio);
  number(w, "eot_wait_ms", t.eot_wait_ms);
  number(w, "stt_tail_ms", t.stt_tail_ms);
  number(w, "tts_first_audio_ms", t.tts_first_audio_ms);
  number(w, "turn_gap_ms", t.turn_gap_ms);
  if (!t.tool_calls.empty()) {
    w.Key("tool_calls");
    write_tool_calls(w, t.tool_calls);
  }
}

template <class Row>
void table(json_writer& w, const char* name, const std::vector<Row>& rows) {
  w.Key(name);
  w.StartArray();
  for (const auto& r : rows) {
    w.StartObject();
    row(w, r);
    w.EndObject();
  }
  w.EndArray();
}

} // namespace

std::string batch_json(const write_batch& batch) {
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  w.StartObject();
  table(w, "events", batch.events);
  table(w, "calls", batch.calls);
  table(w, "recordings", batch.recordings);
  table(w, "turns", batch.turns);
  w.EndObject();
  return json_text(buf);
}

} // namespace sb
