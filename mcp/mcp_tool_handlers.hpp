// The tool handlers the table in mcp_tools.cpp points at, internal to
// mcp/. Each reads its (already valid) arguments, asks the database or the
// daemon through the services, and answers through `done` once.
#pragma once

#include "mcp/mcp_tools.hpp"

namespace sb {

// mcp_database_tools.cpp: the stored calls.
void get_call_tool(const mcp_tool_call& call, mcp_tool_done done);
void list_calls_tool(const mcp_tool_call& call, mcp_tool_done done);
void search_transcripts_tool(const mcp_tool_call& call, mcp_tool_done done);

// mcp_admin_tools.cpp: the live daemon, over the admin protocol.
void list_live_calls_tool(const mcp_tool_call& call, mcp_tool_done done);
void place_call_tool(const mcp_tool_call& call, mcp_tool_done done);
void hang_up_tool(const mcp_tool_call& call, mcp_tool_done done);
void say_tool(const mcp_tool_call& call, mcp_tool_done done);
void drain_tool(const mcp_tool_call& call, mcp_tool_done done);

// mcp_stats_tool.cpp: the daemon's counters, the last day's KPIs, and a
// few /metrics values.
void get_stats_tool(const mcp_tool_call& call, mcp_tool_done done);

} // namespace sb
