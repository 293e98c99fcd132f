// The console's wire formats, as pure functions: the list's filters and
// cursor read from a URL query, the latency parts of a turn, the JSON
// answers of /api/*, the CSV export and the Server-Sent Events framing.
// No I/O: the console front (app/console/console_front.hpp) runs the
// queries and sends what these return. Every caller or model text goes
// through RapidJSON's writer (JSON) or CSV quoting, never pasted.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <caf/expected.hpp>

#include "storage/console_queries.hpp"
#include "storage/live_feed.hpp"
#include "storage/records.hpp"

namespace sb {

/// The list's filters from a URL query string (`since`, `until`,
/// `direction`, `status`, `number`, `transport`; other parameters are
/// ignored, an empty one means any). since and until come back in the
/// stored form ("2026-12-01T10:00:00.000Z"), so comparing them with
/// started_at as text is right; a '+' decoded to a space in `number` is
/// a '+' again. Errors: errc::bad_request naming the parameter
/// ("since: not a date ...").
caf::expected<call_filter> parse_call_filter(std::string_view query);

/// The value of parameter `name` in `query` (its first), percent-decoded;
/// empty if absent or not valid percent-encoded UTF-8.
std::string query_param(std::string_view query, std::string_view name);

/// `started_at|call_sid` both ways (the text already percent-decoded);
/// empty text is the empty cursor, an empty cursor formats as "". Errors:
/// errc::bad_request ("after: ...").
caf::expected<call_cursor> parse_cursor(std::string_view text);
std::string format_cursor(const call_cursor& cursor);

/// `limit`: `fallback` when empty, else 1..`max`. Errors:
/// errc::bad_request ("limit: ...").
caf::expected<int> parse_limit(std::string_view text, int fallback, int max);

struct latency_part {
  std::string name; // eot_wait | stt | queue | tools | first_token | model
                    // | tts | other
  int64_t ms = 0;
};

/// What the waterfall draws for an assistant turn: its total (turn_gap_ms
/// when set, else latency_ms; -1 when neither) and the measured parts in
/// order, each clipped to what remains of the total, the rest as `other`,
/// so they add up to the total exactly. `tools` is the MCP tool rounds
/// (each round as long as its longest call), which ran inside the
/// model's time: it is taken out of first_token when the reply streamed,
/// else out of model. No total, no parts; a user turn has neither.
struct turn_latency {
  int64_t total_ms = -1;
  std::vector<latency_part> parts;
};
turn_latency latency_parts(const turn_row& turn);

std::string render_call_page(const call_page& page);
std::string render_kpis(const call_kpis& kpis);
std::string render_search(const std::vector<search_hit>& hits);
std::string render_call_detail(const call_detail& detail);
std::string render_stats(const std::string& since, const std::string& until,
                         const std::vector<hourly_stat>& hours);
std::string render_live(const std::vector<stored_call>& calls,
                        uint64_t last_event_id);
/// {"error": text}
std::string render_error(std::string_view text);

/// Every summary as JSON ({"calls":[...]}) or CSV (a header row of the
/// summary's keys, RFC 4180 quoting, and a leading ' on a cell that starts
/// with = + - @ tab or CR, so a spreadsheet never runs it as a formula).
std::string render_export_json(const std::vector<call_summary>& calls);
std::string render_export_csv(const std::vector<call_summary>& calls);

/// "id: N\nevent: TYPE\ndata: JSON\n\n"; a data with newlines becomes
/// several data: lines.
std::string format_sse_event(const live_event& event);

} // namespace sb
