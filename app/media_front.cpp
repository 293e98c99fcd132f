// media_front: the upgrade decision is made on the I/O thread from pure
// checks (path, signature), so no actor is asked while Twilio's handshake
// waits; only an accepted socket gets a proxy actor.
#include "app/media_front.hpp"

#include <chrono>

#include <caf/actor_system.hpp>
#include <caf/send.hpp>

#include "app/media_proxy.hpp"
#include "app/voice_twiml.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "twilio/twilio_signature.hpp"

namespace sb {

namespace {

ws_verdict refuse(const http_request& req, unsigned status,
                  const std::string& why) {
  SB_LOG_WARNING("media: refused WebSocket "
                 << req.path << " from " << req.remote_address << ": " << why);
  if (status == 403)
    metrics::daemon().signature_failures.inc();
  ws_verdict v;
  v.refusal.status = status;
  v.refusal.body = why + "\n";
  return v;
}

ws_verdict decide(const media_front_deps& deps, const http_request& req) {
  auto cfg = deps.live->get();
  if (req.path != media_socket_path || req.method != "GET")
    return refuse(req, 404, "not a media stream URL");
  // Twilio signs the wss:// URL it opened, with no parameters.
  if (cfg->twilio.validate_signatures
      && !validate_twilio_signature(cfg->twilio.auth_token,
                                    public_ws_base(*cfg) + req.target, {},
                                    req.twilio_signature))
    return refuse(req, 403,
                  req.twilio_signature.empty() ? "no X-Twilio-Signature"
                                               : "invalid X-Twilio-Signature");
  ws_verdict v;
  v.accept = true;
  v.limits = ws_limits{std::chrono::seconds(cfg->media.idle_timeout_s),
                       static_cast<size_t>(cfg->media.max_frame_bytes),
                       static_cast<size_t>(cfg->media.send_queue_frames)};
  media_proxy_deps proxy{deps.ingress, deps.directory, {},
                         deps.live,    deps.token_key, deps.stt,
                         deps.tts,     deps.audio,     req.remote_address};
  auto* system = deps.sys;
  v.open = [system, proxy](std::weak_ptr<ws_channel> channel) mutable {
    proxy.channel = std::move(channel);
    auto actor = spawn_media_proxy(*system, proxy);
    ws_events events;
    events.on_text = [actor](std::string text) {
      auto now = std::chrono::steady_clock::now().time_since_epoch();
      caf::anon_send(
        actor, media_frame_atom::value, std::move(text),
        static_cast<int64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(now).count()));
    };
    events.on_closed = [actor](std::string why) {
      caf::anon_send(actor, media_gone_atom::value, std::move(why));
    };
    return events;
  };
  return v;
}

} // namespace

ws_upgrade_handler make_media_upgrade_handler(media_front_deps deps) {
  auto d = std::make_shared<const media_front_deps>(std::move(deps));
  return [d](const http_request& req) { return decide(*d, req); };
}

ws_upgrade_handler route_upgrades(ws_upgrade_handler media,
                                  ws_upgrade_handler relay) {
  return [media = std::move(media),
          relay = std::move(relay)](const http_request& req) {
    if (req.path == media_socket_path)
      return media(req);
    return relay(req);
  };
}

} // namespace sb
