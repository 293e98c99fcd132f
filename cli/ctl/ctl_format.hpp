// switchboardctl's output: reading the daemon's reply line and rendering a
// result for people (aligned tables for call lists, "key: value" lines, a
// call's conversation as "HH:MM:SS caller: ..."). Pure: JSON text in, text
// out, so every layout is unit-tested. Text that came from callers or the
// daemon is printed with control characters blanked, so nothing a caller
// said can drive the operator's terminal.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <caf/expected.hpp>

namespace sb {

/// One admin reply: {"ok": true, "result": ...} or {"ok": false,
/// "error": "..."}.
struct ctl_reply {
  bool ok = false;
  std::string error;  // when !ok: the daemon's message
  std::string result; // when ok: the result as compact JSON ("null" if none)
};

/// Parses one reply line. Errors: errc::bad_request naming what is wrong
/// when the line is not a JSON object with a boolean "ok".
caf::expected<ctl_reply> parse_reply(std::string_view line);

/// Renders `result_json` (a command's result: the daemon's, or what
/// history/transcript read from the database) for people, ending in a
/// newline. calls and history: a table; call and transcript: the call's
/// fields and its conversation, a reply's MCP tool calls a line each under
/// it ("    [tool] NAME ARGUMENTS -> RESULT (MS ms)", long texts cut,
/// control characters escaped); anything else: one "key: value" line per
/// field. Errors: errc::bad_request when the JSON is malformed or not the
/// shape the command answers (callers then print it raw).
caf::expected<std::string> format_result(const std::string& command,
                                         const std::string& result_json);

/// Columns aligned under `header`, two spaces apart, no trailing spaces;
/// widths count UTF-8 code points. Rows shorter than the header are padded
/// with empty cells.
std::string format_table(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows);

/// "2026-11-25T02:30:12.345Z" -> "2026-11-25 02:30:12"; other text as is.
std::string display_time(const std::string& iso);

} // namespace sb
