#include "app/http_front.hpp"

#include <cctype>
#include <chrono>
#include <map>
#include <optional>

#include <caf/send.hpp>

#include "app/http_errors.hpp"
#include "app/make_call.hpp"
#include "app/relay_front.hpp"
#include "app/routes.hpp"
#include "app/views.hpp"
#include "app/voice_twiml.hpp"
#include "app/webhook_request.hpp"
#include "backends/tts/audio_cache.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/json_read.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/secret.hpp"
#include "net/text/form.hpp"
#include "net/text/json.hpp"
#include "twilio/relay_token.hpp"

namespace sb {

namespace {

constexpr const char* json_type = "application/json";
constexpr const char* xml_type = "application/xml";

http_response json_response(unsigned status, std::string body) {
  return {status, json_type, std::move(body), {}};
}

http_response error_response(unsigned status, std::string_view detail) {
  return json_response(status, error_json(detail));
}

// Operator endpoints need `Authorization: Bearer <admin.token>`; with no
// token configured they are off. Returns 0 when allowed.
unsigned operator_denied(const http_request& req, const config& cfg) {
  if (cfg.admin.token.empty())
    return 403;
  constexpr std::string_view scheme = "Bearer ";
  std::string_view auth = req.authorization;
  if (auth.substr(0, scheme.size()) != scheme
      || !equal_secrets(auth.substr(scheme.size()), cfg.admin.token))
    return 401;
  return 0;
}

// Times a request from now until it is answered. The responder runs at
// most once, so each request is observed once, whichever path answers it.
http_responder timed(http_responder respond, metrics::histogram* timer) {
  auto start = std::chrono::steady_clock::now();
  return [respond = std::move(respond), timer, start](http_response r) {
    timer->observe(metrics::seconds_since(start));
    respond(std::move(r));
  };
}

// One latency histogram per webhook route, taken at start-up so that a
// request costs a lookup in an immutable map and no lock.
std::map<route_id, metrics::histogram*> make_webhook_timers() {
  std::map<route_id, metrics::histogram*> out;
  for (auto id :
       {route_id::voice_inbound, route_id::voice_outbound,
        route_id::process_speech, route_id::await_turn, route_id::relay_done,
        route_id::media_done, route_id::media_status, route_id::call_status,
        route_id::recording_status, route_id::amd_status})
    out[id] = &metrics::daemon().webhook_duration.with({route_name(id)});
  return out;
}

struct front {
  ingress_actor ingress;
  std::shared_ptr<call_directory> directory; // live calls, straight

  std::shared_ptr<live_config> live; // reloads swap it
  std::shared_ptr<audio_cache> audio;
  std::string relay_key; // signs ConversationRelay session tokens
  std::map<route_id, metrics::histogram*> webhook_timers;

  std::shared_ptr<const config> cfg() const {
    return live->get();
  }

  // A webhook missing from make_webhook_timers() is still timed, only
  // through the family's lock.
  metrics::histogram* webhook_timer(route_id id) const {
    auto i = webhook_timers.find(id);
    if (i != webhook_timers.end())
      return i->second;
    return &metrics::daemon().webhook_duration.with({route_name(id)});
  }

