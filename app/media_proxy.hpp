// The proxy actor of one Media Streams WebSocket: the caller's ears and
// our mouth for one call. Frames from Twilio arrive as (media_frame, text)
// from the session's strand. The first must be `connected`, then `start`,
// whose callSid and customParameters.token (signed like the relay token)
// must name a call we answered, else the socket is closed (1008). Then:
// - the caller's audio goes through a media_listener (timeline, turn
//   detector, utterance feed); at the start of speech the utterance is
//   given to the speech-recognition pool, and its text, when the turn
//   ended, goes to the call as a media_turn event;
// - what the call says (media_peer) is synthesised clause by clause by the
//   TTS pool, turned into 8 kHz μ-law and paced out (playout_pacer) as
//   `media` frames with a mark per clause; marks that come back are
//   media_heard events (marks of a cleared reply are not);
// - caller speech over our interruptible speech for media.barge_in_ms
//   sends `clear`, drops what is queued, and tells the call
//   (media_barge_in);
// - listening in silence for media.reprompt_after_s is a media_silence
//   event; a dtmf frame a media_dtmf event; stop a media_stop event.
// Frames that do not parse are logged once per kind and ignored; ten in a
// row close the socket (1007). A peer that does not echo a mark within
// media.mark_timeout_s of its audio's playback time is not playing (or
// reading) what we send: closed with 1008.
//
// Protocol:
//   media_peer's messages (actors/media_peer.hpp), from the call actor.
//   (media_frame, text, received_ns)   a text frame from Twilio, and when
//                         the socket read it (steady clock, ns).
//   (media_gone, why)     the session ended: the call hears of it
//                         (media_closed) and the proxy exits.
// When the call answers an event with hangup (it has ended, or is not
// ours) the socket is closed (1000); when the ingress stops, with 1001.
#pragma once

#include <memory>
#include <string>

#include <caf/fwd.hpp>
#include <caf/typed_actor.hpp>

#include "actors/ingress.hpp"
#include "actors/media_peer.hpp"
#include "actors/stt.hpp"
#include "actors/tts.hpp"
#include "core/live_config.hpp"
#include "net/http/ws_types.hpp"

namespace sb {

class audio_cache;

using media_frame_atom = caf::atom_constant<caf::atom("mframe")>;
using media_gone_atom = caf::atom_constant<caf::atom("mgone")>;
using media_tick_atom = caf::atom_constant<caf::atom("mtick")>;
using media_chores_atom = caf::atom_constant<caf::atom("mchores")>;

using media_proxy_actor = media_peer::extend<
  caf::reacts_to<media_frame_atom, std::string, int64_t>,
  caf::reacts_to<media_gone_atom, std::string>, caf::reacts_to<media_tick_atom>,
  caf::reacts_to<media_chores_atom>>;

struct media_proxy_deps {
  ingress_actor ingress;
  /// Events of a live call go straight to its actor; null: all through
  /// the ingress.
  std::shared_ptr<call_directory> directory;
  std::weak_ptr<ws_channel> channel;
  std::shared_ptr<live_config> live;
  std::string token_key;              // checks the start frame's token
  stt_actor stt;                      // null: the caller is not heard (logged)
  tts_actor tts;                      // null: nothing is said (logged)
  std::shared_ptr<audio_cache> audio; // where the TTS pool puts its audio
  std::string remote;                 // the peer's address, for logs
};

media_proxy_actor spawn_media_proxy(caf::actor_system& sys,
                                    media_proxy_deps deps);

} // namespace sb
