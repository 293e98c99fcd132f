// How switchboard-sim prints a played call: one line per utterance,
// answer or callback, each answer with the time its TwiML took, so a slow
// turn stands out when reading the conversation.
#pragma once

#include <string>

#include "cli/sim/sim_call.hpp"

namespace sb {

/// The transcript of `result`, each line ending in '\n': "call CA..."
/// first, then "  caller:    ...", "  assistant: ...  (12.3 ms)" and
/// "  twilio:    ..." lines, notes in [brackets], and where the call was
/// hung up.
std::string format_transcript(const sim_result& result);

/// A latency as the transcript writes it: "12.3 ms".
std::string ms_text(double ms);

} // namespace sb
