// The caller's side of a Media Streams call as audio: each line of the
// script (cli/sim/sim_script.hpp) with the 8 kHz μ-law the caller says.
// Speech is synthesised by espeak-ng on the simulator's side (the
// project's in-process wrapper, backends/tts), a Hindi voice for lines in
// Devanagari and US English otherwise; `wav` files are read (16-bit PCM
// or μ-law, mono or stereo mixed down, any rate) and resampled with
// libsoxr (backends/audio). Done once, before the call starts, so a bad
// file fails the run before any webhook is posted; the load runner
// shares one prepared script among all its calls.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "backends/audio/audio_format.hpp"
#include "cli/sim/sim_script.hpp"

namespace sb {

struct media_line {
  sim_step step;
  std::string audio; // speech, wav, interrupt: 8 kHz μ-law; else empty
  std::string shown; // how the transcript shows it: the words, [wav FILE]
};

using media_script = std::vector<media_line>;

/// `pcm` at 8 kHz, μ-law coded. Errors: as resample().
caf::expected<std::string> phone_mulaw(const pcm_audio& pcm);

/// The WAV file at `path` as 8 kHz μ-law. Errors: errc::not_found if it
/// cannot be read, else as read_wav() and resample(); each names the path.
caf::expected<std::string> wav_file_mulaw(const std::string& path);

/// Every step of `steps` with its audio: speech synthesised, each
/// distinct text once; WAV files read. Errors: errc::bad_request "line
/// N: why" (a file that cannot be read or decoded, espeak-ng refusing the
/// words), errc::bad_config if espeak-ng cannot start.
caf::expected<media_script>
prepare_media_script(const std::vector<sim_step>& steps);

/// The length of μ-law `audio` in seconds.
double mulaw_seconds(const std::string& audio);

} // namespace sb
