// The console listener's URL space as pure functions: (method, path) ->
// route, or 404 / 405 with the allowed method; which routes need a session
// and which are POSTs that must pass the cross-site checks; the headers
// every answer carries; and the small answers (redirects, cookies, JSON
// errors) that need no data. No I/O: app/console/console_front.cpp serves
// what these decide.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/http/http_types.hpp"

namespace sb {

enum class console_route_id {
  root,         // GET  /                  -> 302 /calls
  page,         // GET  /login, /calls, /calls/{sid}, /live, /stats, /system
  asset,        // GET  /assets/{file}
  login,        // POST /api/login
  logout,       // POST /api/logout
  me,           // GET  /api/me
  calls,        // GET  /api/calls
  kpis,         // GET  /api/kpis
  search,       // GET  /api/search
  call,         // GET  /api/calls/{sid}
  turn_audio,   // GET  /api/calls/{sid}/turns/{seq}/audio
  export_calls, // GET  /api/export
  stats,        // GET  /api/stats
  live,         // GET  /api/live
  events,       // GET  /api/events
  system,       // GET  /api/system
  hangup,       // POST /api/calls/{sid}/hangup
  say,          // POST /api/calls/{sid}/say
  drain,        // POST /api/drain
  reload,       // POST /api/reload
  mcp,          // POST /mcp               (MCP over HTTP: bearer, no session)
};

struct console_route {
  console_route_id id = console_route_id::root;
  unsigned error = 0;     // 404 or 405 when nothing matched, else 0
  const char* allow = ""; // the method the path takes, for 405's Allow
  bool api = false;       // under /api/, or /mcp: JSON answers, no-store
  std::string file;       // page: the HTML file; asset: the file's name
  std::string sid;        // call, turn_audio, hangup, say; page /calls/{sid}
  int64_t seq = 0;        // turn_audio
};

console_route match_console_route(std::string_view method,
                                  std::string_view path);

/// Whether the route answers only with a live session: every page but
/// /login, every /api/* route but login. Assets, / and /mcp (which
/// checks its own bearer token) need none.
bool needs_session(const console_route& route);

/// The state-changing routes: they must come from the console's own pages
/// (console_post_refusal).
bool is_console_post(console_route_id id);

/// Why a POST is refused as possibly cross-site, or "" when it passes: it
/// needs `X-Requested-By: switchboard-console` (a header no plain form
/// or cross-site request without CORS can send) and an Origin equal to
/// http://<Host> or https://<Host> (behind a TLS proxy that keeps Host).
std::string console_post_refusal(const http_request& req);

/// Every answer's headers: the Content-Security-Policy, nosniff,
/// no-referrer; with `no_store` also Cache-Control: no-store (API answers,
/// audio); assets get Cache-Control: no-cache instead (add_asset_caching).
void add_console_headers(http_response& res, bool no_store);

/// An answer of `status` with `body` of `content_type`.
http_response console_response(unsigned status, std::string content_type,
                               std::string body);

/// 200 with a JSON body.
http_response console_json(std::string body);

/// {"error": text} with `status`.
http_response console_error(unsigned status, std::string_view text);

/// {"ok":true}
http_response console_ok();

/// 302 to `location`.
http_response console_redirect(const std::string& location);

/// Where a page sends a visitor without a session:
/// /login?next=<path and query, percent-encoded>.
std::string login_location(const http_request& req);

/// The Set-Cookie value that starts (`id` non-empty) or ends a session.
std::string session_cookie(const std::string& id);

} // namespace sb
