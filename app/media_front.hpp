// The Media Streams side of the public listener: decides each upgrade
// request for /media (the one stream URL: Twilio drops a query string)
// and binds an accepted socket to a media proxy actor. A socket is
// accepted only with a valid X-Twilio-Signature over its wss:// URL (when
// signatures are checked); which call it carries is known only from its
// start frame, whose token the proxy checks (app/media_proxy.hpp).
#pragma once

#include <memory>
#include <string>

#include <caf/fwd.hpp>

#include "actors/ingress.hpp"
#include "actors/stt.hpp"
#include "actors/tts.hpp"
#include "core/live_config.hpp"
#include "net/http/ws_types.hpp"

namespace sb {

class audio_cache;

/// What a media socket needs besides the request.
struct media_front_deps {
  caf::actor_system* sys = nullptr;
  ingress_actor ingress;
  std::shared_ptr<call_directory> directory;
  std::shared_ptr<live_config> live;
  std::string token_key; // make_relay_key(): signs and checks call tokens
  stt_actor stt;
  tts_actor tts;
  std::shared_ptr<audio_cache> audio;
};

/// Runs on an I/O thread, never blocks; refusals: 404 (not /media),
/// 403 (signature), each logged with the reason.
ws_upgrade_handler make_media_upgrade_handler(media_front_deps deps);

/// The public listener's one upgrade handler: /media to `media`, anything
/// else to `relay`.
ws_upgrade_handler route_upgrades(ws_upgrade_handler media,
                                  ws_upgrade_handler relay);

} // namespace sb
