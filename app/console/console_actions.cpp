// The console's logins and what it asks of the admin actor. Each admin
// command goes out with a reply promise whose answer (on an actor's
// thread) becomes the HTTP answer, posted back by the responder: no I/O
// thread waits. Every operator action is logged with the session's short
// id and the client's address, every failed login as a warning.
#include <utility>

#include <caf/send.hpp>
#include <rapidjson/document.h>

#include "app/console/console_context.hpp"
#include "app/console/console_json.hpp"
#include "app/console/console_sessions.hpp"
#include "core/json_read.hpp"
#include "core/log.hpp"
#include "net/text/json_writer.hpp"
#include "storage/live_feed.hpp"

namespace sb {

namespace {

// The string field `key` of a JSON object body; nullopt when the body is
// not an object or the field is missing or not a string.
std::optional<std::string> body_string(const std::string& body,
                                       const char* key) {
  rapidjson::Document doc;
  if (!parse_whole_json(doc, body) || !doc.IsObject())
    return std::nullopt;
  auto it = doc.FindMember(key);
  if (it == doc.MemberEnd() || !it->value.IsString())
    return std::nullopt;
  return std::string{it->value.GetString(), it->value.GetStringLength()};
}

// A failed command: the call is not live (409), the admin actor did not
// answer (503), or what it asked refused (502: Twilio, or the call).
http_response action_failure(const std::string& why) {
  if (why.rfind("no live call", 0) == 0)
    return console_error(409, why);
  if (why == "no answer")
    return console_error(503, "the admin actor did not answer");
  return console_error(502, why);
}

// Sends `cmd` to the admin actor; `on_ok(reply)` makes the answer.
template <class OnOk>
void ask_admin(const console_context& cx, admin_command cmd,
               const http_responder& respond, OnOk on_ok) {
  admin_promise promise{
    [respond, on_ok = std::move(on_ok)](admin_reply r) {
      respond(r.ok ? on_ok(std::move(r)) : action_failure(r.error));
    },
    [respond] { respond(console_error(503, "the admin actor is gone")); }};
  caf::anon_send(cx.deps.admin, admin_atom::value, std::move(cmd),
                 std::move(promise));
}

void login(const console_context& cx, const console_call& c,
           const http_responder& respond) {
  auto token = body_string(c.req.body, "token");
  if (!token) {
    respond(console_error(400, "token: a JSON body {\"token\": \"...\"} is "
                               "required"));
    return;
  }
  const auto address = address_without_port(c.req.remote_address);
  auto out = cx.deps.sessions->login(*token, address);
  switch (out.status) {
    case login_status::ok: {
      SB_LOG_NOTICE("console: login, session "
                    << console_sessions::short_id(out.session_id) << " from "
                    << c.req.remote_address);
      auto res = console_ok();
      res.headers.emplace_back("Set-Cookie", session_cookie(out.session_id));
      respond(std::move(res));
      return;
    }
    case login_status::limited: {
      SB_LOG_WARNING("console: login refused from "
                     << address << ": too many failed logins in a minute");
      auto res = console_error(429, "too many failed logins from this "
                                    "address; try again later");
      res.headers.emplace_back("Retry-After",
                               std::to_string(out.retry_after_s));
      respond(std::move(res));
      return;
    }
    case login_status::wrong_token:
      SB_LOG_WARNING("console: failed login from " << c.req.remote_address
                                                   << ": wrong token");
      respond(console_error(401, "token: not the admin token"));
      return;
    case login_status::unavailable:
      SB_LOG_ERROR("console: login from " << c.req.remote_address
                                          << ": no random session id");
      respond(console_error(503, "cannot make a session now"));
      return;
  }
}

void logout(const console_context& cx, const console_call& c,
            const http_responder& respond) {
  cx.deps.sessions->logout(console_sessions::id_from_cookie(c.req.cookie));
  SB_LOG_INFO("console: logout, session " << c.session << " from "
                                          << c.req.remote_address);
  auto res = console_ok();
  res.headers.emplace_back("Set-Cookie", session_cookie(""));
  respond(std::move(res));
}

std::string system_json(const console_context& cx, const ingress_stats& s) {
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  w.StartObject();
  write_field(w, "version", cx.deps.version);
  w.Key("draining");
  w.Bool(s.draining);
  w.Key("live_calls");
  w.Int64(s.live_calls);
  w.Key("stats");
  w.StartObject();
  w.Key("live_calls");
  w.Int64(s.live_calls);
  w.Key("calls_total");
  w.Int64(s.calls_total);
  w.Key("calls_rejected");
  w.Int64(s.calls_rejected);
  w.Key("draining");
  w.Bool(s.draining);
  w.EndObject();
  write_field(w, "transport", cx.deps.live->get()->voice.transport);
  w.Key("console_sessions");
  w.Uint64(cx.deps.sessions->count());
  w.Key("console_streams");
  w.Uint64(cx.streams.load());
  w.EndObject();
  return json_text(buf);
}

// An operator's action, logged before it is asked for.
void act(const console_context& cx, const console_call& c, admin_command cmd,
         const http_responder& respond) {
  SB_LOG_NOTICE("console: " << cmd.cmd << (cmd.sid.empty() ? "" : " " + cmd.sid)
                            << " by session " << c.session << " from "
                            << c.req.remote_address);
  ask_admin(cx, std::move(cmd), respond,
            [](admin_reply) { return console_ok(); });
}

// Hangup goes straight to Twilio's REST API, which would also end a call
// this daemon no longer holds: the call is checked live first, so an
// ended one is 409 like say's.
void hangup(const console_context_ptr& cx, const console_call& c,
            const http_responder& respond) {
  admin_command check{"call", c.route.sid, {}, {}, {}};
  auto call = c;
  admin_promise promise{
    [cx, call, respond](admin_reply r) {
      if (!r.ok) {
        respond(action_failure(r.error));
        return;
      }
      act(*cx, call, admin_command{"hangup", call.route.sid, {}, {}, {}},
          respond);
    },
    [respond] { respond(console_error(503, "the admin actor is gone")); }};
  caf::anon_send(cx->deps.admin, admin_atom::value, std::move(check),
                 std::move(promise));
}

void say(const console_context& cx, const console_call& c,
         const http_responder& respond) {
  auto text = body_string(c.req.body, "text");
  if (!text || text->empty()) {
    respond(console_error(400, "text: a JSON body {\"text\": \"...\"} with "
                               "words to say is required"));
    return;
  }
  act(cx, c, admin_command{"say", c.route.sid, {}, {}, std::move(*text)},
      respond);
}

} // namespace

void serve_console_action(const console_context_ptr& cx, console_call&& c,
                          http_responder respond) {
  switch (c.route.id) {
    case console_route_id::login: return login(*cx, c, respond);
    case console_route_id::logout: return logout(*cx, c, respond);
    case console_route_id::live: {
      // Taken before the snapshot: an event after this id may already be
      // in it, but none before it is missing from it.
      auto last = cx->deps.feed->last_id();
      return ask_admin(*cx, admin_command{"calls", {}, {}, {}, {}}, respond,
                       [last](admin_reply r) {
                         return console_json(render_live(r.calls, last));
                       });
    }
    case console_route_id::system:
      return ask_admin(*cx, admin_command{"stats", {}, {}, {}, {}}, respond,
                       [cx](admin_reply r) {
                         return console_json(system_json(*cx, r.stats));
                       });
    case console_route_id::hangup: return hangup(cx, c, respond);
    case console_route_id::say: return say(*cx, c, respond);
    case console_route_id::drain:
      return act(*cx, c, admin_command{"drain", {}, {}, {}, {}}, respond);
    default:
      return act(*cx, c, admin_command{"reload", {}, {}, {}, {}}, respond);
  }
}

} // namespace sb
