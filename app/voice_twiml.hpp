// Turns a call actor's voice_reply into the TwiML Twilio runs: speech is
// spoken inside a speech <Gather> (so the caller can barge in), followed by
// a <Redirect> back to process-speech for when the caller stays silent.
#pragma once

#include <string>

#include "actors/messages.hpp"
#include "core/config.hpp"

namespace sb {

/// listen: <Gather> with the speech, then <Redirect> to process-speech.
/// hangup: the speech, then <Hangup/>.
/// wait: the filler (or a one-second <Pause>), then <Redirect> to
///   /voice/await?turn=N.
/// REQUIRES: reply.action is not ack.
std::string render_twiml(const voice_reply& reply, const config& cfg);

} // namespace sb
