// The caller's side of a simulated call, read from a script file: one
// utterance a line, with directives for what a caller does besides
// talking. The format (also in switchboard-sim --help):
//
//   # a comment (only where a line starts with '#')
//   hello                     speech, sent as SpeechResult
//   [0.55] I need help        speech with Confidence 0.55 (0 to 1)
//   silence                   no input: the <Gather> times out
//   digits 1234#              keys pressed, sent as Digits (up to the
//                             <Gather>'s finishOnKey, '#' by default)
//   pause 2.5                 the caller waits 2.5 s (0 to 600)
//
// and, played only over Media Streams (--transport media), where the
// caller's side is audio:
//
//   wav hello.wav             the caller's speech from a WAV file
//   silence 3                 3 s of silence (0 to 600)
//   interrupt 1.5: wait       talks over the reply 1.5 s into it
//   interrupt 1.5 wav x.wav   the same, from a WAV file
//
// Blank lines are skipped. A directive is recognised only in exactly that
// form; any other line is speech, and a [confidence] prefix makes the rest
// of the line speech verbatim ("[0.9] silence" says the word). Two forms
// are refused rather than said: `wav` without a file, and an `interrupt`
// line with a ':' or a `wav` whose seconds are not a number.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <caf/expected.hpp>

namespace sb {

enum class sim_step_kind { speech, silence, digits, pause, wav, interrupt };

struct sim_step {
  sim_step_kind kind = sim_step_kind::speech;
  std::string text; // speech, interrupt: the words; digits: the keys
  std::optional<double> confidence; // speech: Confidence; empty = default
  double seconds = 0;   // pause: its length; silence: its length (0: plain
                        // `silence`, no input); interrupt: how far into
                        // the reply the caller starts talking
  std::string wav_path; // wav, and interrupt ... wav: the caller's audio
  int line = 0;         // where it came from (0: an argument)
};

/// Parses a script. Errors: errc::bad_request, "line N: why" (a confidence
/// that is not a number in [0, 1] or has no words after it, seconds out of
/// range, a `wav` line without a file, an `interrupt` line whose seconds
/// are not a number or that has nothing to say, a line that is not valid
/// UTF-8).
caf::expected<std::vector<sim_step>> parse_script(std::string_view text);

/// Reads and parses the file at `path` ("-" reads standard input). Errors
/// name the path: errc::not_found if it cannot be read, else as above.
caf::expected<std::vector<sim_step>> read_script_file(const std::string& path);

/// Each utterance as a speech step, verbatim (command-line arguments).
std::vector<sim_step> speech_steps(const std::vector<std::string>& utterances);

/// True for a step only Media Streams can play (wav, interrupt, silence
/// with seconds): the <Gather> and ConversationRelay players send words,
/// not audio.
bool media_only(const sim_step& step);

/// The first media_only() step, or nullptr.
const sim_step* first_media_only_step(const std::vector<sim_step>& steps);

/// "line N: this line plays only over --transport media" (an argument
/// has no line: "this line ...").
std::string media_only_error(const sim_step& step);

} // namespace sb
