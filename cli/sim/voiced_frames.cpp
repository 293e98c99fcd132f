// The level of a frame: μ-law decoded to linear PCM (backends/audio), the
// mean of the squares against full scale, in decibels.
#include "cli/sim/voiced_frames.hpp"

#include <cmath>
#include <limits>

#include "backends/audio/audio_format.hpp"

namespace sb {

double mulaw_level_dbfs(std::string_view frame) {
  double sum = 0;
  for (char c : frame) {
    double s = mulaw_to_linear(static_cast<uint8_t>(c));
    sum += s * s;
  }
  if (sum <= 0)
    return -std::numeric_limits<double>::infinity();
  double mean = sum / static_cast<double>(frame.size());
  return 10 * std::log10(mean / (32768.0 * 32768.0));
}

voiced_frames::voiced_frames(double threshold_dbfs)
  : threshold_dbfs_(threshold_dbfs) {
  // nop
}

bool voiced_frames::add(media_time sent, std::string_view frame) {
  bool voiced = mulaw_level_dbfs(frame) > threshold_dbfs_;
  if (voiced)
    last_voiced_ = sent;
  return voiced;
}

} // namespace sb
