// The console front's dispatch: every request is matched
// (console_routes), refused early when it must be (404/405, a POST that
// fails the cross-site checks, no session), and otherwise served here
// (pages, assets, /api/me) or by the route group that owns it. Every
// answer passes through one wrapper that adds the security headers, so no
// path can forget them.
#include "app/console/console_front.hpp"

#include <filesystem>
#include <utility>

#include "app/console/console_assets.hpp"
#include "app/console/console_context.hpp"
#include "app/console/console_mcp.hpp"
#include "app/console/console_sessions.hpp"

namespace sb {

namespace {

// The responder every answer goes through: the security headers, and
// no-store on the API's answers (audio included), no-cache on assets so an
// upgraded daemon's files are fetched again.
http_responder with_console_headers(http_responder respond,
                                    const console_route& route) {
  const bool api = route.api;
  const bool asset = route.id == console_route_id::asset && route.error == 0;
  return [respond = std::move(respond), api, asset](http_response res) {
    add_console_headers(res, api);
    if (asset && res.status == 200)
      res.headers.emplace_back("Cache-Control", "no-cache");
    respond(std::move(res));
  };
}

http_response not_found(const console_route& route) {
  if (route.api)
    return console_error(404, "no such route");
  return console_response(404, "text/plain; charset=utf-8", "Not Found\n");
}

http_response serve_file(const console_context& cx, const std::string& name) {
  auto file = cx.deps.assets->find(name);
  if (!file)
    return console_response(404, "text/plain; charset=utf-8", "Not Found\n");
  return console_response(200, std::move(file->content_type),
                          std::move(file->bytes));
}

// True when the request was refused (the answer is sent); false when it
// may go on, with `session` set for routes that need one.
bool refused(const console_context& cx, const console_route& route,
             const http_request& req, std::string& session,
             const http_responder& respond) {
  if (route.error != 0) {
    auto res = route.error == 404
                 ? not_found(route)
                 : console_error(405,
                                 std::string{"method must be "} + route.allow);
    if (route.error == 405)
      res.headers.emplace_back("Allow", route.allow);
    respond(std::move(res));
    return true;
  }
  if (is_console_post(route.id)) {
    auto why = console_post_refusal(req);
    if (!why.empty()) {
      respond(console_error(403, why));
      return true;
    }
  }
  if (!needs_session(route))
    return false;
  auto id = console_sessions::id_from_cookie(req.cookie);
  if (cx.deps.sessions->touch(id)) {
    session = console_sessions::short_id(id);
    return false;
  }
  if (route.api)
    respond(console_error(401, "not logged in (sb_session cookie)"));
  else
    respond(console_redirect(login_location(req)));
  return true;
}

void handle(const console_context_ptr& cx, http_request&& req,
            http_responder respond_raw) {
  auto route = match_console_route(req.method, req.path);
  auto respond = with_console_headers(std::move(respond_raw), route);
  std::string session;
  if (refused(*cx, route, req, session, respond))
    return;
  switch (route.id) {
    case console_route_id::root: respond(console_redirect("/calls")); return;
    case console_route_id::page:
    case console_route_id::asset: respond(serve_file(*cx, route.file)); return;
    case console_route_id::me: respond(console_ok()); return;
    case console_route_id::mcp:
      return serve_console_mcp(
        cx, {std::move(route), std::move(req), std::move(session)},
        std::move(respond));
    case console_route_id::events:
      return serve_console_events(
        cx, {std::move(route), std::move(req), std::move(session)},
        std::move(respond));
    case console_route_id::calls:
    case console_route_id::kpis:
    case console_route_id::search:
    case console_route_id::call:
    case console_route_id::turn_audio:
    case console_route_id::export_calls:
    case console_route_id::stats:
      return serve_console_data(
        cx, {std::move(route), std::move(req), std::move(session)},
        std::move(respond));
    default:
      return serve_console_action(
        cx, {std::move(route), std::move(req), std::move(session)},
        std::move(respond));
  }
}

} // namespace

http_handler make_console_handler(console_deps deps) {
  auto cx = std::make_shared<console_context>();
  const auto cfg = deps.live->get();
  cx->settings = cfg->console;
  cx->mcp_settings = cfg->mcp;
  cx->mcp_own_origin = "http://" + cfg->console.listen;
  cx->mcp = std::make_shared<mcp_server>(
    mcp_server_options{cfg->mcp.allow_actions, "http"},
    console_mcp_services(deps.admin, deps.reader));
  cx->deps = std::move(deps);
  return [cx](http_request&& req, http_responder respond) {
    handle(cx, std::move(req), std::move(respond));
  };
}

std::string resolve_caller_audio_dir(const config& cfg) {
  namespace fs = std::filesystem;
  fs::path dir = cfg.media.caller_audio_dir;
  if (dir.is_relative())
    dir = fs::path{cfg.storage.path}.parent_path() / dir;
  return dir.string();
}

} // namespace sb
