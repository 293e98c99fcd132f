// Unknown values (empty text, no measurement) are written as null rather
// than left out: the output schemas list every field as required, so a
// client sees the same shape for every call.
#include "mcp/mcp_call_views.hpp"

#include "mcp/mcp_tool_support.hpp"
#include "storage/tool_call_json.hpp"

namespace sb {

namespace {

// The facts get_call and list_calls share.
void write_call_facts(json_writer& w, const call_row& c) {
  write_field(w, "call_sid", c.call_sid);
  write_nullable(w, "direction", c.direction);
  write_nullable(w, "from", c.from_number);
  write_nullable(w, "to", c.to_number);
  write_nullable(w, "status", c.status);
  write_nullable(w, "started_at", c.started_at);
  write_nullable(w, "answered_at", c.answered_at);
  write_nullable(w, "ended_at", c.ended_at);
  write_nullable(w, "duration_s", c.duration_s);
  write_nullable(w, "end_reason", c.end_reason);
  write_nullable(w, "transport", c.transport);
  write_nullable(w, "language", c.language);
}

void write_turn(json_writer& w, const turn_row& t) {
  w.StartObject();
  w.Key("seq");
  w.Int64(t.seq);
  write_field(w, "role", t.role);
  write_field(w, "content", t.content);
  write_nullable(w, "created_at", t.created_at);
  write_nullable(w, "latency_ms", t.latency_ms);
  write_nullable(w, "queue_ms", t.queue_ms);
  write_nullable(w, "llm_ms", t.llm_ms);
  write_nullable(w, "first_token_ms", t.first_token_ms);
  write_nullable(w, "tts_first_audio_ms", t.tts_first_audio_ms);
  write_nullable(w, "turn_gap_ms", t.turn_gap_ms);
  w.Key("interrupted");
  w.Bool(t.interrupted);
  w.Key("tool_calls");
  write_tool_calls(w, t.tool_calls);
  w.EndObject();
}

// "10:00:01" from "2026-11-01T10:00:01.000Z".
std::string clock_time(const std::string& iso) {
  if (iso.size() < 19 || iso[10] != 'T')
    return "--:--:--";
  return iso.substr(11, 8);
}

std::string or_unknown(const std::string& text) {
  return text.empty() ? "?" : text;
}

// A turn is one line of the transcript whatever it holds.
std::string one_line(std::string text) {
  for (auto& ch : text)
    if (ch == '\n' || ch == '\r')
      ch = ' ';
  return text;
}

} // namespace

std::string call_detail_json(const stored_call& call) {
  return json_object([&](json_writer& w) {
    write_call_facts(w, call.call);
    w.Key("turns");
    w.StartArray();
    for (const auto& t : call.turns)
      write_turn(w, t);
    w.EndArray();
  });
}

void write_call_row(json_writer& w, const call_summary& row) {
  w.StartObject();
  write_call_facts(w, row.call);
  w.Key("turns");
  w.Int64(row.turns);
  write_nullable(w, "latency_mean_ms", row.latency_mean_ms);
  write_nullable(w, "latency_max_ms", row.latency_max_ms);
  w.Key("interruptions");
  w.Int64(row.interruptions);
  w.EndObject();
}

std::string transcript_text(const stored_call& call) {
  const auto& c = call.call;
  std::string text = "call " + c.call_sid + ", " + or_unknown(c.direction)
                     + " from " + or_unknown(c.from_number) + " to "
                     + or_unknown(c.to_number) + ", started "
                     + or_unknown(c.started_at) + ", " + or_unknown(c.status)
                     + "\n";
  for (const auto& t : call.turns) {
    text += clock_time(t.created_at) + " "
            + (t.role == "user" ? "caller" : t.role) + ": "
            + one_line(t.content) + (t.interrupted ? " [interrupted]" : "")
            + "\n";
    for (const auto& tool : t.tool_calls)
      text += "  tool " + tool.name + " " + one_line(tool.arguments) + " -> "
              + one_line(tool.error.empty() ? tool.result
                                            : "error: " + tool.error)
              + " (" + std::to_string(tool.ms) + " ms)\n";
  }
  return text;
}

} // namespace sb
