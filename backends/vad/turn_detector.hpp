// The caller's turns, from their audio alone: a pure state machine that
// takes 20 ms frames of 8 kHz PCM with their stream time and returns what
// happened (speech started, the turn ended, an utterance was dropped, the
// caller talked over us). No actor, no socket, no clock: every time is the
// stream time the frames carry, so the same audio always gives the same
// events. One per stream; not thread-safe.
//
// The rules, all from [media] (core/config.hpp):
// - Speech starts once speech_start_ms of voiced frames have come with no
//   unvoiced run longer than start_gap_ms between them, one of them
//   speech rather than an onset (voice_detector.hpp); speech_started
//   names the first of those frames (the detected start), so a soft onset
//   the detector was not yet sure of still counts.
// - The caller's turn ends after end_of_turn_ms without a voiced frame;
//   its end is the end of the last voiced frame. A turn that reaches
//   max_utterance_s ends there (turn_ended.capped).
// - A turn shorter than min_utterance_ms, or whose voiced frames average
//   below min_level_dbfs, is dropped instead (utterance_dropped says why).
// - While we speak (set_assistant_speaking(true)), the caller barges in
//   once their speech has lasted barge_in_ms: a separate, longer rule than
//   the start of speech, because our own voice echoing back from a
//   speakerphone starts speech too. Whether the words were only a
//   backchannel is decided on the transcript (backchannel.hpp).
// - Each utterance carries preroll_ms of the audio from before its
//   detected start, so that the recogniser hears the onset the detector
//   needed time to be sure of.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "backends/audio/audio_format.hpp"
#include "backends/vad/voice_detector.hpp"
#include "core/config.hpp"

namespace sb {

/// The caller started speaking (may still be dropped; see
/// utterance_dropped).
struct speech_started {
  int64_t start_ms = 0; // stream time of the detected start (no pre-roll)
  int64_t at_ms = 0;    // when it was decided (end of the deciding frame)
};

/// The caller's turn ended: their utterance, for the recogniser.
struct turn_ended {
  int64_t start_ms = 0;       // detected start, as speech_started said
  int64_t end_ms = 0;         // end of the last voiced frame
  int64_t at_ms = 0;          // when it was decided
  int64_t audio_start_ms = 0; // stream time of audio's first sample
  pcm_audio audio;            // 8 kHz: pre-roll, then start .. end
  double level_dbfs = 0;      // mean level of the voiced frames
  bool capped = false;        // ended by max_utterance_s
};

enum class drop_reason : uint8_t {
  too_short, // end - start < min_utterance_ms
  too_quiet, // level < min_level_dbfs
};

std::string to_string(drop_reason reason);

/// An utterance that started but is not a turn.
struct utterance_dropped {
  drop_reason reason = drop_reason::too_short;
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  int64_t at_ms = 0;
  double level_dbfs = 0;
};

/// The caller has spoken over us for barge_in_ms (once per utterance).
struct barge_in {
  int64_t start_ms = 0; // the utterance's detected start
  int64_t at_ms = 0;    // when it was decided
};

using turn_event =
  std::variant<speech_started, turn_ended, utterance_dropped, barge_in>;

/// The last preroll_ms of audio, in a ring of whole samples.
class preroll_ring {
public:
  explicit preroll_ring(size_t capacity) : ring_(capacity) {
  }

  void push(const int16_t* samples, size_t size);

  /// Appends the held samples, oldest first, to `out`.
  void copy_to(std::vector<int16_t>& out) const;

  size_t size() const {
    return size_;
  }
  void clear() {
    size_ = 0;
    at_ = 0;
  }

private:
  std::vector<int16_t> ring_;
  size_t at_ = 0; // next write
  size_t size_ = 0;
};

class turn_detector {
public:
  /// The longest unvoiced run inside the start of speech, in ms.
  static constexpr int start_gap_ms = 100;

  /// With the voice detector media.vad names.
  /// Errors: as make_voice_detector().
  static caf::expected<turn_detector> create(const media_config& cfg);

  turn_detector(const media_config& cfg, std::unique_ptr<voice_detector> vad);

  /// One frame of vad_frame_samples samples (20 ms at 8 kHz) starting at
  /// stream time `at_ms`; frames come in order, one after the other.
  /// Returns the events the frame caused, in order (usually none).
  std::vector<turn_event> process(const int16_t* frame, int64_t at_ms);

  /// The stream ended: an utterance in progress ends here as if its
  /// silence had run out (turn_ended or utterance_dropped); a start not
  /// yet confirmed is forgotten.
  std::vector<turn_event> finish();

  /// Whether we are speaking to the caller now (barge-in applies). Speech
  /// already under way counts towards barge_in_ms from the next frame.
  void set_assistant_speaking(bool speaking);
  bool assistant_speaking() const {
    return assistant_speaking_;
  }

  /// True between speech_started and the turn's end.
  bool in_utterance() const {
    return phase_ == phase::speech;
  }

  /// The audio of the utterance in progress so far (pre-roll first), for a
  /// recogniser that decodes while the caller speaks; empty outside one.
  const std::vector<int16_t>& utterance_audio() const {
    return audio_;
  }

  /// The voice detector's name ("energy", "webrtc", "both").
  std::string detector_name() const {
    return vad_->name();
  }

private:
  enum class phase : uint8_t { silence, candidate, speech };

  void start_candidate(int64_t at_ms);
  void abandon_candidate();
  void end_utterance(int64_t at_ms, bool capped, std::vector<turn_event>& out);

  media_config cfg_;
  std::unique_ptr<voice_detector> vad_;
  preroll_ring preroll_;
  phase phase_ = phase::silence;
  bool assistant_speaking_ = false;
  int64_t speaking_from_ms_ = -1; // first frame we spoke over, -1 none yet
  bool barged_in_ = false;
  int64_t next_ms_ = 0;  // end of the last frame seen
  int64_t start_ms_ = 0; // candidate or utterance start
  int64_t last_voiced_end_ms_ = 0;
  int voiced_ms_ = 0;       // candidate: voiced time so far
  bool confirmed_ = false;  // candidate: a frame was speech
  int unvoiced_run_ms_ = 0; // since the last voiced frame
  double voiced_power_ = 0; // sum of the voiced frames' mean squares
  int voiced_frames_ = 0;
  std::vector<int16_t> audio_; // pre-roll + frames since start_ms_
  size_t preroll_samples_ = 0; // leading samples of audio_ before start
};

} // namespace sb
