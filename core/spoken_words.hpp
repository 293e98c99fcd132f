// Spoken words and the word lists of the configuration: one way to cut a
// caller's words, in any script, and to find a listed phrase in them. The
// LLM pool ends a call when the caller's last words hold one of
// llm.goodbye_words; the barge-in rule (backends/vad/backchannel) lets a
// reply go on when the caller said only media.backchannel_words. Pure
// functions, no I/O, UTF-8 in any script (English and Hindi in practice).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sb {

/// True if `speech` contains one of `phrases` as whole words, anywhere in
/// it ("okay, thanks, bye!" says "bye"; so does "I never said bye to
/// her": a phrase anywhere counts, as the scripted goodbye rule does).
///
/// Both texts are cut into words the same way: a word is a run of ASCII
/// letters and digits and of non-ASCII characters other than the
/// separators below; everything else separates words. So "bye" does not
/// match in "maybe", "abyss", "byelaw" or "byeee" (list "byeee" to end on
/// it), and Hindi words end only at a separator, so "बाय" does not match
/// in "बायाँ" (a vowel sign continues a word). A phrase of several words
/// ("फिर मिलेंगे", "see you") matches those words in order, next to each
/// other, whatever separates them ("see  you", "see-you", "फिर मिलेंगे।").
/// ASCII letters compare without case; other scripts compare as written
/// (Devanagari has no case).
///
/// Separators: ASCII characters other than letters and digits; the
/// danda and double danda (U+0964, U+0965) and the Devanagari abbreviation
/// sign (U+0970); no-break space and Latin-1 punctuation (U+00A0, U+00A1,
/// U+00AB, U+00BB, U+00BF); the Unicode spaces, dashes, quotes and
/// punctuation of U+2000..U+200B and U+2010..U+206F (the zero-width
/// joiners U+200C/U+200D stay inside words, as Devanagari uses them);
/// U+3000..U+3002; U+FEFF. A byte that is not valid UTF-8 is part of a
/// word.
///
/// A phrase with no word in it never matches; no phrases, never true.
/// Never fails.
bool holds_phrase(std::string_view speech,
                  const std::vector<std::string>& phrases);

/// The words of `text` as holds_phrase cuts them, ASCII letters lowered:
/// "Okay, BYE-bye!" -> {"okay", "bye", "bye"}.
std::vector<std::string> spoken_words(std::string_view text);

} // namespace sb
