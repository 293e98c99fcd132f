// The heard timeline: a vector of 16-bit samples indexed from the origin,
// grown with silence up to each piece of audio placed on it.
#include "cli/sim/heard_audio.hpp"

#include <algorithm>

namespace sb {

heard_audio::heard_audio(media_time origin) : origin_(origin) {
  // nop
}

int64_t heard_audio::index(media_time at) const {
  auto us =
    std::chrono::duration_cast<std::chrono::microseconds>(at - origin_).count();
  return std::clamp<int64_t>(us / 125, 0, max_seconds * phone_sample_rate);
}

void heard_audio::play(media_time at, std::string_view mulaw) {
  auto from = static_cast<size_t>(index(at));
  auto limit = static_cast<size_t>(max_seconds * phone_sample_rate);
  auto to = std::min(from + mulaw.size(), limit);
  if (to <= from)
    return;
  if (samples_.size() < to)
    samples_.resize(to, 0);
  for (size_t i = from; i < to; ++i)
    samples_[i] = mulaw_to_linear(static_cast<uint8_t>(mulaw[i - from]));
}

void heard_audio::cut(media_time at) {
  auto at_index = static_cast<size_t>(index(at));
  if (samples_.size() > at_index)
    samples_.resize(at_index);
}

pcm_audio heard_audio::recording(media_time until) const {
  pcm_audio out;
  out.sample_rate = phone_sample_rate;
  out.samples = samples_;
  auto length = static_cast<size_t>(index(until));
  if (out.samples.size() < length)
    out.samples.resize(length, 0);
  return out;
}

} // namespace sb
