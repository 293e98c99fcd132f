// How switchboard-sim prints a played call: one line per utterance,
// answer or callback, each answer with the time its TwiML took, so a slow
// turn stands out when reading the conversation.
#pragma once

#include <string>

#include "cli/sim/media_conversation.hpp"
#include "cli/sim/sim_call.hpp"

namespace sb {

/// The transcript of `result`, each line ending in '\n': "call CA..."
/// first, then "  caller:    ...", "  assistant: ...  (12.3 ms)" and
/// "  twilio:    ..." lines, notes in [brackets], and where the call was
/// hung up.
std::string format_transcript(const sim_result& result);

/// A latency as the transcript writes it: "12.3 ms".
std::string ms_text(double ms);

/// A Media Streams event as a transcript line. A caller's line: its text
/// and note. A reply: "assistant", "2.84 s of audio, marks g1.c0 g1.c1",
/// latency_ms the turn gap, and a note with the marks counted, the
/// playback gaps over opts.playback_gap (with the longest), what was cut
/// unplayed, each clear (seconds into the reply), the barge-in reaction
/// of an interrupted reply ("no clear within 3 s" past
/// opts.clear_timeout), and whether the gap runs from the stream's start
/// (no voice or key yet: the greeting) or the reply came unprompted.
sim_line media_transcript_line(const media_event& event,
                               const media_conversation_options& opts);

} // namespace sb
