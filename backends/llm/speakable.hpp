// Turns a model's reply into text a speech engine can read aloud: models
// answer in markdown with emoji, code and lists even when told not to, and
// a TTS voice would read "asterisk asterisk" or a URL letter by letter.
// Pure function, no I/O; English and Hindi (Devanagari) alike.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sb {

/// The speakable part of `reply` (UTF-8), at most `max_chars` bytes:
///  - fenced code blocks (``` or ~~~, to the closing fence or the end) are
///    dropped entirely; inline code keeps its text, without backticks;
///  - markdown is stripped: headings (#), block quotes (>), bullet and
///    numbered list markers, horizontal rules, emphasis marks (* _ ~ and
///    `; an underscore inside a word stays), links and images
///    ([text](url) → text), HTML tags and <autolinks>; table rows become
///    their cells joined by ", " and separator rows vanish. A heading,
///    list item or table row that does not end in punctuation gets a "."
///    (a danda "।" if it holds Devanagari) so the voice pauses between
///    items;
///  - emoji and pictographs are dropped (U+1F000–U+1FAFF, U+2600–U+27BF,
///    U+2300–U+23FF, U+2B00–U+2BFF, variation selectors U+FE0E/U+FE0F,
///    ZWJ U+200D, keycap U+20E3, tags U+E0020–U+E007F), as are bytes that
///    are not valid UTF-8;
///  - whitespace (line breaks included) collapses to single spaces, with
///    none before , . ! ? ; : । ॥ and none at either end.
/// Devanagari, its vowel signs and the danda (।) pass through intact.
///
/// When the result is longer than `max_chars` bytes it is cut after the
/// last sentence end (. ! ? । ॥ followed by a space or the end) within
/// the first `max_chars` bytes; without one, at the last space within
/// them (dropping a trailing , ; :); without a space, at the last whole
/// UTF-8 sequence that fits. A UTF-8 sequence is never split. `max_chars`
/// counts bytes, so the result always fits a byte budget (a Hindi letter
/// is 3 bytes); 0 means no limit.
///
/// Returns "" when nothing speakable (a letter or digit of any script)
/// remains. Never fails.
std::string make_speakable(std::string_view reply, size_t max_chars);

} // namespace sb
