// switchboard's MCP tools: the table (name, title, description, input and
// output JSON Schema, whether the tool changes something) and what a
// handler answers. The dispatcher (mcp_server.cpp) lists the table, checks
// a call's arguments against its input schema (mcp_schema.hpp) and only
// then runs the handler, so a handler sees valid arguments and an error
// before it changes nothing.
//
//   read-only: list_live_calls, get_call, list_calls, search_transcripts,
//              get_stats
//   actions:   place_call, hang_up, say, drain ([mcp] allow_actions)
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "mcp/mcp_services.hpp"

namespace sb {

/// What one tool call comes to: exactly one of a structured result, a
/// tool execution error (the daemon refused, the database is unreadable:
/// CallToolResult with isError, which the model may act on), or a JSON-RPC
/// error (an unknown call: the request itself was wrong). Named apart from
/// backends/mcp's mcp_tool_outcome (a call the model made of another
/// server): both are in sb and link into the daemon, where one name for
/// two types would break the one-definition rule.
struct mcp_call_outcome {
  std::string structured; // a JSON object's text, matching outputSchema
  std::string tool_error; // isError's text
  int rpc_code = 0;       // non-zero: answer this JSON-RPC error instead
  std::string rpc_message;

  static mcp_call_outcome result(std::string json);
  static mcp_call_outcome failed(std::string text);
  /// -32602 with `message` (naming the field).
  static mcp_call_outcome invalid(std::string message);
};

using mcp_tool_done = std::function<void(mcp_call_outcome)>;

/// A call as its handler sees it. Valid only during the handler's own
/// call: a handler copies what it needs before it goes asynchronous.
struct mcp_tool_call {
  const rapidjson::Value& arguments; // valid against the inputSchema
  const mcp_services& services;
  const std::string& who; // for the action log line
};

/// Calls `done` exactly once, maybe later on another thread (the
/// services').
using mcp_tool_handler = void (*)(const mcp_tool_call& call,
                                  mcp_tool_done done);

/// A tool switchboard serves (not backends/mcp's mcp_tool, one the model
/// is offered; see mcp_call_outcome).
struct mcp_server_tool {
  std::string name;
  std::string title;
  std::string description;
  std::string input_schema;  // JSON Schema, a JSON object's text
  std::string output_schema; // JSON Schema of structuredContent
  bool action = false;       // changes something: only with allow_actions
  mcp_tool_handler handler = nullptr;
};

/// Every tool, in the order tools/list gives them (read-only first).
const std::vector<mcp_server_tool>& mcp_tool_table();

/// The tools/list "tools" array (name, title, description, inputSchema,
/// outputSchema, annotations), actions included only with `with_actions`.
std::string mcp_tools_json(bool with_actions);

} // namespace sb
