// Frame-level voice activity: is there speech in this 20 ms of the
// caller's 8 kHz audio? Three detectors answer, chosen by media.vad:
// energy (energy_vad.hpp), WebRTC's (webrtc_vad.hpp), or both (voiced only
// when both say so). The turn detector (turn_detector.hpp) turns their
// answers into the caller's turns. One detector per stream: each keeps
// state from frame to frame; not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <caf/expected.hpp>

namespace sb {

struct media_config;

/// The frame every detector takes: 20 ms of 8 kHz mono PCM.
constexpr int vad_frame_ms = 20;
constexpr int vad_sample_rate = 8000;
constexpr size_t vad_frame_samples = vad_sample_rate / 1000 * vad_frame_ms;

/// The level of `size` samples in dB relative to a full-scale square wave
/// (10·log10(mean(x²) / 32768²)); digital silence gives min_dbfs.
double level_dbfs(const int16_t* samples, size_t size);
constexpr double min_dbfs = -100.0;

/// dBFS of a mean square (sum of squares / samples); 0 gives min_dbfs.
double dbfs_of_power(double mean_square);

/// What a detector makes of one frame.
enum class vad_decision : uint8_t {
  silence,
  onset,  // sound that may be speech starting: not speech until confirmed
  speech, // speech (a detector that cannot tell onsets apart says this)
};

class voice_detector {
public:
  virtual ~voice_detector() = default;

  /// The frame of vad_frame_samples samples. Frames must come in stream
  /// order, one after the other.
  virtual vad_decision classify(const int16_t* frame) = 0;

  /// "energy", "webrtc" or "both".
  virtual std::string name() const = 0;
};

/// The detector media.vad names, with media.webrtc_aggressiveness.
/// Errors: errc::bad_config for an unknown name; errc::backend_failed when
/// WebRTC's audio processing cannot be set up.
caf::expected<std::unique_ptr<voice_detector>>
make_voice_detector(const media_config& cfg);

/// Speech only where both detectors say speech (media.vad = "both"):
/// silence where the first (the energy detector) hears nothing, an onset
/// where it hears sound but not both say speech. An onset may begin an
/// utterance's boundary but never makes one (turn_detector.hpp). Both see
/// every frame, so each keeps its own state as it would alone.
class both_vad final : public voice_detector {
public:
  both_vad(std::unique_ptr<voice_detector> first,
           std::unique_ptr<voice_detector> second);
  vad_decision classify(const int16_t* frame) override;
  std::string name() const override {
    return "both";
  }

private:
  std::unique_ptr<voice_detector> first_;
  std::unique_ptr<voice_detector> second_;
};

} // namespace sb
