// What the caller heard over a whole call, for switchboard-sim --heard:
// the daemon's audio placed on one timeline at the times the playout
// queue (media_playout) plays it, silence wherever nothing played, and
// audio that a clear or the stream's end dropped unplayed taken out
// again. 8 kHz 16-bit mono from the call's first stream on; later streams
// of the same call land on the same timeline. Pure, single-threaded.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "backends/audio/audio_format.hpp"
#include "cli/sim/media_playout.hpp"

namespace sb {

class heard_audio {
public:
  /// The longest call recorded, in seconds; audio beyond is not kept.
  static constexpr int64_t max_seconds = 4 * 3600;

  /// Time zero of the recording.
  explicit heard_audio(media_time origin);

  /// μ-law `mulaw` starts playing at `at` (as media_playout::audio()
  /// said). Audio before the origin is not kept.
  void play(media_time at, std::string_view mulaw);

  /// Nothing placed after `at` was heard: a clear or the stream's end
  /// dropped it. Audio placed before `at` stays.
  void cut(media_time at);

  /// The recording from the origin to `until` (or to the end of the last
  /// audio heard, if later), at 8 kHz.
  pcm_audio recording(media_time until) const;

private:
  // The sample index of `at`, clamped to [0, max_seconds * 8000].
  int64_t index(media_time at) const;

  media_time origin_;
  std::vector<int16_t> samples_;
};

} // namespace sb
