// The console's URL space behind app/console/console_routes.hpp. Paths are
// matched as received (not percent-decoded): a call SID or a file name
// with an escape in it is simply not found.
#include "app/console/console_routes.hpp"

#include <array>
#include <charconv>

#include "app/console/console_json.hpp"
#include "net/text/form.hpp"

namespace sb {

namespace {

constexpr const char* content_security_policy =
  "default-src 'none'; script-src 'self'; style-src 'self'; "
  "img-src 'self' data:; media-src 'self' blob:; connect-src 'self'; "
  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

struct fixed_route {
  std::string_view path;
  console_route_id id;
  const char* method;
};

constexpr std::array<fixed_route, 15> fixed_routes{{
  {"/", console_route_id::root, "GET"},
  {"/api/login", console_route_id::login, "POST"},
  {"/api/logout", console_route_id::logout, "POST"},
  {"/api/me", console_route_id::me, "GET"},
  {"/api/calls", console_route_id::calls, "GET"},
  {"/api/kpis", console_route_id::kpis, "GET"},
  {"/api/search", console_route_id::search, "GET"},
  {"/api/export", console_route_id::export_calls, "GET"},
  {"/api/stats", console_route_id::stats, "GET"},
  {"/api/live", console_route_id::live, "GET"},
  {"/api/events", console_route_id::events, "GET"},
  {"/api/system", console_route_id::system, "GET"},
  {"/api/drain", console_route_id::drain, "POST"},
  {"/api/reload", console_route_id::reload, "POST"},
  {"/mcp", console_route_id::mcp, "POST"},
}};

struct page {
  std::string_view path;
  const char* file;
};

constexpr std::array<page, 5> pages{{
  {"/login", "login.html"},
  {"/calls", "calls.html"},
  {"/live", "live.html"},
  {"/stats", "stats.html"},
  {"/system", "system.html"},
}};

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// One path segment: not empty, no '/'.
bool is_segment(std::string_view s) {
  return !s.empty() && s.find('/') == std::string_view::npos;
}

// A turn's seq: digits only, no sign or space (from_chars takes none).
bool parse_seq(std::string_view text, int64_t& out) {
  auto end = text.data() + text.size();
  auto [at, ec] = std::from_chars(text.data(), end, out);
  return !text.empty() && ec == std::errc{} && at == end && out >= 0;
}

console_route with_method(console_route r, std::string_view method,
                          const char* wanted) {
  if (method != wanted) {
    r.error = 405;
    r.allow = wanted;
  }
  return r;
}

// /api/calls/{sid}[/hangup|/say|/turns/{seq}/audio]
console_route match_call_path(std::string_view method, std::string_view rest) {
  console_route r;
  r.api = true;
  auto slash = rest.find('/');
  r.sid = std::string{rest.substr(0, slash)};
  if (r.sid.empty()) {
    r.error = 404;
    return r;
  }
  if (slash == std::string_view::npos) {
    r.id = console_route_id::call;
    return with_method(std::move(r), method, "GET");
  }
  auto tail = rest.substr(slash + 1);
  if (tail == "hangup" || tail == "say") {
    r.id = tail == "say" ? console_route_id::say : console_route_id::hangup;
    return with_method(std::move(r), method, "POST");
  }
  constexpr std::string_view turns = "turns/", audio = "/audio";
  if (starts_with(tail, turns) && tail.size() > turns.size() + audio.size()
      && tail.substr(tail.size() - audio.size()) == audio
      && parse_seq(tail.substr(turns.size(),
                               tail.size() - turns.size() - audio.size()),
                   r.seq)) {
    r.id = console_route_id::turn_audio;
    return with_method(std::move(r), method, "GET");
  }
  r.error = 404;
  return r;
}

} // namespace

console_route match_console_route(std::string_view method,
                                  std::string_view path) {
  console_route r;
  r.api = starts_with(path, "/api/") || path == "/mcp";
  for (const auto& f : fixed_routes)
    if (path == f.path) {
      r.id = f.id;
      return with_method(std::move(r), method, f.method);
    }
  if (starts_with(path, "/api/calls/"))
    return match_call_path(method, path.substr(11));
  r.id = console_route_id::page;
  for (const auto& p : pages)
    if (path == p.path) {
      r.file = p.file;
      return with_method(std::move(r), method, "GET");
    }
  if (starts_with(path, "/calls/") && is_segment(path.substr(7))) {
    r.file = "call.html";
    r.sid = std::string{path.substr(7)};
    return with_method(std::move(r), method, "GET");
  }
  if (starts_with(path, "/assets/") && path.size() > 8) {
    r.id = console_route_id::asset;
    r.file = std::string{path.substr(8)};
    return with_method(std::move(r), method, "GET");
  }
  r.error = 404;
  return r;
}

bool needs_session(const console_route& route) {
  switch (route.id) {
    case console_route_id::root:
    case console_route_id::asset:
    case console_route_id::login:
    case console_route_id::mcp: return false;
    case console_route_id::page: return route.file != "login.html";
    default: return true;
  }
}

bool is_console_post(console_route_id id) {
  switch (id) {
    case console_route_id::login:
    case console_route_id::logout:
    case console_route_id::hangup:
    case console_route_id::say:
    case console_route_id::drain:
    case console_route_id::reload: return true;
    default: return false;
  }
}

std::string console_post_refusal(const http_request& req) {
  if (req.requested_by != "switchboard-console")
    return "X-Requested-By: must be switchboard-console";
  if (req.host.empty()
      || (req.origin != "http://" + req.host
          && req.origin != "https://" + req.host))
    return "Origin: must be this console's own (http://" + req.host + ")";
  return "";
}

void add_console_headers(http_response& res, bool no_store) {
  res.headers.emplace_back("Content-Security-Policy", content_security_policy);
  res.headers.emplace_back("X-Content-Type-Options", "nosniff");
  res.headers.emplace_back("Referrer-Policy", "no-referrer");
  if (no_store)
    res.headers.emplace_back("Cache-Control", "no-store");
}

http_response console_response(unsigned status, std::string content_type,
                               std::string body) {
  http_response res;
  res.status = status;
  res.content_type = std::move(content_type);
  res.body = std::move(body);
  return res;
}

http_response console_json(std::string body) {
  return console_response(200, "application/json", std::move(body));
}

http_response console_error(unsigned status, std::string_view text) {
  return console_response(status, "application/json", render_error(text));
}

http_response console_ok() {
  return console_json("{\"ok\":true}");
}

http_response console_redirect(const std::string& location) {
  auto res = console_response(302, "text/plain; charset=utf-8", "");
  res.headers.emplace_back("Location", location);
  return res;
}

std::string login_location(const http_request& req) {
  return "/login?next=" + form_encode(req.target);
}

std::string session_cookie(const std::string& id) {
  if (id.empty())
    return "sb_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0";
  return "sb_session=" + id + "; Path=/; HttpOnly; SameSite=Strict";
}

} // namespace sb
