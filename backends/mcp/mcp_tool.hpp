// What the call's model is offered of an MCP server's tools, and how one
// call of them ended: the values the toolbox (mcp_toolbox.hpp), the
// client (mcp_client.hpp) and the LLM workers pass between them.
#pragma once

#include <cstdint>
#include <string>

namespace sb {

/// One tool an MCP server offers, as the model is offered it.
struct mcp_tool {
  std::string server;       // the mcp_server_config's name
  std::string name;         // the tool's name, unique across servers
  std::string description;  // "" when the server gave none
  std::string input_schema; // a JSON Schema object's text: the model's
                            // "parameters"; {"type":"object"} when absent
};

/// How one tool call ended.
struct mcp_tool_outcome {
  std::string server;
  std::string result; // for the model: the text content joined, or the
                      // structured content's JSON; "" on error
  std::string error;  // "" = success; else why, e.g. "timed out after
                      // 3000 ms", "connection refused", "not a JSON-RPC
                      // response", "unknown tool", the tool's isError text
  int64_t ms = 0;     // from call() to the outcome
};

} // namespace sb
