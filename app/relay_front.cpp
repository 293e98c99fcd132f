// relay_front: the upgrade decision is made on the I/O thread from pure
// checks (path, signature, token), so no actor is asked while Twilio's
// handshake waits; only an accepted socket gets a proxy actor.
#include "app/relay_front.hpp"

#include <chrono>

#include <caf/actor_system.hpp>
#include <caf/send.hpp>

#include "app/relay_proxy.hpp"
#include "app/voice_twiml.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/secret.hpp"
#include "twilio/relay_token.hpp"
#include "twilio/twilio_signature.hpp"

namespace sb {

namespace {

http_response refusal(unsigned status, std::string text) {
  http_response r;
  r.status = status;
  r.body = std::move(text);
  return r;
}

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

struct relay_front {
  caf::actor_system* sys;
  ingress_actor ingress;
  std::shared_ptr<call_directory> directory;
  std::shared_ptr<live_config> live;
  std::string key;

  ws_verdict decide(const http_request& req) const;
  ws_verdict refuse(const http_request& req, unsigned status,
                    const std::string& why) const;
};

ws_verdict relay_front::refuse(const http_request& req, unsigned status,
                               const std::string& why) const {
  SB_LOG_WARNING("relay: refused WebSocket "
                 << req.path << " from " << req.remote_address << ": " << why);
  if (status == 403)
    metrics::daemon().signature_failures.inc();
  ws_verdict v;
  v.refusal = refusal(status, why + "\n");
  return v;
}

ws_verdict relay_front::decide(const http_request& req) const {
  auto cfg = live->get();
  auto target = parse_relay_target(req.path);
  if (!target || req.method != "GET")
    return refuse(req, 404, "not a relay session URL");
  const auto& [sid, token] = *target;
  // Twilio signs the wss:// URL it opened, with no parameters.
  if (cfg->twilio.validate_signatures
      && !validate_twilio_signature(cfg->twilio.auth_token,
                                    public_ws_base(*cfg) + req.target, {},
                                    req.twilio_signature))
    return refuse(req, 403,
                  req.twilio_signature.empty() ? "no X-Twilio-Signature"
                                               : "invalid X-Twilio-Signature");
  auto verdict = check_relay_token(key, sid, token, unix_now(),
                                   cfg->relay.token_max_age_s);
  if (verdict != relay_token_status::ok)
    return refuse(req, 403, "session token " + std::string{to_string(verdict)});
  ws_verdict v;
  v.accept = true;
  auto deps = relay_proxy_deps{ingress, directory, {},
                               sid,     token,     req.remote_address};
  auto* system = sys;
  v.open = [system, deps](std::weak_ptr<ws_channel> channel) mutable {
    deps.channel = std::move(channel);
    auto proxy = spawn_relay_proxy(*system, deps);
    ws_events events;
    events.on_text = [proxy](std::string text) {
      caf::anon_send(proxy, relay_frame_atom::value, std::move(text));
    };
    events.on_closed = [proxy](std::string why) {
      caf::anon_send(proxy, relay_gone_atom::value, std::move(why));
    };
    return events;
  };
  return v;
}

} // namespace

std::string make_relay_key(const config& cfg) {
  if (!cfg.twilio.auth_token.empty())
    return cfg.twilio.auth_token;
  return random_hex(32);
}

ws_upgrade_handler
make_relay_upgrade_handler(caf::actor_system& sys, ingress_actor ingress,
                           std::shared_ptr<call_directory> directory,
                           std::shared_ptr<live_config> cfg,
                           std::string relay_key) {
  auto f = std::make_shared<const relay_front>(
    relay_front{&sys, std::move(ingress), std::move(directory), std::move(cfg),
                std::move(relay_key)});
  return [f](const http_request& req) { return f->decide(req); };
}

} // namespace sb
