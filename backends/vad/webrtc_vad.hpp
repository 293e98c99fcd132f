// Voice activity from WebRTC's detector (a Gaussian-mixture model over
// six frequency bands, blind to level), through the public C++ interface
// of Debian's libwebrtc-audio-processing: an AudioProcessing module with
// only voice detection on, fed 10 ms frames at 8 kHz.
#pragma once

#include <memory>
#include <string>

#include <caf/expected.hpp>

#include "backends/vad/voice_detector.hpp"

namespace webrtc {
class AudioFrame;
class AudioProcessing;
} // namespace webrtc

namespace sb {

class webrtc_vad final : public voice_detector {
public:
  /// `aggressiveness` as media.webrtc_aggressiveness: 0 (least: voiced
  /// most readily) to 3 (most: fewest false detections), WebRTC's VAD
  /// modes, set through VoiceDetection's likelihood (kHighLikelihood for
  /// 0 .. kVeryLowLikelihood for 3); clamped to 0..3.
  /// Errors: errc::backend_failed naming the failing call.
  static caf::expected<std::unique_ptr<webrtc_vad>> create(int aggressiveness);

  ~webrtc_vad() override;

  /// Runs the 20 ms frame as two 10 ms frames: speech when WebRTC finds
  /// voice in either half (it has no onset state).
  vad_decision classify(const int16_t* frame) override;
  std::string name() const override {
    return "webrtc";
  }

private:
  webrtc_vad();

  struct apm_deleter {
    void operator()(webrtc::AudioProcessing* apm) const;
  };

  std::unique_ptr<webrtc::AudioProcessing, apm_deleter> apm_;
  std::unique_ptr<webrtc::AudioFrame> frame_; // ~7.7 kB: kept, not rebuilt
};

} // namespace sb
