// Voice activity from loudness alone, after the classic two-threshold
// endpoint detectors: a run of sound opens when a frame's level stands
// enter_margin_db above the line's noise floor (and above min_dbfs),
// lasts while frames stay stay_margin_db above it, and is speech once one
// of its frames reaches peak_margin_db above the floor or speech_dbfs:
// vowels are loud, noise is not.
// Until then the run is an onset (its weak start still counts for the
// boundary). A run that stays below the peak for max_onset_frames is a
// new steady noise (a fan, a car, a line whose hiss just rose): the floor
// jumps to it and the run ends.
//
// The floor follows the quietest frame of the last second: down at once,
// up slowly, so speech, whose pauses keep dipping to the noise, does not
// lift it. Digital silence (a muted or silence-suppressed line) is no
// noise floor at all: it is never voiced and the floor ignores it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "backends/vad/voice_detector.hpp"

namespace sb {

/// The energy detector's constants; the defaults were measured on the
/// pocketsphinx test recordings through μ-law (tests/backends/vad/
/// boundaries_test.cpp prints the errors).
struct energy_vad_settings {
  double enter_margin_db = 7;     // a run opens: level > floor + this
  double stay_margin_db = 4;      // and goes on while level > floor + this
  double peak_margin_db = 21;     // it is speech once a frame is this loud
  double speech_dbfs = -30;       // ... or louder than this (phone speech)
  double min_dbfs = -55;          // never voiced below this level
  double silence_dbfs = -90;      // digital silence below: ignored by the floor
  double first_floor_dbfs = -55;  // the floor starts at most here
  int max_onset_frames = 10;      // an onset this long without a peak: noise
  int floor_window_frames = 50;   // the floor follows the minimum of 1 s
  double floor_rise_db = 0.1;     // (1..500 frames), rising per frame by
  double floor_rise_share = 0.02; // this plus this share of the distance
  int hangover_frames = 0;        // frames a run survives below stay margin
};

class energy_vad final : public voice_detector {
public:
  explicit energy_vad(energy_vad_settings settings = {});

  vad_decision classify(const int16_t* frame) override;
  std::string name() const override {
    return "energy";
  }

  /// The noise floor after the last frame, in dBFS.
  double floor_dbfs() const {
    return floor_;
  }

  /// The level of the last frame, in dBFS.
  double last_level_dbfs() const {
    return last_level_;
  }

private:
  void update_floor(double level);
  void reset_floor(double level);

  energy_vad_settings settings_;
  std::vector<double> window_; // the last floor_window_frames levels
  int window_at_ = 0;
  int window_filled_ = 0;
  double floor_ = min_dbfs;
  double last_level_ = min_dbfs;
  bool in_run_ = false;
  bool confirmed_ = false; // the run reached peak_margin_db
  int run_frames_ = 0;
  double run_min_ = 0; // quietest frame of the run
  int hangover_left_ = 0;
};

} // namespace sb
