// Plays one phone call against a daemon whose voice.transport is "relay",
// the way Twilio's ConversationRelay would: the answered-call webhook,
// whose TwiML must <Connect> a <ConversationRelay>; the WebSocket upgrade
// to its url, signed; the setup frame; then the caller's script as
// prompt, dtmf and interrupt frames, each reply read as the daemon
// streams it (text frames up to the one whose `last` is true). When the
// daemon sends `end`, the socket is closed and the <Connect action>
// (/voice/relay-done) is posted; its TwiML may transfer the call
// (<Dial>), hang up, or reconnect to a new session, which plays the rest
// of the script. When the script runs out the caller hangs up: the socket
// is closed (1000), relay-done is posted with SessionStatus=completed,
// and the status callbacks end the call as in play_script().
#pragma once

#include <chrono>
#include <functional>
#include <string_view>
#include <vector>

#include "cli/sim/sim_call.hpp"
#include "cli/sim/sim_script.hpp"
#include "net/client/http_client.hpp"

namespace sb {

struct relay_sim_options {
  /// After this many text frames of a reply, the caller talks over it: an
  /// interrupt frame carrying the tokens heard so far, then the reply's
  /// closing frame (`last` true) is awaited. 0: never interrupt.
  int interrupt_after_tokens = 0;
  /// Called with each non-empty token the caller hears, as it arrives.
  std::function<void(std::string_view)> on_token;
  /// Called when a reply is over (finished, interrupted or cut short).
  std::function<void()> on_reply_end;
  /// The longest wait for each frame of a reply.
  std::chrono::milliseconds frame_timeout{20000};
  /// How long the caller stays quiet and listens where no reply is due,
  /// going on as soon as one reply has been heard: after pressing keys,
  /// on a `silence` line, and before hanging up when the script runs out
  /// (the daemon may end the session then). A `pause` line listens for
  /// its own time, to the end. After each reply, an end the daemon has
  /// already sent behind it is taken before the caller talks on.
  std::chrono::milliseconds listen{1000};
  /// Bounds connecting the WebSocket, each send and the closing handshake.
  std::chrono::milliseconds io_timeout{10000};
};

/// Plays the call over ConversationRelay; `opts` as for play_script (the
/// status callbacks, recording and AMD options included; confidence is
/// not sent, ConversationRelay has no such field). The transcript has the
/// caller's lines; the assistant's: the welcomeGreeting, then each reply
/// joined from its tokens with latency_ms the time from the prompt to the
/// first text frame and a note with the token count and the time to the
/// last one; Twilio's: each session opened, each sendDigits, the
/// session's end with its handoffData, every relay-done posted, and a
/// transfer ("transferred to +1..."). Never throws; a protocol, HTTP or
/// WebSocket failure ends the call early and is described in
/// result.error.
/// REQUIRES: opts.base_url is http://HOST[:PORT] (the WebSocket goes to
/// that listener, whatever host the TwiML's url names).
sim_result play_relay_script(http_client& client, const sim_call_options& opts,
                             const std::vector<sim_step>& steps,
                             const relay_sim_options& relay);

} // namespace sb
