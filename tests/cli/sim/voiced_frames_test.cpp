// Tests for cli/sim/voiced_frames: the level of a μ-law frame and where
// the caller's voice ends, with explicit send times: loud frames are
// voice, silence and quiet hiss are not, and the last voiced frame's send
// time is kept.
#include "cli/sim/voiced_frames.hpp"

#include <cmath>
#include <string>

#include <catch2/catch.hpp>

#include "backends/audio/audio_format.hpp"

namespace {

using namespace std::chrono_literals;

const sb::media_time t0 = sb::media_time{} + 50s;

// 160 samples of a square wave of amplitude `amp`.
std::string square_frame(int16_t amp) {
  std::string out;
  for (int i = 0; i < 160; ++i)
    out.push_back(static_cast<char>(
      sb::linear_to_mulaw(static_cast<int16_t>(i % 2 ? amp : -amp))));
  return out;
}

} // namespace

TEST_CASE("a frame's level is its RMS against full scale", "[voiced_frames]") {
  CHECK(std::isinf(sb::mulaw_level_dbfs(std::string(160, '\xFF'))));
  CHECK(std::isinf(sb::mulaw_level_dbfs("")));
  // Amplitude 3277 is a tenth of full scale: -20 dBFS, within μ-law's
  // quantisation.
  CHECK(sb::mulaw_level_dbfs(square_frame(3277)) == Approx(-20).margin(0.3));
  CHECK(sb::mulaw_level_dbfs(square_frame(328)) == Approx(-40).margin(0.5));
}

TEST_CASE("the last voiced frame is the last one above the threshold",
          "[voiced_frames]") {
  sb::voiced_frames voice;
  CHECK(voice.threshold_dbfs() == -40.0);
  CHECK_FALSE(voice.last_voiced());
  CHECK_FALSE(voice.add(t0, std::string(160, '\xFF')));
  CHECK_FALSE(voice.last_voiced());
  CHECK(voice.add(t0 + 20ms, square_frame(8000)));
  CHECK(voice.add(t0 + 40ms, square_frame(2000)));
  // Trailing hiss at -50 dBFS, as a synthesiser's tail, is not voice.
  CHECK_FALSE(voice.add(t0 + 60ms, square_frame(104)));
  CHECK_FALSE(voice.add(t0 + 80ms, std::string(160, '\xFF')));
  REQUIRE(voice.last_voiced());
  CHECK(*voice.last_voiced() == t0 + 40ms);
}

TEST_CASE("the threshold is the caller's to choose", "[voiced_frames]") {
  sb::voiced_frames strict{-10.0};
  CHECK_FALSE(strict.add(t0, square_frame(3277)));
  CHECK(strict.add(t0, square_frame(32000)));
}
