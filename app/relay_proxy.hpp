// The proxy actor of one ConversationRelay WebSocket: the
// only place where a WebSocket session and the actors meet. Frames from
// Twilio arrive as (relay_frame, text) from the session's strand, are
// parsed (twilio/relay_frames) and go to the call's actor (through the
// ingress when the call is not live) as webhook events of the call; what the
// call actor says (relay_peer) is turned into frames and handed to the session,
// which writes them from its own strand. The proxy holds the session only
// weakly: a closed socket ends it, never the other way round.
//
// Protocol:
//   relay_peer's messages (actors/relay_peer.hpp), from the call actor.
//   (relay_frame, text)   a text frame from Twilio. The first must be a
//       setup whose callSid and customParameters.token match the URL the
//       socket was opened with, else the socket is closed (1008). Frames
//       that do not parse are logged and otherwise ignored; ten in a row
//       close the socket (1007), as Twilio does with ours.
//   (relay_gone, why)     the session ended: the call hears of it
//       (relay_closed) and the proxy exits.
// When the call answers an event with hangup (it has ended, or is not
// ours) the socket is closed (1000); when the ingress stops (shutdown),
// with 1001.
#pragma once

#include <memory>
#include <string>

#include <caf/fwd.hpp>
#include <caf/typed_actor.hpp>

#include "actors/ingress.hpp"
#include "actors/relay_peer.hpp"
#include "net/http/ws_types.hpp"

namespace sb {

using relay_frame_atom = caf::atom_constant<caf::atom("rframe")>;
using relay_gone_atom = caf::atom_constant<caf::atom("rgone")>;

using relay_proxy_actor =
  relay_peer::extend<caf::reacts_to<relay_frame_atom, std::string>,
                     caf::reacts_to<relay_gone_atom, std::string>>;

struct relay_proxy_deps {
  ingress_actor ingress;
  /// Frames of a live call go straight to its actor, as its webhooks do
  /// (so the two stay in one order); null: all through the ingress.
  std::shared_ptr<call_directory> directory;
  std::weak_ptr<ws_channel> channel;
  std::string call_sid; // from the socket's URL (already verified)
  std::string token;    // likewise
  std::string remote;   // the peer's address, for logs
};

relay_proxy_actor spawn_relay_proxy(caf::actor_system& sys,
                                    relay_proxy_deps deps);

} // namespace sb
