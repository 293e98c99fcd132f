// How a stored call reads through MCP: get_call's structured facts and
// turns, a row of list_calls, and the plain-text transcript a
// switchboard://calls/{CallSid} resource holds. Pure: rows in, text out.
// Field names are the tools' output schemas' (mcp_tools.cpp): "from" and
// "to" rather than the columns' from_number and to_number.
#pragma once

#include <string>

#include "net/text/json_writer.hpp"
#include "storage/console_queries.hpp"
#include "storage/records.hpp"

namespace sb {

/// get_call's structuredContent: the call's facts, then "turns" in seq
/// order, each with its timings and "tool_calls".
std::string call_detail_json(const stored_call& call);

/// One list_calls row: the call's facts and its per-call aggregates.
void write_call_row(json_writer& w, const call_summary& row);

/// The transcript as text: a header line naming the call, then one line
/// per turn, "HH:MM:SS caller: …" or "HH:MM:SS assistant: …" (a reply the
/// caller talked over ends with " [interrupted]"), and below a reply each
/// tool the model called on its own indented line.
std::string transcript_text(const stored_call& call);

} // namespace sb
