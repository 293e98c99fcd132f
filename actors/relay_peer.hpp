// What a call actor says into its ConversationRelay WebSocket: the proxy
// actor of each WebSocket (app/relay_proxy) implements this interface and
// turns the messages into JSON frames (twilio/relay_frames.hpp). The call
// actor learns the proxy from its relay_open event and knows nothing of
// WebSockets or JSON.
//
// Protocol:
//   (relay_text, token, last)   one piece of the reply, untrimmed; `last`
//       ends the talk cycle (Twilio then listens to the caller).
//   (relay_end, handoff_data)   ends the session; Twilio posts
//       handoff_data (JSON text, may be empty) to /voice/relay-done.
//   (relay_digits, digits)      plays DTMF tones into the call.
//   (relay_language, language)  speaks and listens in `language` (BCP-47)
//       from now on.
#pragma once

#include <string>

#include <caf/atom.hpp>
#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

namespace sb {

using relay_text_atom = caf::atom_constant<caf::atom("rtext")>;
using relay_end_atom = caf::atom_constant<caf::atom("rend")>;
using relay_digits_atom = caf::atom_constant<caf::atom("rdigits")>;
using relay_language_atom = caf::atom_constant<caf::atom("rlanguage")>;

using relay_peer =
  caf::typed_actor<caf::reacts_to<relay_text_atom, std::string, bool>,
                   caf::reacts_to<relay_end_atom, std::string>,
                   caf::reacts_to<relay_digits_atom, std::string>,
                   caf::reacts_to<relay_language_atom, std::string>>;

} // namespace sb
