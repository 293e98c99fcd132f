// The WebSocket side of the public listener: decides each upgrade request
// for /relay/{CallSid}/{token} (Twilio's ConversationRelay) and binds an
// accepted socket to a relay proxy actor. A socket is accepted only with
// a valid X-Twilio-Signature over its wss:// URL (when signatures are
// checked) and a session token we issued for that CallSid in the TwiML
// that opened it, not older than relay.token_max_age_s.
#pragma once

#include <memory>
#include <string>

#include <caf/fwd.hpp>

#include "actors/ingress.hpp"
#include "core/live_config.hpp"
#include "net/http/ws_types.hpp"

namespace sb {

/// The key session tokens are signed with: the auth token, or (with no
/// Twilio account configured) 32 random bytes, hex, new at each start.
std::string make_relay_key(const config& cfg);

/// Runs on an I/O thread, never blocks; refusals: 404 (not a relay path),
/// 403 (signature or token), each logged with the reason.
ws_upgrade_handler
make_relay_upgrade_handler(caf::actor_system& sys, ingress_actor ingress,
                           std::shared_ptr<call_directory> directory,
                           std::shared_ptr<live_config> cfg,
                           std::string relay_key);

} // namespace sb
