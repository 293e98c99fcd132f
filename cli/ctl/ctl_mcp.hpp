// switchboardctl mcp: switchboard's MCP server (mcp/mcp_server.hpp) on the
// stdio transport, for an MCP host that starts this program: one JSON-RPC
// message per line on stdin, one answer per request on stdout, flushed
// each time, nothing else ever written there (diagnostics and the action
// log go to stderr). The database tools read the file read-only, opened
// per request as history does, so they work whether or not the daemon
// runs; the live tools and the actions ask the daemon over the admin
// socket, and a daemon that is down makes them tool errors, not a failed
// server. One legacy session per process: an `initialize` on stdin opens
// it for every later request.
#pragma once

#include <chrono>
#include <cstddef>
#include <istream>
#include <ostream>
#include <string>

namespace sb {

struct mcp_stdio_options {
  std::string db;     // the database file
  std::string socket; // the admin socket
  bool allow_actions = false;
  /// How long one admin exchange may take; 0 = 60 s for place_call (it
  /// waits for Twilio's REST API), 10 s for the rest.
  std::chrono::milliseconds timeout{0};
};

/// The longest line read as a message; a longer one is answered with a
/// parse error and skipped to its end.
inline constexpr size_t mcp_max_line_bytes = 4 * 1024 * 1024;

/// Serves `in` until it ends, answering on `out`. Blocks the calling
/// thread; every request is answered before the next line is read.
/// Returns 0 (ctl_exit_ok) at the end of the input.
int serve_mcp_stdio(const mcp_stdio_options& options, std::istream& in,
                    std::ostream& out);

/// Every tool (actions included) as tools/list gives them, pretty-printed:
/// `switchboardctl mcp --schemas`.
std::string mcp_schemas_text();

/// What reading one line came to.
enum class mcp_line { line, too_long, end };

/// Reads up to the next '\n' (a '\r' before it is dropped) into `line`.
/// A line longer than `max_bytes` is consumed to its end and reported
/// too_long, `line` then empty; a last line without '\n' is still a line.
mcp_line read_mcp_line(std::istream& in, std::string& line, size_t max_bytes);

} // namespace sb
