// The one adapter between the HTTP server and the actors:
// checks and parses each request on the I/O thread, hands it with a reply
// promise to the call's actor when the call is live (call_directory), else
// to the ingress actor, and turns the actor's answer into an HTTP
// response posted back to the connection. Never blocks an I/O thread.
#pragma once

#include <memory>
#include <string>

#include "actors/ingress.hpp"
#include "core/live_config.hpp"
#include "net/http/http_types.hpp"

namespace sb {

class audio_cache;

/// `directory` is the ingress's (ingress_deps::directory).
/// `cfg` is read per request, so a reload reaches the TwiML at once.
/// `audio` serves GET /audio/<id>.wav; null when no audio is produced.
/// `relay_key` signs the session tokens of ConversationRelay TwiML
/// (make_relay_key in app/relay_front.hpp).
http_handler make_http_handler(ingress_actor ingress,
                               std::shared_ptr<call_directory> directory,
                               std::shared_ptr<live_config> cfg,
                               std::shared_ptr<audio_cache> audio,
                               std::string relay_key = {});

} // namespace sb
