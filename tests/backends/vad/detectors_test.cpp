// Tests for the voice detectors (backends/vad/energy_vad, webrtc_vad,
// voice_detector): nothing is heard in digital silence or low noise, for
// ten seconds, whichever media.vad; the energy detector's floor follows
// the noise, ignores digital silence and learns a new steady noise; "both"
// is speech only where both say so; the level helpers.
#include <cmath>
#include <deque>
#include <limits>
#include <random>

#include <catch2/catch.hpp>

#include "backends/vad/energy_vad.hpp"
#include "backends/vad/turn_detector.hpp"
#include "backends/vad/voice_detector.hpp"
#include "backends/vad/webrtc_vad.hpp"
#include "core/config.hpp"
#include "core/error.hpp"
#include "tests/backends/vad/recordings.hpp"

namespace {

using sb::vad_decision;
using sb::test::events_of;

// Line noise as μ-law bytes: `ms` of white noise at `dbfs` (-infinity:
// digital silence), or of brown noise (a random walk, most of its power
// at low frequencies, as a car or a fan) when `brown`.
std::vector<uint8_t> line(double dbfs, int64_t ms, uint32_t seed,
                          bool brown = false) {
  auto white = sb::test::noise(dbfs, ms, seed);
  if (brown && std::isfinite(dbfs)) {
    double walk = 0;
    double power = 0;
    for (auto& x : white) {
      walk = 0.98 * walk + x;
      x = walk;
      power += x * x;
    }
    const double rms = std::sqrt(power / static_cast<double>(white.size()));
    const double want = 32768.0 * std::pow(10, dbfs / 20);
    for (auto& x : white)
      x *= want / rms;
  }
  std::vector<uint8_t> out;
  for (double x : white)
    out.push_back(sb::linear_to_mulaw(static_cast<int16_t>(
      std::max(-32768.0, std::min(32767.0, std::round(x))))));
  return out;
}

std::vector<int16_t> frames_of(const std::vector<uint8_t>& mulaw) {
  std::vector<int16_t> out;
  for (auto c : mulaw)
    out.push_back(sb::mulaw_to_linear(c));
  return out;
}

// A detector that says what it is told.
class told_vad final : public sb::voice_detector {
public:
  explicit told_vad(const vad_decision* says) : says_(says) {
  }
  vad_decision classify(const int16_t*) override {
    return *says_;
  }
  std::string name() const override {
    return "told";
  }

private:
  const vad_decision* says_;
};

} // namespace

TEST_CASE("10 s of digital silence or low noise: nothing, whichever "
          "detector",
          "[detectors]") {
  struct noise_case {
    const char* label;
    double dbfs;
    bool brown;
  };
  const noise_case cases[] = {
    {"digital silence", -std::numeric_limits<double>::infinity(), false},
    {"white noise -60 dBFS", -60, false},
    {"white noise -50 dBFS", -50, false},
    {"brown noise -60 dBFS", -60, true},
    {"brown noise -50 dBFS", -50, true},
  };
  for (const char* kind : {"energy", "webrtc", "both"}) {
    for (const auto& c : cases) {
      INFO(kind << " in " << c.label);
      sb::media_config cfg;
      cfg.vad = kind;
      auto detector = sb::turn_detector::create(cfg);
      REQUIRE(detector);
      const auto events = sb::test::run_call(*detector,
                                             line(c.dbfs, 10000, 42, c.brown));
      CHECK(events.empty());
    }
  }
}

TEST_CASE("a steady noise that rises by 10 dB is learnt, not heard",
          "[detectors]") {
  for (auto [from, to] : {std::pair{-60.0, -50.0}, std::pair{-50.0, -40.0}}) {
    INFO(from << " -> " << to << " dBFS");
    auto audio = line(from, 2000, 1);
    const auto louder = line(to, 5000, 2);
    audio.insert(audio.end(), louder.begin(), louder.end());
    for (const char* kind : {"energy", "both"}) {
      INFO(kind);
      sb::media_config cfg;
      cfg.vad = kind;
      auto detector = sb::turn_detector::create(cfg);
      REQUIRE(detector);
      CHECK(sb::test::run_call(*detector, audio).empty());
    }
  }
}

TEST_CASE("the energy floor follows the noise and ignores digital silence",
          "[detectors][energy]") {
  sb::energy_vad vad;
  auto run = [&](const std::vector<uint8_t>& mulaw) {
    const auto pcm = frames_of(mulaw);
    size_t voiced = 0;
    for (size_t at = 0; at + sb::vad_frame_samples <= pcm.size();
         at += sb::vad_frame_samples)
      voiced += vad.classify(pcm.data() + at) != vad_decision::silence;
    return voiced;
  };
  // The floor is the quietest frame of the last second: a little under
  // the noise's mean level.
  auto near_minus_50 = [&] {
    return vad.floor_dbfs() > -53 && vad.floor_dbfs() < -49.5;
  };
  CHECK(run(line(-50, 2000, 3)) == 0);
  CHECK(near_minus_50());
  CHECK(vad.last_level_dbfs() == Approx(-50).margin(1.5));
  // A muted stretch: never voiced, and the floor stays where it was.
  CHECK(run(line(-std::numeric_limits<double>::infinity(), 2000, 0)) == 0);
  CHECK(vad.last_level_dbfs() == sb::min_dbfs);
  CHECK(near_minus_50());
  CHECK(run(line(-50, 1000, 4)) == 0);
  // Quieter noise: the floor follows at once.
  CHECK(run(line(-65, 1500, 5)) == 0);
  CHECK(vad.floor_dbfs() > -68);
  CHECK(vad.floor_dbfs() < -64.5);
}

