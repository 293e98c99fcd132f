// Renders admin results with RapidJSON. Each layout reads only the fields
// it shows and treats a missing or null one as unknown ("-"), so a daemon
// that adds fields keeps working with an older switchboardctl.
#include "cli/ctl/ctl_format.hpp"

#include <algorithm>
#include <cstdio>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "core/error.hpp"
#include "core/json_read.hpp"

namespace sb {

namespace {

using json_value = rapidjson::Value;

caf::error shape_error(std::string why) {
  return make_error(errc::bad_request, std::move(why));
}

std::string compact(const json_value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  v.Accept(w);
  return {buf.GetString(), buf.GetSize()};
}

// Control characters (ESC included) become spaces: the text may be what a
// caller said, and must not reach the terminal as escape sequences.
std::string printable(std::string_view text) {
  std::string out(text);
  for (auto& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      c = ' ';
  return out;
}

size_t display_width(const std::string& text) {
  // Counts code points: every byte except UTF-8 continuation bytes.
  const auto n = std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xc0) != 0x80;
  });
  return static_cast<size_t>(n);
}

std::string number_text(const json_value& v) {
  if (v.IsInt64())
    return std::to_string(v.GetInt64());
  if (v.IsUint64())
    return std::to_string(v.GetUint64());
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v.GetDouble());
  return buf;
}

// A field as one cell of text; missing, null and "" are "-".
std::string cell(const json_value& obj, const char* key) {
  const auto it = obj.FindMember(key);
  if (it == obj.MemberEnd() || it->value.IsNull())
    return "-";
  const auto& v = it->value;
  if (v.IsString())
    return v.GetStringLength() == 0
             ? "-"
             : printable({v.GetString(), v.GetStringLength()});
  if (v.IsBool())
    return v.GetBool() ? "true" : "false";
  if (v.IsNumber())
    return number_text(v);
  return printable(compact(v));
}

struct column {
  const char* header;
  const char* key;
  bool is_time;
};

const column live_columns[] = {
  {"CALL SID", "call_sid", false}, {"DIRECTION", "direction", false},
  {"FROM", "from_number", false},  {"TO", "to_number", false},
  {"STATUS", "status", false},     {"STARTED (UTC)", "started_at", true},
  {"TURNS", "turns", false},
};

const column history_columns[] = {
  {"STARTED (UTC)", "started_at", true},
  {"CALL SID", "call_sid", false},
  {"DIRECTION", "direction", false},
  {"FROM", "from_number", false},
  {"TO", "to_number", false},
  {"STATUS", "status", false},
  {"SECONDS", "duration_s", false},
  {"TURNS", "turns", false},
};

template <size_t N>
caf::expected<std::string> format_calls(const json_value& result,
                                        const column (&columns)[N],
                                        const char* when_empty) {
  if (!result.IsObject() || !result.HasMember("calls")
      || !result["calls"].IsArray())
    return shape_error("expected {\"calls\": [...]}");
  std::vector<std::string> header;
  for (const auto& c : columns)
    header.emplace_back(c.header);
  std::vector<std::vector<std::string>> rows;
  for (const auto& call : result["calls"].GetArray()) {
    if (!call.IsObject())
      return shape_error("expected each call to be an object");
    auto& row = rows.emplace_back();
    for (const auto& c : columns) {
      auto text = cell(call, c.key);
      row.push_back(c.is_time ? display_time(text) : text);
    }
  }
  if (rows.empty())
    return std::string(when_empty) + "\n";
  return format_table(header, rows);
}

std::string utc_time(const std::string& iso) {
  return iso == "-" ? iso : display_time(iso) + " UTC";
}

std::string clock_of(const std::string& iso) {
  if (iso.size() >= 19 && iso[10] == 'T')
    return iso.substr(11, 8);
  return "--:--:--";
}