  void handle(http_request&& req, http_responder respond) const;
  void webhook(route_id id, http_request&& req, http_responder respond) const;
  void operator_view(const route_match& m, http_request&& req,
                     http_responder respond) const;
  void make_call(const http_request& req, const http_responder& respond) const;
  void serve_audio(const std::string& id, const http_request& req,
                   const http_responder& respond) const;
};

// Checks a Twilio webhook (app/webhook_request.hpp); on failure answers
// 4xx, logs and returns nullopt. Nothing reaches the actors (or the
// database) from a request that is malformed or not signed by Twilio.
std::optional<call_event> accept_webhook(route_id id, const http_request& req,
                                         const http_responder& respond,
                                         const config& cfg) {
  auto checked = check_webhook(id, req, cfg, iso8601_utc_now());
  if (checked.event)
    return std::move(checked.event);
  const auto& why = checked.refusal;
  if (why.bad_signature) {
    SB_LOG_WARNING("rejected " << req.path << " for CallSid "
                               << (why.call_sid.empty() ? "-" : why.call_sid)
                               << " from " << req.remote_address << ": "
                               << why.log);
    metrics::daemon().signature_failures.inc();
  } else {
    SB_LOG_WARNING("rejected " << req.path << " from " << req.remote_address
                               << ": " << why.log);
    // Counted: a burst of them means a misconfigured proxy or a probe
    // rather than Twilio.
    metrics::daemon().bad_requests.inc();
  }
  respond(error_response(why.status, why.detail));
  return std::nullopt;
}

// <Connect><ConversationRelay> with a session token for this call, issued
// now: the socket Twilio opens with it is accepted for
// relay.token_max_age_s.
std::string relay_twiml(const voice_reply& r, const config& cfg,
                        const std::string& sid, const std::string& key) {
  auto issued = std::chrono::duration_cast<std::chrono::seconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
  auto token = make_relay_token(key, sid, issued);
  return render_relay_twiml(r, cfg, relay_socket_url(cfg, sid, token), sid,
                            token);
}

// <Connect><Stream> with this call's token, issued now, as a <Parameter>
// (a stream URL takes no query): the stream's start frame must carry it.
std::string media_twiml(const voice_reply& r, const config& cfg,
                        const std::string& sid, const std::string& key) {
  auto issued = std::chrono::duration_cast<std::chrono::seconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
  auto token = make_relay_token(key, sid, issued);
  return render_media_twiml(r, cfg, media_socket_url(cfg), sid, token);
}

void front::webhook(route_id id, http_request&& req,
                    http_responder respond) const {
  // One snapshot per request: a reload meanwhile applies to the next.
  auto c = cfg();
  auto ev = accept_webhook(id, req, respond, *c);
  if (!ev)
    return;
  bool callback = id == route_id::call_status
                  || id == route_id::recording_status
                  || id == route_id::amd_status || id == route_id::media_status;
  auto sid = ev->call_sid;
  auto status = ev->call.status;
  // If the call actor never answers (it died), a TwiML request still gets
  // something safe to say and the call goes on; a callback gets 503 so
  // Twilio's debugger shows the loss.
  auto fallback = [respond, c, callback] {
    if (callback) {
      respond(error_response(503, "call actor unavailable"));
      return;
    }
    voice_reply r{reply_action::listen,
                  c->voice.apology,
                  c->voice.language,
                  c->voice.voice,
                  0,
                  {},
                  {}};
    respond({200, xml_type, render_twiml(r, *c), {}});
  };
  auto key = relay_key;
  auto deliver = [respond, c, sid, status, key](voice_reply r) {
    if (r.action == reply_action::ack)
      respond(json_response(200, ack_json(sid, status)));
    else if (r.action == reply_action::relay)
      respond({200, xml_type, relay_twiml(r, *c, sid, key), {}});
    else if (r.action == reply_action::media)
      respond({200, xml_type, media_twiml(r, *c, sid, key), {}});
    else
      respond({200, xml_type, render_twiml(r, *c), {}});
  };
  voice_reply_promise promise{std::move(deliver), std::move(fallback)};
  // A live call's webhook goes straight to its actor; the ingress takes
  // the rest (new calls, rebuilds, the unknown).
  if (!directory->route(*ev, promise))
    caf::anon_send(ingress, event_atom::value, std::move(*ev),
                   std::move(promise));
}

void front::operator_view(const route_match& m, http_request&& req,
                          http_responder respond) const {
  if (auto denied = operator_denied(req, *cfg())) {
    SB_LOG_WARNING("operator request " << req.path << " from "
                                       << req.remote_address << " denied");
    auto r = error_response(denied, denied == 403
                                      ? "operator endpoints are disabled"
                                      : "missing or wrong bearer token");
    if (denied == 401)
      r.headers.emplace_back("WWW-Authenticate", "Bearer");
    respond(std::move(r));
    return;
  }
  auto unavailable = [respond] {
    respond(error_response(503, "ingress unavailable"));
  };
  if (m.id == route_id::make_call)
    return make_call(req, respond);
  if (m.id == route_id::sessions) {
    calls_promise promise{[respond](std::vector<stored_call> calls) {
                            respond(json_response(200, sessions_json(calls)));
                          },
                          unavailable};
    caf::anon_send(ingress, sessions_atom::value, std::move(promise));
    return;
  }
  calls_promise promise{[respond](std::vector<stored_call> calls) {
                          if (calls.empty())
                            respond(error_response(404, "Session not found"));
                          else
                            respond(
                              json_response(200, session_json(calls.front())));
                        },
                        unavailable};
  caf::anon_send(ingress, session_atom::value, m.arg, std::move(promise));
}

void front::make_call(const http_request& req,
                      const http_responder& respond) const {
  auto parsed = parse_make_call(req.body, *cfg());
  if (!parsed) {
    auto status = http_status_of(parsed.error());
    if (status == 400)
      metrics::daemon().bad_requests.inc();
    respond(error_response(status == 502 ? 503 : status, what(parsed.error())));
    return;
  }
  auto dial = *parsed;
  dial_promise promise{
    [respond, dial](dial_outcome out) {
      if (out.error) {
        // Twilio refusing our credentials is an upstream
        // failure, not the operator's bearer token.
        auto status = http_status_of(out.error);
        respond(error_response(status == 401 ? 502 : status,
                               "Failed to make call: " + what(out.error)));
        return;
      }
      respond(json_response(200, make_call_json(dial, out)));
    },
    [respond] { respond(error_response(503, "ingress unavailable")); }};
  caf::anon_send(ingress, dial_atom::value, std::move(*parsed),
                 std::move(promise));
}

// Only ids the cache produced are served: valid_id() admits 64 hex digits
// and nothing else, so no part of the request path reaches the filesystem
// otherwise. The files never change, so they cache forever.
void front::serve_audio(const std::string& id, const http_request& req,
                        const http_responder& respond) const {
  if (!audio || !audio_cache::valid_id(id)) {
    respond(error_response(404, "Not Found"));
    return;
  }
  auto etag = "\"" + id + "\"";
  if (req.if_none_match == etag) {
    respond({304, "audio/wav", {}, {{"ETag", etag}}});
    return;
  }
  auto bytes = audio->read(id);
  if (!bytes) {
    respond(error_response(404, "Not Found"));
    return;
  }
  respond({200,
           "audio/wav",
           std::string(bytes->begin(), bytes->end()),
           {{"ETag", etag},
            {"Cache-Control", "public, max-age=31536000, immutable"}}});
}

// Calls go on while SQLite cannot write (the store keeps the writes), but
// whoever watches this must hear of it: the writes wait only in memory.
http_response healthz_response() {
  auto& m = metrics::daemon();
  if (m.storage_healthy.value() != 0)
    return {200, "text/plain; charset=utf-8", "ok\n", {}};
  auto pending = static_cast<long long>(m.storage_pending_writes.value());
  return {503,
          "text/plain; charset=utf-8",
          "storage failing: " + std::to_string(pending)
            + " writes waiting to be committed\n",
          {}};
}

void front::handle(http_request&& req, http_responder respond) const {
  auto m = match_route(req.method, req.path);
  if (m.error != 0) {
    auto r = error_response(m.error, m.error == 404 ? "Not Found"
                                                    : "Method Not Allowed");
    if (m.error == 405)
      r.headers.emplace_back("Allow", m.allow);
    respond(std::move(r));
    return;
  }
  if (is_twilio_webhook(m.id))
    return webhook(m.id, std::move(req),
                   timed(std::move(respond), webhook_timer(m.id)));
  switch (m.id) {
    case route_id::audio: serve_audio(m.arg, req, respond); return;
    case route_id::healthz: respond(healthz_response()); return;
    case route_id::metrics:
      // Open like /healthz so a scraper needs no secret: it carries counts
      // and latencies, never a number, SID or word said. Whoever wants it
      // private blocks it at the reverse proxy, as for the operator routes.
      respond({200,
               "text/plain; version=0.0.4; charset=utf-8",
               metrics::render(),
               {}});
      return;
    case route_id::root: {
      stats_promise promise{[respond](ingress_stats s) {
                              respond(json_response(200, health_json(s)));
                            },
                            [respond] {
                              respond(error_response(503, "unhealthy"));
                            }};
      caf::anon_send(ingress, stats_atom::value, std::move(promise));
      return;
    }
    default: operator_view(m, std::move(req), std::move(respond));
  }
}

} // namespace

http_handler make_http_handler(ingress_actor ingress,
                               std::shared_ptr<call_directory> directory,
                               std::shared_ptr<live_config> cfg,
                               std::shared_ptr<audio_cache> audio,
                               std::string relay_key) {
  auto f = std::make_shared<const front>(
    front{std::move(ingress), std::move(directory), std::move(cfg),
          std::move(audio), std::move(relay_key), make_webhook_timers()});
  return [f](http_request&& req, http_responder respond) {
    f->handle(std::move(req), std::move(respond));
  };
}

} // namespace sb
