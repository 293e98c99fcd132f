// The level helpers, the "both" combination and the factory media.vad
// drives.
#include "backends/vad/voice_detector.hpp"

#include <algorithm>
#include <cmath>

#include "backends/vad/energy_vad.hpp"
#include "backends/vad/webrtc_vad.hpp"
#include "core/config.hpp"
#include "core/error.hpp"

namespace sb {

double dbfs_of_power(double mean_square) {
  constexpr double full_scale = 32768.0 * 32768.0;
  if (mean_square <= 0)
    return min_dbfs;
  return std::max(min_dbfs, 10.0 * std::log10(mean_square / full_scale));
}

double level_dbfs(const int16_t* samples, size_t size) {
  if (size == 0)
    return min_dbfs;
  // 160 squares of at most 2^30 fit an int64 many times over.
  int64_t sum = 0;
  for (size_t i = 0; i < size; ++i)
    sum += int64_t{samples[i]} * samples[i];
  return dbfs_of_power(static_cast<double>(sum) / static_cast<double>(size));
}

both_vad::both_vad(std::unique_ptr<voice_detector> first,
                   std::unique_ptr<voice_detector> second)
  : first_(std::move(first)), second_(std::move(second)) {
}

vad_decision both_vad::classify(const int16_t* frame) {
  // Not short-circuited: each detector must see every frame.
  const vad_decision a = first_->classify(frame);
  const vad_decision b = second_->classify(frame);
  if (a == vad_decision::silence)
    return vad_decision::silence;
  return a == vad_decision::speech && b == vad_decision::speech
           ? vad_decision::speech
           : vad_decision::onset;
}

caf::expected<std::unique_ptr<voice_detector>>
make_voice_detector(const media_config& cfg) {
  if (cfg.vad == "energy")
    return std::unique_ptr<voice_detector>{std::make_unique<energy_vad>()};
  if (cfg.vad != "webrtc" && cfg.vad != "both")
    return make_error(errc::bad_config,
                      "media.vad: unknown detector \"" + cfg.vad + "\"");
  auto webrtc = webrtc_vad::create(cfg.webrtc_aggressiveness);
  if (!webrtc)
    return std::move(webrtc.error());
  if (cfg.vad == "webrtc")
    return std::unique_ptr<voice_detector>{std::move(*webrtc)};
  return std::unique_ptr<voice_detector>{std::make_unique<both_vad>(
    std::make_unique<energy_vad>(), std::move(*webrtc))};
}

} // namespace sb
