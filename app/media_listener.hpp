// The caller's side of one media stream, from Twilio's frames to the
// recogniser's input: each frame's μ-law goes on the stream's timeline
// (backends/audio/mulaw_timeline), is cut into 20 ms frames for the turn
// detector (backends/vad/turn_detector), and while the caller speaks their
// audio is upsampled to 16 kHz into an utterance feed
// (backends/stt/utterance_feed) that the speech-recognition pool decodes
// as it grows. No actor, no socket: the media proxy hands it frames and
// acts on what it returns. Not thread-safe; one per stream.
#pragma once

#include <cstdint>
#include <string_view>
#include <variant>
#include <vector>

#include <caf/expected.hpp>

#include "backends/audio/mulaw_timeline.hpp"
#include "backends/audio/stream_resampler.hpp"
#include "backends/stt/utterance_feed.hpp"
#include "backends/vad/turn_detector.hpp"
#include "core/config.hpp"

namespace sb {

class media_listener {
public:
  /// The caller started speaking: `feed` holds the utterance so far
  /// (pre-roll first) and grows with every frame until the turn ends.
  struct started {
    utterance_ptr feed;
    speech_started speech;
  };
  /// The caller's turn ended: `feed` is finished.
  struct ended {
    utterance_ptr feed;
    turn_ended turn;
  };
  /// The utterance was not a turn: its feed is cancelled.
  struct dropped {
    utterance_dropped why;
  };
  /// The caller has talked over us for media.barge_in_ms.
  struct barged {
    barge_in event;
  };
  using event = std::variant<started, ended, dropped, barged>;

  /// Errors: as turn_detector::create() and stream_resampler::create().
  static caf::expected<media_listener> create(const media_config& cfg);

  /// One inbound frame: `mulaw` (decoded payload) at `timestamp_ms` of
  /// the stream. Returns what the audio it completed caused, in order.
  std::vector<event> hear(int64_t timestamp_ms, std::string_view mulaw);

  /// The stream ended: an utterance in progress ends here.
  std::vector<event> finish();

  /// Whether we are speaking to the caller now (barge-in applies).
  void set_speaking(bool speaking) {
    detector_.set_assistant_speaking(speaking);
  }

  bool in_utterance() const {
    return detector_.in_utterance();
  }

  /// What the last hear() did with its frame on the timeline.
  const mulaw_timeline::placement& last_placement() const {
    return placement_;
  }

  /// Gap audio skipped (beyond mulaw_timeline's limit), in samples.
  int64_t skipped_samples() const {
    return timeline_.skipped_samples();
  }

private:
  media_listener(turn_detector detector, stream_resampler resampler);
  void upsample_into(const int16_t* samples, size_t size);
  void handle(std::vector<turn_event>& events, std::vector<event>& out,
              bool& fed);

  mulaw_timeline timeline_;
  turn_detector detector_;
  stream_resampler resampler_;
  utterance_ptr feed_; // the utterance in progress, or null
  mulaw_timeline::placement placement_;
  std::vector<int16_t> frame_;
  std::vector<int16_t> upsampled_;
};

} // namespace sb