// A media call's reply: "[gap 812 ms = eot 600 + stt 140 + model 52 +
// tts 20]", the silence the caller heard and where it went, with only the
// parts measured; empty for replies of the other transports, which have
// none of the media timings (a relay reply's first_token_ms alone is no
// gap).
std::string gap_text(const json_value& turn) {
  struct part {
    const char* label;
    const char* key;
    bool media_only; // measured on media calls alone
  };
  static constexpr part parts[] = {{"eot", "eot_wait_ms", true},
                                   {"stt", "stt_tail_ms", true},
                                   {"model", "first_token_ms", false},
                                   {"tts", "tts_first_audio_ms", true}};
  std::string sum;
  bool media = false;
  for (const auto& p : parts) {
    const auto ms = cell(turn, p.key);
    if (ms == "-")
      continue;
    media = media || p.media_only;
    sum += (sum.empty() ? "" : " + ") + std::string(p.label) + " " + ms;
  }
  const auto gap = cell(turn, "turn_gap_ms");
  if (gap == "-")
    return media ? "  [" + sum + " ms]" : "";
  return "  [gap " + gap + " ms" + (sum.empty() ? "" : " = " + sum) + "]";
}

// Longest texts of a tool line, in code points: the arguments, then what
// came back. A line stays one line, however long the model's or the
// server's text.
constexpr size_t tool_arguments_width = 80;
constexpr size_t tool_answer_width = 120;

// `text` cut to at most `width` code points, "…" marking a cut.
std::string clipped(std::string_view text, size_t width) {
  size_t points = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xc0) == 0x80)
      continue;
    if (points++ == width)
      return std::string(text.substr(0, i)) + "…";
  }
  return std::string(text);
}

// Control characters written as escapes a reader can see (\n, \t,
// \x1b, \u009b for the C1 ones a terminal may obey), so a tool's text
// stays on its line and cannot drive the terminal.
std::string escaped(std::string_view text) {
  std::string out;
  char hex[8];
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    const auto next = i + 1 < text.size()
                        ? static_cast<unsigned char>(text[i + 1])
                        : 0;
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    } else if (c == 0xc2 && next >= 0x80 && next <= 0x9f) {
      std::snprintf(hex, sizeof hex, "\\u%04x", next);
      out += hex;
      ++i;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// A member's text for a tool line: a string as it is, anything else
// (the arguments as a JSON object) as compact JSON; "" when absent.
std::string member_text(const json_value& obj, const char* key) {
  const auto it = obj.FindMember(key);
  if (it == obj.MemberEnd() || it->value.IsNull())
    return {};
  if (it->value.IsString())
    return {it->value.GetString(), it->value.GetStringLength()};
  return compact(it->value);
}

// "    [tool] NAME ARGUMENTS -> RESULT (MS ms)", or "-> error: WHY".
std::string tool_line(const json_value& call) {
  if (!call.IsObject())
    return "    [tool] ?\n";
  const auto error = member_text(call, "error");
  const auto answer = error.empty() ? member_text(call, "result")
                                    : "error: " + error;
  return "    [tool] " + escaped(clipped(member_text(call, "name"), 60)) + " "
         + escaped(
           clipped(member_text(call, "arguments"), tool_arguments_width))
         + " -> " + escaped(clipped(answer, tool_answer_width)) + " ("
         + cell(call, "ms") + " ms)\n";
}

// A reply's tool calls, one line each under it; "" when it made none.
std::string tool_lines(const json_value& turn) {
  const auto it = turn.FindMember("tool_calls");
  if (it == turn.MemberEnd() || !it->value.IsArray())
    return {};
  std::string lines;
  for (const auto& call : it->value.GetArray())
    lines += tool_line(call);
  return lines;
}

// "HH:MM:SS caller: text", with the recogniser's confidence or the
// assistant's latency after it when known, a media reply's gap, and the
// path of the caller's recorded utterance (an assistant turn's audio is
// named by cache ids, which the console plays; no use in a terminal);
// then the tools the reply called, a line each.
caf::expected<std::string> turn_line(const json_value& turn) {
  if (!turn.IsObject())
    return shape_error("expected each turn to be an object");
  const auto role = cell(turn, "role");
  const auto who = role == "user" ? std::string("caller") : role;
  auto line = clock_of(cell(turn, "timestamp")) + " " + who + ": "
              + cell(turn, "content");
  if (role == "user" && cell(turn, "confidence") != "-")
    line += "  (confidence " + cell(turn, "confidence") + ")";
  if (role == "assistant" && cell(turn, "latency_ms") != "-")
    line += "  (" + cell(turn, "latency_ms") + " ms)";
  if (role == "assistant")
    line += gap_text(turn);
  if (role == "user" && cell(turn, "audio") != "-")
    line += "  [audio " + cell(turn, "audio") + "]";
  return line + "\n" + tool_lines(turn);
}

// The call's own fields, one "key: value" line each.
std::string session_header(const json_value& s) {
  std::string text = "call_sid: " + cell(s, "call_sid") + "\n"
                     + "direction: " + cell(s, "direction") + "\n"
                     + "from: " + cell(s, "from_number") + "\n"
                     + "to: " + cell(s, "to_number") + "\n"
                     + "status: " + cell(s, "status") + "\n"
                     + "started: " + utc_time(cell(s, "start_time")) + "\n";
  if (cell(s, "answered_at") != "-") {
    text += "answered: " + utc_time(cell(s, "answered_at"));
    if (cell(s, "answered_by") != "-")
      text += " by " + cell(s, "answered_by");
    text += "\n";
  }
  // Past calls read from the database also say how they ended.
  if (cell(s, "ended_at") != "-") {
    text += "ended: " + utc_time(cell(s, "ended_at"));
    if (cell(s, "duration_s") != "-")
      text += " after " + cell(s, "duration_s") + " s";
    if (cell(s, "end_reason") != "-")
      text += " (" + cell(s, "end_reason") + ")";
    text += "\n";
  }
  return text + "language: " + cell(s, "language") + "\n"
         + "voice: " + cell(s, "voice") + "\n";
}

caf::expected<std::string> format_session(const json_value& s) {
  if (!s.IsObject() || !s.HasMember("conversation_history")
      || !s["conversation_history"].IsArray())
    return shape_error("expected a call with its conversation_history");
  std::string text = session_header(s) + "\n";
  const auto& turns = s["conversation_history"].GetArray();
  if (turns.Empty())
    text += "(no conversation yet)\n";
  for (const auto& turn : turns) {
    auto line = turn_line(turn);
    if (!line)
      return line.error();
    text += *line;
  }
  return text;
}

std::string format_fields(const json_value& result) {
  if (!result.IsObject())
    return (result.IsString() ? printable(result.GetString())
                              : printable(compact(result)))
           + "\n";
  std::string text;
  for (const auto& m : result.GetObject()) {
    const std::string key(m.name.GetString(), m.name.GetStringLength());
    text += printable(key) + ": " + cell(result, key.c_str()) + "\n";
  }
  return text.empty() ? "ok\n" : text;
}

} // namespace

