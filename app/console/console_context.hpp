// Internals of the console front shared by its files: the state one
// console handler holds (its dependencies, the [console] and [mcp]
// settings, the count of open event streams, the MCP server) and the route
// groups each file serves.
// console_front.cpp checks the route, the session and the cross-site
// rules, then hands a request to one of these. Not part of the interface.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "app/console/console_front.hpp"
#include "app/console/console_routes.hpp"
#include "core/config.hpp"
#include "mcp/mcp_server.hpp"

namespace sb {

struct console_context {
  console_deps deps;
  console_config settings; // at start; [console] needs a restart
  mcp_config mcp_settings; // at start; [mcp] needs a restart
  // http://<console.listen>: the Origin of the console's own pages, which
  // /mcp accepts besides mcp.allowed_origins.
  std::string mcp_own_origin;
  // /mcp's server, one for every request: it keeps no state per client.
  std::shared_ptr<mcp_server> mcp;
  std::atomic<size_t> streams{0};
  // The last live event framed as Server-Sent Events, shared by every
  // stream. Touched only by the feed's subscribers, which the feed calls
  // one at a time under its lock (console_events.cpp). Held apart from
  // the context: a subscriber keeps it, and a subscriber holding the
  // context would keep the feed it sits in alive (a cycle).
  struct framed_event {
    uint64_t id = 0;
    std::string type;
    std::string text;
  };
  std::shared_ptr<framed_event> last_frame = std::make_shared<framed_event>();
};

using console_context_ptr = std::shared_ptr<console_context>;

/// A request that passed the route, session and cross-site checks, with
/// the session's short id (empty for login) for logs.
struct console_call {
  console_route route;
  http_request req;
  std::string session; // console_sessions::short_id
};

/// console_data.cpp: the reads answered from the database (calls, kpis,
/// search, call, turn_audio, export, stats), each a console_reader job.
void serve_console_data(const console_context_ptr& cx, console_call&& c,
                        http_responder respond);

/// console_actions.cpp: login and logout, and what the admin actor
/// answers or does (live, system, hangup, say, drain, reload).
void serve_console_action(const console_context_ptr& cx, console_call&& c,
                          http_responder respond);

/// console_events.cpp: /api/events, the live feed as Server-Sent Events.
void serve_console_events(const console_context_ptr& cx, console_call&& c,
                          http_responder respond);

/// console_mcp.cpp: POST /mcp, MCP's Streamable HTTP transport.
void serve_console_mcp(const console_context_ptr& cx, console_call&& c,
                       http_responder respond);

} // namespace sb
