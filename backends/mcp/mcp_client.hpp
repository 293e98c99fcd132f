// One MCP server's client over Streamable HTTP (libcurl, through
// net/client's curl_session: one kept-alive connection per client).
//
// Dual-era, as basic/versioning.mdx asks: a request is first sent the
// 2026-07-28 way (its version, the client and its capabilities in
// params._meta and the MCP-Protocol-Version, Mcp-Method and Mcp-Name
// headers). A server that answers it with a 4xx (but 401 and 403, which
// are about the token) whose body is not an error only a modern server
// gives is a 2025-era one: the client then
// opens a session (initialize offering 2025-11-25, keeping the
// Mcp-Session-Id it may mint, notifications/initialized) and sends every
// request with MCP-Protocol-Version: <the agreed version> from then on.
// The era found is kept in an mcp_era_memo that every client of the same
// server may share; a failed handshake forgets it, so the next request
// probes again.
//
// Every answer may be a JSON body or an SSE stream (the response whose id
// is ours is taken; notifications are skipped), at most 4 MiB, and every
// operation ends within its timeout. Errors are short and say what
// happened: "connection refused", "timed out after 3000 ms", "HTTP 500",
// "not a JSON-RPC response", "JSON-RPC error -32602: Unknown tool: x".
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "backends/mcp/mcp_tool.hpp"
#include "core/config.hpp"

namespace sb {

enum class mcp_era : uint8_t { unknown, modern, legacy };

/// The era a server was found to speak; shared by its clients. Any thread.
using mcp_era_memo = std::atomic<mcp_era>;

/// The largest answer body a client reads, in bytes.
constexpr size_t mcp_max_body_bytes = 4u << 20;

/// tools/list pages read at most; a longer listing keeps the first ones.
constexpr int mcp_max_list_pages = 10;

/// Not thread-safe: one thread at a time (it may move between threads).
class mcp_client {
public:
  /// `memo`: the era shared with the server's other clients (null: this
  /// client's own). `stop`: when set (from any thread), a transfer under
  /// way ends within about a second with error "shutting down".
  explicit mcp_client(mcp_server_config server,
                      std::shared_ptr<mcp_era_memo> memo = nullptr,
                      const std::atomic<bool>* stop = nullptr);
  ~mcp_client();
  mcp_client(const mcp_client&) = delete;
  mcp_client& operator=(const mcp_client&) = delete;

  const mcp_server_config& server() const;

  /// The era found so far (unknown before the first answer).
  mcp_era era() const;

  /// Every tool the server offers (tools/list, following nextCursor for at
  /// most mcp_max_list_pages pages), each with `server` set to the
  /// server's name; a tool with invalid x-mcp-header annotations is left
  /// out with a warning in the log. The whole listing ends within
  /// `timeout`.
  caf::expected<std::vector<mcp_tool>>
  list_tools(std::chrono::milliseconds timeout);

  /// Calls `tool` (as list_tools gave it) with `arguments`, a JSON
  /// object's text ("" or blanks: {}), and returns its result for the model
  /// (mcp_wire.hpp, read_call_result). The tool's isError is an error holding
  /// its text; arguments that are not a JSON object are an error sent nowhere.
  /// Ends within `timeout`.
  caf::expected<std::string> call_tool(const mcp_tool& tool,
                                       const std::string& arguments,
                                       std::chrono::milliseconds timeout);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace sb