caf::expected<ctl_reply> parse_reply(std::string_view line) {
  rapidjson::Document doc;
  if (!parse_whole_json(doc, line) || !doc.IsObject())
    return shape_error("not a JSON object");
  const auto ok = doc.FindMember("ok");
  if (ok == doc.MemberEnd() || !ok->value.IsBool())
    return shape_error("no boolean \"ok\"");
  ctl_reply reply;
  reply.ok = ok->value.GetBool();
  if (!reply.ok) {
    const auto err = doc.FindMember("error");
    reply.error = err == doc.MemberEnd()  ? "unknown error"
                  : err->value.IsString() ? printable(err->value.GetString())
                                          : printable(compact(err->value));
    return reply;
  }
  const auto result = doc.FindMember("result");
  reply.result = result == doc.MemberEnd() ? "null" : compact(result->value);
  return reply;
}

caf::expected<std::string> format_result(const std::string& command,
                                         const std::string& result_json) {
  rapidjson::Document doc;
  if (!parse_whole_json(doc, result_json))
    return shape_error("result is not JSON");
  if (command == "calls")
    return format_calls(doc, live_columns, "no live calls");
  if (command == "history")
    return format_calls(doc, history_columns, "no calls found");
  if (command == "call" || command == "transcript")
    return format_session(doc);
  return format_fields(doc);
}

std::string format_table(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& h : header)
    widths.push_back(display_width(h));
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i)
      widths[i] = std::max(widths[i], display_width(row[i]));
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (size_t i = 0; i < widths.size(); ++i) {
      const std::string text = i < cells.size() ? cells[i] : "";
      out += text;
      if (i + 1 < widths.size())
        out += std::string(widths[i] - display_width(text) + 2, ' ');
    }
    while (!out.empty() && out.back() == ' ')
      out.pop_back();
    return out + "\n";
  };
  std::string text = line(header);
  for (const auto& row : rows)
    text += line(row);
  return text;
}

std::string display_time(const std::string& iso) {
  if (iso.size() < 19 || iso[10] != 'T')
    return iso;
  return iso.substr(0, 10) + " " + iso.substr(11, 8);
}

} // namespace sb
