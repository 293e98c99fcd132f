// Tests for backends/audio/audio_resampler: espeak's 22050 Hz down to the
// phone's 8000 Hz keeps length, level and pitch of in-band content, and
// the edge cases (same rate, empty input, bad rates) behave as documented.
#include <cmath>
#include <cstdlib>

#include <catch2/catch.hpp>

#include "backends/audio/audio_resampler.hpp"
#include "core/error.hpp"

namespace {

constexpr double pi = 3.14159265358979323846;

// A linear sweep from f0 to f1 Hz over `seconds`, at `amplitude`.
sb::pcm_audio sweep(int rate, double f0, double f1, double seconds,
                    double amplitude) {
  sb::pcm_audio out{rate, {}};
  const auto n = static_cast<size_t>(rate * seconds);
  for (size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / rate;
    const double phase = 2 * pi * (f0 * t + (f1 - f0) * t * t / (2 * seconds));
    out.samples.push_back(static_cast<int16_t>(amplitude * std::sin(phase)));
  }
  return out;
}

// RMS of samples [from, to).
double rms(const std::vector<int16_t>& s, size_t from, size_t to) {
  double sum = 0;
  for (size_t i = from; i < to; ++i)
    sum += static_cast<double>(s[i]) * s[i];
  return std::sqrt(sum / static_cast<double>(to - from));
}

size_t sign_changes(const std::vector<int16_t>& s, size_t from, size_t to) {
  size_t n = 0;
  for (size_t i = from + 1; i < to; ++i)
    if ((s[i - 1] < 0) != (s[i] < 0))
      ++n;
  return n;
}

} // namespace

TEST_CASE("a 100-3000 Hz sweep survives 22050 -> 8000 Hz", "[resample]") {
  const auto in = sweep(22050, 100, 3000, 2.0, 12000);
  auto out = sb::resample(in, 8000);
  REQUIRE(out);
  CHECK(out->sample_rate == 8000);
  const double ratio = static_cast<double>(out->samples.size())
                       / static_cast<double>(in.samples.size());
  CHECK(ratio == Approx(8000.0 / 22050.0).epsilon(0.002));
  // Compare levels away from the filter's start-up and tail.
  const double in_rms = rms(in.samples, 2205, in.samples.size() - 2205);
  const double out_rms = rms(out->samples, 800, out->samples.size() - 800);
  CHECK(out_rms == Approx(in_rms).epsilon(0.03));
  int peak = 0;
  for (auto s : out->samples)
    peak = std::max(peak, std::abs(static_cast<int>(s)));
  CHECK(peak < 12000 * 1.1); // no ringing to speak of, far from clipping
  CHECK(peak > 12000 * 0.9);
}

TEST_CASE("a 1 kHz tone keeps its pitch", "[resample]") {
  const auto in = sweep(22050, 1000, 1000, 1.0, 10000);
  auto out = sb::resample(in, 8000);
  REQUIRE(out);
  // Two sign changes per period over the middle 0.5 s (4000 samples).
  const size_t changes = sign_changes(out->samples, 2000, 6000);
  const double hz = changes / 2.0 / 0.5;
  CHECK(hz == Approx(1000).epsilon(0.01));
  CHECK(rms(out->samples, 2000, 6000)
        == Approx(10000 / std::sqrt(2.0)).epsilon(0.02));
}

TEST_CASE("content above the new Nyquist frequency is filtered out",
          "[resample]") {
  // 6 kHz cannot exist at 8 kHz; aliasing would fold it to 2 kHz.
  const auto in = sweep(22050, 6000, 6000, 1.0, 10000);
  auto out = sb::resample(in, 8000);
  REQUIRE(out);
  CHECK(rms(out->samples, 800, out->samples.size() - 800) < 100);
}

TEST_CASE("full-scale input clips instead of wrapping", "[resample]") {
  // Filter ripple can push a full-scale sine past 32767; a wrapped sample
  // would land a whole range away from the ideal curve.
  const auto in = sweep(22050, 1000, 1000, 1.0, 32767);
  auto out = sb::resample(in, 8000);
  REQUIRE(out);
  double worst = 0;
  for (size_t i = 800; i < 7200; ++i) {
    const double ideal = 32767 * std::sin(2 * pi * 1000 * i / 8000.0);
    worst = std::max(worst, std::abs(out->samples[i] - ideal));
  }
  CHECK(worst < 1000); // also shows soxr removed its filter delay
}

TEST_CASE("resample edge cases", "[resample]") {
  const sb::pcm_audio in{16000, {1, 2, 3}};
  auto same = sb::resample(in, 16000);
  REQUIRE(same);
  CHECK(same->samples == in.samples);
  auto empty = sb::resample({22050, {}}, 8000);
  REQUIRE(empty);
  CHECK(empty->sample_rate == 8000);
  CHECK(empty->samples.empty());
  for (int bad : {0, -8000, sb::max_sample_rate + 1}) {
    auto r = sb::resample({bad, {1, 2}}, 8000);
    REQUIRE_FALSE(r);
    CHECK(sb::has_code(r.error(), sb::errc::bad_request));
    CHECK_FALSE(sb::resample(in, bad));
  }
  auto up = sb::resample({8000, std::vector<int16_t>(800, 1000)}, 24000);
  REQUIRE(up);
  CHECK(up->samples.size() == Approx(2400).margin(3));
}
