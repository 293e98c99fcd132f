// Tests for backends/tts/tts_espeak against the real libespeak-ng and its
// installed voice data: English and Hindi text produce audible speech whose
// length follows the text, the phone WAV made from it is 8 kHz μ-law, and
// the process-wide engine refuses a second live instance.
#include <cmath>
#include <cstring>
#include <fstream>

#include <catch2/catch.hpp>

#include "backends/tts/tts_espeak.hpp"
#include "core/error.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

double rms(const std::vector<int16_t>& s) {
  double sum = 0;
  for (auto v : s)
    sum += static_cast<double>(v) * v;
  return s.empty() ? 0 : std::sqrt(sum / static_cast<double>(s.size()));
}

std::unique_ptr<sb::espeak_engine> make_engine() {
  auto engine = sb::espeak_engine::create();
  if (!engine)
    FAIL("espeak: " << sb::what(engine.error()));
  return std::move(*engine);
}

double seconds(const sb::pcm_audio& pcm) {
  return static_cast<double>(pcm.samples.size()) / pcm.sample_rate;
}

uint32_t le32(const std::vector<uint8_t>& b, size_t at) {
  return b[at] | b[at + 1] << 8 | b[at + 2] << 16
         | static_cast<uint32_t>(b[at + 3]) << 24;
}

} // namespace

TEST_CASE("espeak speaks English", "[espeak]") {
  auto engine = make_engine();
  CHECK(engine->sample_rate() == 22050);
  auto pcm = engine->synthesize("Hello, how can I help you today?", "en");
  REQUIRE(pcm);
  CHECK(pcm->sample_rate == engine->sample_rate());
  CHECK(seconds(*pcm) > 1.0);
  CHECK(seconds(*pcm) < 6.0);
  CHECK(rms(pcm->samples) > 500);
}

TEST_CASE("espeak speaks Hindi", "[espeak]") {
  auto engine = make_engine();
  auto pcm = engine->synthesize("नमस्ते, मैं आपकी कैसे मदद कर सकती हूँ?", "hi");
  REQUIRE(pcm);
  CHECK(seconds(*pcm) > 1.0);
  CHECK(rms(pcm->samples) > 500);
  auto us = engine->synthesize("Good morning", "en-us");
  REQUIRE(us);
  CHECK(rms(us->samples) > 500);
}

TEST_CASE("espeak output grows with the text", "[espeak]") {
  auto engine = make_engine();
  auto short_en = engine->synthesize("Yes.", "en");
  auto long_en = engine->synthesize(
    "Yes. Your order was shipped yesterday and should arrive on Friday "
    "morning. Is there anything else I can do for you?",
    "en");
  REQUIRE(short_en);
  REQUIRE(long_en);
  CHECK(seconds(*long_en) > 4 * seconds(*short_en));
  auto short_hi = engine->synthesize("हाँ", "hi");
  auto long_hi = engine->synthesize(
    "हाँ, आपका ऑर्डर कल भेज दिया गया था और शुक्रवार तक पहुँच जाएगा।", "hi");
  REQUIRE(short_hi);
  REQUIRE(long_hi);
  CHECK(seconds(*long_hi) > 3 * seconds(*short_hi));
}

TEST_CASE("espeak audio becomes a valid phone WAV", "[espeak]") {
  auto engine = make_engine();
  auto pcm = engine->synthesize("Thank you for calling. Goodbye.", "en");
  REQUIRE(pcm);
  const auto wav = sb::to_phone_wav(*pcm);
  REQUIRE(wav.size() > 58);
  CHECK(std::memcmp(wav.data(), "RIFF", 4) == 0);
  CHECK(le32(wav, 4) == wav.size() - 8);
  CHECK(std::memcmp(wav.data() + 8, "WAVEfmt ", 8) == 0);
  CHECK((wav[20] | wav[21] << 8) == 7); // mu-law
  CHECK((wav[22] | wav[23] << 8) == 1); // mono
  CHECK(le32(wav, 24) == 8000);
  CHECK((wav[34] | wav[35] << 8) == 8); // bits per sample
  const uint32_t n = le32(wav, 54);
  CHECK(std::abs(static_cast<double>(n) - seconds(*pcm) * 8000) < 8);
  CHECK(le32(wav, 46) == n); // fact: sample count
  auto back = sb::read_wav(
    {reinterpret_cast<const char*>(wav.data()), wav.size()});
  REQUIRE(back);
  CHECK(back->sample_rate == 8000);
  CHECK(rms(back->samples) > 400);
}

TEST_CASE("espeak allows one live engine per process", "[espeak]") {
  {
    auto first = make_engine();
    auto second = sb::espeak_engine::create();
    REQUIRE_FALSE(second);
    CHECK(sb::has_code(second.error(), sb::errc::bad_config));
    CHECK(first->synthesize("still works", "en"));
  }
  // Once the first is gone another may be made, without re-initialising.
  auto again = make_engine();
  CHECK(again->synthesize("again", "en"));
  again.reset();
  // Initialisation happens once: a different data path cannot take effect.
  sb::test::temp_dir data{"espeak-data"};
  std::ofstream(data.file("phontab")) << "";
  auto other_path = sb::espeak_engine::create(data.path());
  REQUIRE_FALSE(other_path);
  CHECK(sb::has_code(other_path.error(), sb::errc::bad_config));
  CHECK_THAT(sb::what(other_path.error()),
             Catch::Matchers::Contains("already initialised"));
}

TEST_CASE("espeak refuses a data path without its data", "[espeak]") {
  // espeak-ng itself would silently fall back to its built-in location.
  auto r = sb::espeak_engine::create("/nonexistent/espeak");
  REQUIRE_FALSE(r);
  CHECK(sb::has_code(r.error(), sb::errc::bad_config));
  CHECK_THAT(sb::what(r.error()), Catch::Matchers::Contains("phontab"));
}

TEST_CASE("espeak rejects empty text and unknown voices", "[espeak]") {
  auto engine = make_engine();
  for (const char* text : {"", "  \n"}) {
    auto r = engine->synthesize(text, "en");
    REQUIRE_FALSE(r);
    CHECK(sb::has_code(r.error(), sb::errc::bad_request));
  }
  auto r = engine->synthesize("hello", "no-such-voice-xx");
  REQUIRE_FALSE(r);
  CHECK(sb::has_code(r.error(), sb::errc::bad_request));
  CHECK(engine->synthesize("hello", "en")); // a bad voice leaves it usable
}

TEST_CASE("voice_for_language maps BCP-47 tags", "[espeak]") {
  using sb::espeak_engine;
  CHECK(espeak_engine::voice_for_language("hi-IN") == "hi");
  CHECK(espeak_engine::voice_for_language("hi") == "hi");
  CHECK(espeak_engine::voice_for_language("HI-in") == "hi");
  CHECK(espeak_engine::voice_for_language("en-US") == "en-us");
  CHECK(espeak_engine::voice_for_language("en-us") == "en-us");
  CHECK(espeak_engine::voice_for_language("en-GB") == "en");
  CHECK(espeak_engine::voice_for_language("en-IN") == "en");
  CHECK(espeak_engine::voice_for_language("en") == "en");
  CHECK(espeak_engine::voice_for_language("fr-FR") == "en");
  CHECK(espeak_engine::voice_for_language("hit") == "en");
  CHECK(espeak_engine::voice_for_language("") == "en");
}
