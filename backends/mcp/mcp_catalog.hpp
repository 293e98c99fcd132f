// Which of the listed MCP tools the call's model is offered: each server's
// tools in the order it gave them, less those its allow-list leaves out,
// those named like a built-in tool (transfer_call, end_call) and those an
// earlier server already offers under the same name (the model calls a
// tool by name alone). Pure: what to log comes back as lines, which the
// toolbox writes.
#pragma once

#include <string>
#include <vector>

#include "backends/mcp/mcp_tool.hpp"
#include "core/config.hpp"
#include "core/log.hpp"

namespace sb {

/// What listing one server gave: its tools, or why there are none.
struct mcp_listing {
  std::vector<mcp_tool> tools;
  std::string error; // "" = listed
};

struct mcp_log_line {
  log::level level;
  std::string text;
};

struct mcp_catalog {
  std::vector<mcp_tool> tools;
  /// Per server "mcp: <server>: N tools (a, b)" ("1 tool (a)", "0 tools") or
  /// "mcp: <server>: listing failed: <why>", and a warning for each tool left
  /// out by name or allow-listed but not offered.
  std::vector<mcp_log_line> log;
};

/// REQUIRES: listings.size() == servers.size()
mcp_catalog choose_mcp_tools(const std::vector<mcp_server_config>& servers,
                             const std::vector<mcp_listing>& listings);

} // namespace sb
