// Where the caller's voice ends, as the simulator measures a turn gap:
// each 20 ms frame of the caller's μ-law audio is voiced when its level is
// above a fixed threshold (-40 dBFS by default), and the tracker keeps
// when the last voiced frame was sent. The silence espeak-ng pads an
// utterance with, and the silence Twilio streams between utterances, are
// not voice, so a turn gap runs from the end of the words, not of the
// audio. Pure: no clock of its own, no I/O, single-threaded.
#pragma once

#include <optional>
#include <string_view>

#include "cli/sim/media_playout.hpp"

namespace sb {

/// The RMS level of μ-law `frame` in dB relative to full scale (a full-
/// scale square wave is 0 dBFS); minus infinity for digital silence or an
/// empty frame.
double mulaw_level_dbfs(std::string_view frame);

class voiced_frames {
public:
  explicit voiced_frames(double threshold_dbfs = -40.0);

  /// One frame of the caller's audio, sent at `sent`. A frame goes out
  /// once its 20 ms have been spoken, so `sent` is when its audio ends.
  /// Returns whether it is voiced.
  bool add(media_time sent, std::string_view frame);

  /// When the last voiced frame was sent; nullopt before any.
  std::optional<media_time> last_voiced() const {
    return last_voiced_;
  }

  double threshold_dbfs() const {
    return threshold_dbfs_;
  }

private:
  double threshold_dbfs_;
  std::optional<media_time> last_voiced_;
};

} // namespace sb
