// One call as the detail page shows it (render_call_detail of
// console_json.hpp): every column, the turns placed on the call's
// timeline with their latency parts and audio links, recordings, the
// webhook events as received, and the neighbours. Also latency_parts,
// which only the detail draws.
#include <algorithm>
#include <map>
#include <optional>
#include <utility>

#include "app/console/console_fields.hpp"
#include "app/console/console_json.hpp"
#include "app/console/utc_time.hpp"
#include "storage/tool_call_json.hpp"

namespace sb {

using namespace console_fields;

namespace {

// The time the tool rounds of a reply took, as the caller waited it: the
// LLM worker runs every call one after another (actors/tool_rounds.cpp),
// so their times add up. 0 when there were none.
int64_t tool_rounds_ms(const std::vector<tool_call_row>& calls) {
  int64_t total = 0;
  for (const auto& c : calls)
    total += std::max<int64_t>(c.ms, 0);
  return total;
}

void write_call(json_writer& w, const call_row& c) {
  w.StartObject();
  write_nullable(w, "call_sid", c.call_sid);
  write_nullable(w, "account_sid", c.account_sid);
  write_nullable(w, "direction", c.direction);
  write_nullable(w, "from_number", c.from_number);
  write_nullable(w, "to_number", c.to_number);
  write_nullable(w, "status", c.status);
  write_nullable(w, "answered_by", c.answered_by);
  write_nullable(w, "language", c.language);
  write_nullable(w, "voice", c.voice);
  write_nullable(w, "started_at", c.started_at);
  write_nullable(w, "answered_at", c.answered_at);
  write_nullable(w, "ended_at", c.ended_at);
  write_nullable(w, "duration_s", c.duration_s);
  write_nullable(w, "end_reason", c.end_reason);
  write_nullable(w, "adopted_at", c.adopted_at);
  write_nullable(w, "transport", c.transport);
  w.EndObject();
}

// A path segment as a URL carries it: unreserved characters as they are,
// every other byte as %XX.
std::string path_segment(const std::string& text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    bool unreserved = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')
                      || (c >= 'A' && c <= 'Z') || c == '-' || c == '.'
                      || c == '_' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

// Milliseconds from the call's start to `at`; unknown when either is.
std::optional<int64_t> offset_ms(const std::string& started_at,
                                 const std::string& at) {
  auto from = parse_utc_ms(started_at);
  auto to = parse_utc_ms(at);
  if (!from || !to)
    return std::nullopt;
  return *to - *from;
}

void write_parts(json_writer& w, const turn_latency& latency) {
  write_nullable(w, "total_ms",
                 latency.total_ms < 0
                   ? std::nullopt
                   : std::optional<int64_t>{latency.total_ms});
  w.Key("parts");
  w.StartArray();
  for (const auto& part : latency.parts) {
    w.StartObject();
    write_field(w, "name", part.name);
    number(w, "ms", part.ms);
    w.EndObject();
  }
  w.EndArray();
}

void write_detail_turn(json_writer& w, const call_row& call,
                       const turn_row& t) {
  w.StartObject();
  number(w, "seq", t.seq);
  write_nullable(w, "role", t.role);
  write_field(w, "content", t.content);
  write_nullable(w, "created_at", t.created_at);
  write_nullable(w, "offset_ms", offset_ms(call.started_at, t.created_at));
  write_nullable(w, "confidence", t.confidence);
  w.Key("interrupted");
  w.Bool(t.interrupted);
  write_nullable(w, "model", t.model);
  write_nullable(w, "latency_ms", t.latency_ms);
  write_nullable(w, "queue_ms", t.queue_ms);
  write_nullable(w, "first_token_ms", t.first_token_ms);
  write_nullable(w, "llm_ms", t.llm_ms);
  write_nullable(w, "eot_wait_ms", t.eot_wait_ms);
  write_nullable(w, "stt_tail_ms", t.stt_tail_ms);
  write_nullable(w, "tts_first_audio_ms", t.tts_first_audio_ms);
  write_nullable(w, "turn_gap_ms", t.turn_gap_ms);
  write_parts(w, latency_parts(t));
  w.Key("tool_calls");
  write_tool_calls(w, t.tool_calls);
  // The file itself is never named: the audio route finds it again by
  // (sid, seq), and serves it only from the directories it may read.
  write_nullable(w, "audio_url",
                 t.audio.empty()
                   ? std::string{}
                   : "/api/calls/" + path_segment(call.call_sid) + "/turns/"
                       + std::to_string(t.seq) + "/audio");
  w.EndObject();
}

void write_recording(json_writer& w, const recording_row& r) {
  w.StartObject();
  write_nullable(w, "recording_sid", r.recording_sid);
  write_nullable(w, "call_sid", r.call_sid);
  write_nullable(w, "url", r.url);
  write_nullable(w, "status", r.status);
  write_nullable(w, "duration_s", r.duration_s);
  write_nullable(w, "channels", r.channels);
  write_nullable(w, "created_at", r.created_at);
  w.EndObject();
}

void write_events(json_writer& w, const call_detail& d) {
  w.Key("events");
  w.StartArray();
  for (size_t i = 0; i < d.events.size(); ++i) {
    const auto& e = d.events[i];
    w.StartObject();
    write_nullable(w, "id",
                   i < d.event_ids.size()
                     ? std::optional<int64_t>{d.event_ids[i]}
                     : std::nullopt);
    write_nullable(w, "kind", e.kind);
    write_nullable(w, "received_at", e.received_at);
    // The stored text as a string: the page shows it as it came.
    write_field(w, "payload", e.payload);
    w.EndObject();
  }
  w.EndArray();
}

} // namespace

turn_latency latency_parts(const turn_row& turn) {
  turn_latency out;
  if (turn.role != "assistant")
    return out;
  // On a media call the gap is what the caller heard; the model's own
  // latency is only a part of it.
  auto total = turn.turn_gap_ms ? turn.turn_gap_ms : turn.latency_ms;
  if (!total || *total < 0)
    return out;
  out.total_ms = *total;
  // first_token_ms runs from the request to the answer's first token, so
  // the tool rounds (which come before it) are taken out of it; llm_ms is
  // the model's own time over every round (no tool time in it), so what
  // is left of it after the first-token wait is the rest of the answer.
  std::optional<int64_t> first_token = turn.first_token_ms;
  std::optional<int64_t> tools;
  if (auto ms = tool_rounds_ms(turn.tool_calls); ms > 0) {
    tools = ms;
    if (first_token)
      first_token = std::max<int64_t>(*first_token - ms, 0);
  }
  std::optional<int64_t> model = turn.llm_ms;
  if (turn.llm_ms && first_token)
    model = std::max<int64_t>(*turn.llm_ms - *first_token, 0);
  const std::pair<const char*, std::optional<int64_t>> measured[] = {
    {"eot_wait", turn.eot_wait_ms},   {"stt", turn.stt_tail_ms},
    {"queue", turn.queue_ms},         {"tools", tools},
    {"first_token", first_token},     {"model", model},
    {"tts", turn.tts_first_audio_ms},
  };
  // The media parts overlap (recognition runs while the turn detector
  // waits), so each is clipped to what is left: the bars never run past
  // the total, and the later ones shrink first.
  int64_t left = *total;
  for (const auto& [name, ms] : measured) {
    if (!ms)
      continue;
    auto part = std::clamp<int64_t>(*ms, 0, left);
    if (part > 0)
      out.parts.push_back({name, part});
    left -= part;
  }
  if (left > 0)
    out.parts.push_back({"other", left});
  return out;
}

std::string render_call_detail(const call_detail& d) {
  const auto& call = d.stored.call;
  return json_object([&](json_writer& w) {
    w.Key("call");
    write_call(w, call);
    w.Key("turns");
    w.StartArray();
    for (const auto& t : d.stored.turns)
      write_detail_turn(w, call, t);
    w.EndArray();
    w.Key("recordings");
    w.StartArray();
    for (const auto& r : d.recordings)
      write_recording(w, r);
    w.EndArray();
    write_events(w, d);
    write_nullable(w, "prev", d.prev_call_sid);
    write_nullable(w, "next", d.next_call_sid);
  });
}

} // namespace sb
