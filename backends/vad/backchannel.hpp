// Whether what the caller said over us was only a backchannel ("mm",
// "okay", "haan"): the listener's noises that mean "go on", which must
// never stop our reply. The turn detector's barge_in says the caller has
// spoken over us long enough; this rule, on the words, says whether that
// speech is an interruption. Pure functions, UTF-8 in any script.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "backends/vad/turn_detector.hpp"

namespace sb {

/// True when `text` has at least one word and every word of it is one of
/// `words` (media.backchannel_words): "Okay." and "mm, okay" and "हाँ जी"
/// are backchannels; "okay wait" is not, nor is "" (no words at all).
/// Words are cut as llm.goodbye_words are (goodbye_words_of in
/// backends/llm/goodbye_words.hpp): runs of letters and digits, any
/// script, ASCII letters without case, whole words only ("okay" does not
/// match "okayish"); an entry of several words allows each of them.
bool is_backchannel(std::string_view text,
                    const std::vector<std::string>& words);

/// The barge-in decision the call pipeline takes while we speak: after
/// the turn detector's barge_in for the utterance, stop speaking when the
/// words heard so far (the recogniser's partial or final transcript of
/// that utterance) hold a word that is not a backchannel. False while
/// nothing has been recognised yet: ask again as the transcript grows and
/// once more with the final one (an utterance that stays wordless, a
/// cough or our own echo, never interrupts).
bool should_interrupt(const barge_in& event, std::string_view transcript_so_far,
                      const std::vector<std::string>& backchannel_words);

} // namespace sb
