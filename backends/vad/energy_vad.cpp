// The energy detector: per-frame dBFS against an adaptive floor, with the
// run state (open, confirmed, hangover) that makes it a two-threshold
// detector. A frame costs about 0.13 µs in all (bench/README.md).
#include "backends/vad/energy_vad.hpp"

#include <algorithm>

namespace sb {

energy_vad::energy_vad(energy_vad_settings settings)
  : settings_(settings),
    window_(
      static_cast<size_t>(std::clamp(settings.floor_window_frames, 1, 500))) {
}

void energy_vad::update_floor(double level) {
  const int size = static_cast<int>(window_.size());
  window_[static_cast<size_t>(window_at_)] = level;
  window_at_ = (window_at_ + 1) % size;
  const bool first = window_filled_ == 0;
  if (window_filled_ < size)
    ++window_filled_;
  const double recent_min = *std::min_element(window_.begin(),
                                              window_.begin() + window_filled_);
  if (first) {
    floor_ = std::min(level, settings_.first_floor_dbfs);
  } else if (recent_min <= floor_) {
    floor_ = recent_min;
  } else {
    const double rise = settings_.floor_rise_db
                        + settings_.floor_rise_share * (recent_min - floor_);
    floor_ = std::min(recent_min, floor_ + rise);
  }
}

void energy_vad::reset_floor(double level) {
  // The whole window forgets the quieter past, or the next frame's
  // minimum would take the floor straight back down.
  std::fill(window_.begin(), window_.end(), level);
  window_filled_ = static_cast<int>(window_.size());
  floor_ = level;
}

vad_decision energy_vad::classify(const int16_t* frame) {
  const double level = level_dbfs(frame, vad_frame_samples);
  last_level_ = level;
  if (level <= settings_.silence_dbfs) {
    in_run_ = false;
    hangover_left_ = 0;
    return vad_decision::silence;
  }
  update_floor(level);
  const bool audible = level > settings_.min_dbfs;
  if (!in_run_) {
    if (!audible || level <= floor_ + settings_.enter_margin_db)
      return vad_decision::silence;
    in_run_ = true;
    confirmed_ = false;
    hangover_left_ = settings_.hangover_frames;
    run_frames_ = 0;
    run_min_ = level;
  } else if (audible && level > floor_ + settings_.stay_margin_db) {
    hangover_left_ = settings_.hangover_frames;
  } else if (hangover_left_ > 0) {
    --hangover_left_;
  } else {
    in_run_ = false;
    return vad_decision::silence;
  }
  ++run_frames_;
  run_min_ = std::min(run_min_, level);
  if (level > floor_ + settings_.peak_margin_db
      || level > settings_.speech_dbfs)
    confirmed_ = true;
  if (confirmed_)
    return vad_decision::speech;
  if (run_frames_ >= settings_.max_onset_frames) {
    // Sound this long and never loud: the line's new noise.
    reset_floor(run_min_);
    in_run_ = false;
    return vad_decision::silence;
  }
  return vad_decision::onset;
}

} // namespace sb
