// The answers side of console_json.hpp: the JSON of the list, KPIs,
// search, statistics, live snapshot and errors, the CSV export and the
// Server-Sent Events framing (the URL side is console_params.cpp, one
// call's detail console_detail.cpp). Every text goes through RapidJSON's
// writer or the CSV quoting, whatever it holds.
#include "app/console/console_json.hpp"

#include <optional>
#include <utility>
#include <variant>

#include "app/console/console_fields.hpp"
#include "storage/tool_call_json.hpp"

namespace sb {

using namespace console_fields;

namespace {

// A summary as named cells, shared by the JSON list and the CSV export so
// the two always have the same columns in the same order.
using cell_value = std::variant<std::monostate, std::string, int64_t>;
struct cell {
  const char* key;
  cell_value value;
};

cell_value text_cell(const std::string& s) {
  if (s.empty())
    return std::monostate{};
  return s;
}

cell_value number_cell(const std::optional<int64_t>& n) {
  if (!n)
    return std::monostate{};
  return *n;
}

std::vector<cell> summary_cells(const call_summary& s) {
  const auto& c = s.call;
  return {{"call_sid", text_cell(c.call_sid)},
          {"started_at", text_cell(c.started_at)},
          {"ended_at", text_cell(c.ended_at)},
          {"direction", text_cell(c.direction)},
          {"from_number", text_cell(c.from_number)},
          {"to_number", text_cell(c.to_number)},
          {"duration_s", number_cell(c.duration_s)},
          {"turns", s.turns},
          {"latency_mean_ms", number_cell(s.latency_mean_ms)},
          {"latency_max_ms", number_cell(s.latency_max_ms)},
          {"interruptions", s.interruptions},
          {"status", text_cell(c.status)},
          {"end_reason", text_cell(c.end_reason)},
          {"transport", text_cell(c.transport)}};
}

void write_summary(json_writer& w, const call_summary& s) {
  w.StartObject();
  for (const auto& [key, value] : summary_cells(s)) {
    w.Key(key);
    if (auto* text = std::get_if<std::string>(&value))
      write_string(w, *text);
    else if (auto* n = std::get_if<int64_t>(&value))
      w.Int64(*n);
    else
      w.Null();
  }
  w.EndObject();
}

void write_summaries(json_writer& w, const std::vector<call_summary>& calls) {
  w.Key("calls");
  w.StartArray();
  for (const auto& s : calls)
    write_summary(w, s);
  w.EndArray();
}

void write_live_call(json_writer& w, const stored_call& s) {
  const auto& c = s.call;
  w.StartObject();
  write_nullable(w, "call_sid", c.call_sid);
  write_nullable(w, "direction", c.direction);
  write_nullable(w, "from_number", c.from_number);
  write_nullable(w, "to_number", c.to_number);
  write_nullable(w, "started_at", c.started_at);
  write_nullable(w, "status", c.status);
  write_nullable(w, "transport", c.transport);
  w.Key("turns");
  w.StartArray();
  for (const auto& t : s.turns) {
    w.StartObject();
    number(w, "seq", t.seq);
    write_nullable(w, "role", t.role);
    write_field(w, "content", t.content);
    write_nullable(w, "created_at", t.created_at);
    w.Key("interrupted");
    w.Bool(t.interrupted);
    // As the live feed's turn events carry them.
    w.Key("tool_calls");
    write_tool_calls(w, t.tool_calls, tool_call_fields::summary);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

// -- CSV ----------------------------------------------------------------------

// RFC 4180: a cell holding a comma, quote or line break is quoted, its
// quotes doubled. A cell a spreadsheet would read as a formula gets a
// leading ' first (OWASP's advice for CSV injection).
void put_csv_cell(std::string& out, std::string text) {
  if (!text.empty()
      && std::string_view{"=+-@\t\r"}.find(text[0]) != std::string_view::npos)
    text.insert(0, 1, '\'');
  if (text.find_first_of(",\"\r\n") == std::string::npos) {
    out += text;
    return;
  }
  out += '"';
  for (char c : text) {
    if (c == '"')
      out += '"';
    out += c;
  }
  out += '"';
}

} // namespace

std::string render_call_page(const call_page& page) {
  return json_object([&](json_writer& w) {
    write_summaries(w, page.calls);
    write_nullable(w, "next", format_cursor(page.next));
  });
}

std::string render_kpis(const call_kpis& k) {
  return json_object([&](json_writer& w) {
    number(w, "calls", k.calls);
    number(w, "answered", k.answered);
    write_nullable(w, "answered_share",
                   k.calls > 0
                     ? std::optional<double>{static_cast<double>(k.answered)
                                             / static_cast<double>(k.calls)}
                     : std::nullopt);
    write_nullable(w, "mean_duration_s", k.mean_duration_s);
    write_nullable(w, "latency_p50_ms", k.latency_p50_ms);
    write_nullable(w, "latency_p95_ms", k.latency_p95_ms);
    number(w, "live_now", k.live_now);
  });
}

std::string render_search(const std::vector<search_hit>& hits) {
  return json_object([&](json_writer& w) {
    w.Key("hits");
    w.StartArray();
    for (const auto& h : hits) {
      w.StartObject();
      write_nullable(w, "call_sid", h.call.call_sid);
      write_nullable(w, "started_at", h.call.started_at);
      write_nullable(w, "from_number", h.call.from_number);
      write_nullable(w, "to_number", h.call.to_number);
      write_nullable(w, "direction", h.call.direction);
      write_nullable(w, "transport", h.call.transport);
      number(w, "seq", h.seq);
      write_nullable(w, "role", h.role);
      write_nullable(w, "created_at", h.created_at);
      w.Key("snippet");
      w.StartArray();
      for (const auto& piece : h.snippet)
        write_string(w, piece);
      w.EndArray();
      w.EndObject();
    }
    w.EndArray();
  });
}

std::string render_stats(const std::string& since, const std::string& until,
                         const std::vector<hourly_stat>& hours) {
  return json_object([&](json_writer& w) {
    write_nullable(w, "since", since);
    write_nullable(w, "until", until);
    w.Key("hours");
    w.StartArray();
    for (const auto& h : hours) {
      w.StartObject();
      write_nullable(w, "hour", h.hour);
      write_nullable(w, "transport", h.transport);
      number(w, "calls", h.calls);
      number(w, "turns", h.turns);
      write_nullable(w, "latency_p50_ms", h.latency_p50_ms);
      write_nullable(w, "latency_p95_ms", h.latency_p95_ms);
      w.EndObject();
    }
    w.EndArray();
  });
}

std::string render_live(const std::vector<stored_call>& calls,
                        uint64_t last_event_id) {
  return json_object([&](json_writer& w) {
    w.Key("last_event_id");
    w.Uint64(last_event_id);
    w.Key("calls");
    w.StartArray();
    for (const auto& c : calls)
      write_live_call(w, c);
    w.EndArray();
  });
}

std::string render_error(std::string_view text) {
  return json_object([&](json_writer& w) { write_field(w, "error", text); });
}

std::string render_export_json(const std::vector<call_summary>& calls) {
  return json_object([&](json_writer& w) { write_summaries(w, calls); });
}

std::string render_export_csv(const std::vector<call_summary>& calls) {
  std::string out;
  // The header row: the keys of any summary, the same for all.
  const char* separator = "";
  for (const auto& c : summary_cells(call_summary{})) {
    out += std::exchange(separator, ",");
    out += c.key;
  }
  out += "\r\n";
  for (const auto& s : calls) {
    separator = "";
    for (const auto& [key, value] : summary_cells(s)) {
      out += std::exchange(separator, ",");
      if (auto* text = std::get_if<std::string>(&value))
        put_csv_cell(out, *text);
      else if (auto* n = std::get_if<int64_t>(&value))
        out += std::to_string(*n);
    }
    out += "\r\n";
  }
  return out;
}

std::string format_sse_event(const live_event& event) {
  std::string out = "id: " + std::to_string(event.id) + "\nevent: " + event.type
                    + "\n";
  // A line break inside the data would end the field (SSE takes CR, LF and
  // CRLF alike): each line becomes a data: line, which the browser joins
  // back with LF.
  std::string_view data = event.data;
  while (true) {
    auto end = data.find_first_of("\r\n");
    out += "data: ";
    out += data.substr(0, end);
    out += '\n';
    if (end == std::string_view::npos)
      break;
    size_t skip = data.compare(end, 2, "\r\n") == 0 ? 2 : 1;
    data.remove_prefix(end + skip);
  }
  out += '\n';
  return out;
}

} // namespace sb
