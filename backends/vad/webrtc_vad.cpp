// webrtc_vad over AudioProcessing. The module configures itself from the
// first frame's format (8 kHz, mono); every other component (echo
// cancellation, noise suppression, gain control, high-pass filter) stays
// off, so ProcessStream only runs the detector and leaves the samples as
// they were.
#include "backends/vad/webrtc_vad.hpp"

#include <algorithm>
#include <string>

#include <webrtc/modules/audio_processing/include/audio_processing.h>
#include <webrtc/modules/interface/module_common_types.h>

#include "core/error.hpp"

namespace sb {

namespace {

constexpr size_t half_frame = vad_frame_samples / 2; // 10 ms

caf::error apm_failed(const std::string& call, int code) {
  return make_error(errc::backend_failed, "webrtc_vad: " + call
                                            + " failed with "
                                            + std::to_string(code));
}

} // namespace

void webrtc_vad::apm_deleter::operator()(webrtc::AudioProcessing* apm) const {
  delete apm;
}

webrtc_vad::webrtc_vad() : frame_(std::make_unique<webrtc::AudioFrame>()) {
}

webrtc_vad::~webrtc_vad() = default;

caf::expected<std::unique_ptr<webrtc_vad>>
webrtc_vad::create(int aggressiveness) {
  std::unique_ptr<webrtc_vad> vad{new webrtc_vad()};
  vad->apm_.reset(webrtc::AudioProcessing::Create());
  if (!vad->apm_)
    return make_error(errc::backend_failed,
                      "webrtc_vad: AudioProcessing::Create failed");
  auto* detection = vad->apm_->voice_detection();
  if (int rc = detection->Enable(true); rc != webrtc::AudioProcessing::kNoError)
    return apm_failed("voice_detection()->Enable", rc);
  // Likelihood is the inverse of WebRTC's VAD mode: kVeryLowLikelihood
  // (0) runs mode 3, the most aggressive.
  const int mode = std::clamp(aggressiveness, 0, 3);
  const auto likelihood = static_cast<webrtc::VoiceDetection::Likelihood>(
    3 - mode);
  if (int rc = detection->set_likelihood(likelihood);
      rc != webrtc::AudioProcessing::kNoError)
    return apm_failed("voice_detection()->set_likelihood", rc);
  auto& f = *vad->frame_;
  f.sample_rate_hz_ = vad_sample_rate;
  f.num_channels_ = 1;
  f.samples_per_channel_ = half_frame;
  return vad;
}

vad_decision webrtc_vad::classify(const int16_t* frame) {
  bool any = false;
  for (size_t half = 0; half < 2; ++half) {
    auto& f = *frame_;
    // ProcessStream may rewrite the format fields; set them each time.
    f.sample_rate_hz_ = vad_sample_rate;
    f.num_channels_ = 1;
    f.samples_per_channel_ = half_frame;
    std::copy(frame + half * half_frame, frame + (half + 1) * half_frame,
              f.data_);
    if (apm_->ProcessStream(&f) != webrtc::AudioProcessing::kNoError)
      continue; // a frame the module refused says nothing: not voiced
    any = apm_->voice_detection()->stream_has_voice() || any;
  }
  return any ? vad_decision::speech : vad_decision::silence;
}

} // namespace sb