TEST_CASE("an energy run is an onset until it is loud", "[detectors][energy]") {
  sb::energy_vad vad;
  std::vector<int16_t> quiet(sb::vad_frame_samples, 0);
  std::mt19937 gen(9);
  std::normal_distribution<double> noise(0, 32768 * std::pow(10, -3.5)); // -70
  auto frame_at = [&](double amplitude) {
    std::vector<int16_t> f(sb::vad_frame_samples);
    for (size_t i = 0; i < f.size(); ++i)
      f[i] = static_cast<int16_t>(noise(gen)
                                  + amplitude * ((i / 10) % 2 ? 1 : -1));
    return f;
  };
  for (int i = 0; i < 100; ++i)
    vad.classify(frame_at(0).data());
  CHECK(vad.floor_dbfs() < -65);
  // -51 dBFS: well above the floor, far below speech: an onset.
  CHECK(vad.classify(frame_at(92).data()) == vad_decision::onset);
  CHECK(vad.classify(frame_at(92).data()) == vad_decision::onset);
  // A loud frame makes the run speech, and it stays so while it lasts.
  CHECK(vad.classify(frame_at(8000).data()) == vad_decision::speech);
  CHECK(vad.classify(frame_at(92).data()) == vad_decision::speech);
  CHECK(vad.classify(frame_at(0).data()) == vad_decision::silence);
  SECTION("an onset that never gets loud is learnt as noise") {
    sb::energy_vad_settings settings;
    int onsets = 0;
    for (int i = 0; i < 3 * settings.max_onset_frames; ++i)
      onsets += vad.classify(frame_at(92).data()) == vad_decision::onset;
    CHECK(onsets == settings.max_onset_frames - 1);
    CHECK(vad.floor_dbfs() > -55);
  }
}

TEST_CASE("WebRTC's detector takes every aggressiveness", "[detectors]") {
  const auto speech = frames_of(line(-20, 400, 7));
  for (int a : {-1, 0, 1, 2, 3, 4}) {
    INFO("aggressiveness " << a);
    auto vad = sb::webrtc_vad::create(a);
    REQUIRE(vad);
    CHECK((*vad)->name() == "webrtc");
    for (size_t at = 0; at < speech.size(); at += sb::vad_frame_samples)
      (void) (*vad)->classify(speech.data() + at);
    std::vector<int16_t> zeros(sb::vad_frame_samples, 0);
    CHECK((*vad)->classify(zeros.data()) != vad_decision::onset);
  }
}

TEST_CASE("both: speech only where both say speech", "[detectors]") {
  vad_decision a = vad_decision::silence;
  vad_decision b = vad_decision::silence;
  sb::both_vad both{std::make_unique<told_vad>(&a),
                    std::make_unique<told_vad>(&b)};
  CHECK(both.name() == "both");
  std::vector<int16_t> frame(sb::vad_frame_samples, 0);
  auto say = [&](vad_decision first, vad_decision second) {
    a = first;
    b = second;
    return both.classify(frame.data());
  };
  CHECK(say(vad_decision::silence, vad_decision::speech)
        == vad_decision::silence);
  CHECK(say(vad_decision::speech, vad_decision::speech)
        == vad_decision::speech);
  CHECK(say(vad_decision::speech, vad_decision::silence)
        == vad_decision::onset);
  CHECK(say(vad_decision::onset, vad_decision::speech) == vad_decision::onset);
  CHECK(say(vad_decision::onset, vad_decision::silence) == vad_decision::onset);
}

TEST_CASE("make_voice_detector follows media.vad", "[detectors]") {
  sb::media_config cfg;
  for (const char* kind : {"energy", "webrtc", "both"}) {
    cfg.vad = kind;
    auto vad = sb::make_voice_detector(cfg);
    REQUIRE(vad);
    CHECK((*vad)->name() == kind);
  }
  cfg.vad = "loudest";
  auto vad = sb::make_voice_detector(cfg);
  REQUIRE_FALSE(vad);
  CHECK(sb::has_code(vad.error(), sb::errc::bad_config));
}

TEST_CASE("levels in dBFS", "[detectors]") {
  std::vector<int16_t> frame(sb::vad_frame_samples, 0);
  CHECK(sb::level_dbfs(frame.data(), frame.size()) == sb::min_dbfs);
  CHECK(sb::level_dbfs(frame.data(), 0) == sb::min_dbfs);
  for (size_t i = 0; i < frame.size(); ++i)
    frame[i] = i % 2 ? 32767 : -32768;
  CHECK(sb::level_dbfs(frame.data(), frame.size()) == Approx(0).margin(0.01));
  frame.assign(frame.size(), 8000);
  CHECK(sb::level_dbfs(frame.data(), frame.size())
        == Approx(20 * std::log10(8000.0 / 32768)));
  CHECK(sb::dbfs_of_power(0) == sb::min_dbfs);
  CHECK(sb::dbfs_of_power(1e-12) == sb::min_dbfs);
}
