// Plays one phone call against a daemon whose voice.transport is "media",
// the way Twilio's Media Streams would: the answered-call webhook, whose
// TwiML must <Connect> a <Stream>; the WebSocket upgrade to its url,
// signed; connected and start (the <Parameter>s as customParameters); the
// stream-started status callback; then the caller's audio as a media
// frame every 20 ms for as long as the stream lasts (the script's speech
// synthesised by espeak-ng, WAV files, silence in between), the daemon's
// audio played through Twilio's playout queue with each mark echoed when
// played and a clear flushing it. When the daemon closes the socket the
// <Connect action> is posted and its TwiML followed: a new <Stream>
// (reconnected), <Dial> (a transfer) or <Hangup/>. When the script runs
// out the caller hangs up: stop, the socket closed (1000), the
// stream-stopped callback, then the call's status callbacks as in
// play_script().
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "cli/sim/media_conversation.hpp"
#include "cli/sim/media_script.hpp"
#include "cli/sim/sim_call.hpp"
#include "net/client/http_client.hpp"

namespace sb {

struct media_sim_options {
  /// A reply is over once Twilio's queue has been empty, with no audio
  /// arriving, for this long (--reply-quiet).
  std::chrono::milliseconds reply_quiet{1200};
  media_conversation_options conversation;
  /// Where to write what the caller heard (--heard): the call's playout
  /// timeline as 8 kHz 16-bit mono WAV. Empty: not written.
  std::string heard_path;
  /// Bounds connecting the WebSocket, each send and the closing handshake.
  std::chrono::milliseconds io_timeout{10000};
};

/// Plays the call; `opts` as for play_script (status callbacks, recording
/// and AMD included; confidence is not sent, the caller's words are
/// audio). The transcript has the caller's lines (the words, [wav FILE],
/// [digits], [pause]...), each reply heard ("2.84 s of audio, marks g1.c0
/// g1.c1") with its turn gap as latency_ms and the playback gaps, clears
/// and barge-in reaction in its note, and Twilio's lines: each stream
/// opened, its status callbacks, the daemon closing it, the <Connect
/// action> posted, a transfer. Never throws; a protocol, HTTP or
/// WebSocket failure, or a reply that does not come, ends the call early
/// and is described in result.error (an unwritable --heard file too).
/// REQUIRES: opts.base_url is http://HOST[:PORT] (the WebSocket goes to
/// that listener, whatever host the TwiML's url names); `script` not null.
sim_result play_media_script(http_client& client, const sim_call_options& opts,
                             std::shared_ptr<const media_script> script,
                             const media_sim_options& media);

} // namespace sb
