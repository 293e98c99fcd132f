// What a call actor says into its Media Streams WebSocket: the proxy
// actor of each stream (app/media_proxy) implements this interface. It
// synthesises each clause, paces the audio out as `media` frames with a
// mark after each clause, and tells the call (as call events) which
// clauses were heard, when the caller spoke and when they talked over us.
// The call actor learns the proxy from its media_open event and knows
// nothing of WebSockets, JSON or audio.
//
// Replies are numbered by generation: every clause names the reply it
// belongs to, and a barge-in names the one it cleared, so a mark of a
// cleared reply is never taken for a clause the caller heard.
//
// Protocol:
//   (media_speak, generation, clause, text, language, interruptible)
//       clause `clause` (0, 1, ...) of reply `generation`: synthesised and
//       queued after everything already queued, followed by the mark
//       "g{generation}.c{clause}". Generation 0 is speech nobody tracks
//       (an operator's words). With interruptible false, the caller's
//       speech over this clause neither barges in nor becomes a turn.
//   (media_finish, generation)
//       nothing more will be said in `generation`: once it has played the
//       proxy listens (the silence re-prompt timer runs from then).
//   (media_stop_reply, generation)
//       the call gave up on `generation` (the caller pressed a key, the
//       call is transferring): its unplayed audio is cleared.
//   (media_close, reason)
//       closes the socket now (1000, `reason`); what was queued is lost,
//       so the call sends it only once the last mark came back.
#pragma once

#include <cstdint>
#include <string>

#include <caf/atom.hpp>
#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

namespace sb {

using media_speak_atom = caf::atom_constant<caf::atom("mspeak")>;
using media_finish_atom = caf::atom_constant<caf::atom("mfinish")>;
using media_stop_reply_atom = caf::atom_constant<caf::atom("mstopreply")>;
using media_close_atom = caf::atom_constant<caf::atom("mclose")>;

using media_peer =
  caf::typed_actor<caf::reacts_to<media_speak_atom, uint64_t, uint32_t,
                                  std::string, std::string, bool>,
                   caf::reacts_to<media_finish_atom, uint64_t>,
                   caf::reacts_to<media_stop_reply_atom, uint64_t>,
                   caf::reacts_to<media_close_atom, std::string>>;

} // namespace sb
