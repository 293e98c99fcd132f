// The turn rules on real speech, with the default detector (media.vad as
// core/config.hpp sets it): pieces of the pocketsphinx recordings cut at
// their speech (reference_alignment.hpp) and joined by measured silences,
// a too-quiet caller, the 30 s cap, the pre-roll's audio, and barge-in:
// a sentence over our voice barges in, a backchannel (espeak-ng's "mm",
// "okay", "हाँ", "mhm") does not interrupt.
#include <cmath>
#include <iostream>
#include <optional>
#include <string>

#include <catch2/catch.hpp>

#include "backends/audio/audio_resampler.hpp"
#include "backends/tts/tts_espeak.hpp"
#include "backends/vad/backchannel.hpp"
#include "backends/vad/turn_detector.hpp"
#include "core/config.hpp"
#include "core/error.hpp"
#include "tests/backends/vad/recordings.hpp"
#include "tests/backends/vad/reference_alignment.hpp"
#include "tests/support/skip.hpp"

namespace {

using sb::test::events_of;

constexpr double line_noise_dbfs = -60;

// A recording's speech alone, at 8 kHz μ-law: cut at the reference's
// first and last word.
struct speech_piece {
  std::vector<uint8_t> mulaw;
  int64_t ms = 0;
};

std::optional<speech_piece> cut(const sb::test::recording& rec,
                                sb::test::reference_aligner& aligner) {
  auto ref = aligner.bounds(rec.audio);
  if (!ref)
    return std::nullopt;
  sb::pcm_audio part{16000, {}};
  part.samples.assign(rec.audio.samples.begin() + ref->start_ms * 16,
                      rec.audio.samples.begin() + ref->end_ms * 16);
  return speech_piece{sb::test::phone_mulaw(part), ref->end_ms - ref->start_ms};
}

// Several pieces of speech with `gap_ms` of line between them (and a
// second before and after), the whole under line noise.
std::vector<uint8_t> joined(const std::vector<const speech_piece*>& pieces,
                            int64_t gap_ms) {
  std::vector<uint8_t> speech;
  for (size_t i = 0; i < pieces.size(); ++i) {
    if (i > 0)
      speech.insert(speech.end(), static_cast<size_t>(gap_ms * 8),
                    sb::linear_to_mulaw(0));
    speech.insert(speech.end(), pieces[i]->mulaw.begin(),
                  pieces[i]->mulaw.end());
  }
  return sb::test::call_audio(speech, 1000, 1000, line_noise_dbfs);
}

sb::turn_detector default_detector() {
  auto d = sb::turn_detector::create(sb::media_config{});
  REQUIRE(d);
  return std::move(*d);
}

struct fixture {
  std::optional<sb::test::reference_aligner> aligner;
  std::vector<sb::test::recording> recordings;

  const sb::test::recording& named(const std::string& name) const {
    for (const auto& r : recordings)
      if (r.name == name)
        return r;
    FAIL("no recording " << name);
    return recordings.front();
  }
};

// The recordings and the aligner, or a reason to skip.
std::optional<std::string> load(fixture& f) {
  if (!sb::test::have_recordings())
    return sb::test::recordings_dir + " missing (pocketsphinx-testdata)";
  f.aligner = sb::test::reference_aligner::create();
  if (!f.aligner)
    return std::string("the pocketsphinx en-us model is missing");
  f.recordings = sb::test::load_recordings();
  return std::nullopt;
}

} // namespace

TEST_CASE("real speech: 400 ms of silence joins, 700 ms parts", "[speech]") {
  fixture f;
  if (auto why = load(f))
    SB_SKIP(*why);
  for (const char* name : {"something", "numbers", "librivox-0880"}) {
    INFO(name);
    auto piece = cut(f.named(name), *f.aligner);
    REQUIRE(piece);
    auto d1 = default_detector();
    auto one = events_of<sb::turn_ended>(
      sb::test::run_call(d1, joined({&*piece, &*piece}, 400)));
    CHECK(one.size() == 1);
    auto d2 = default_detector();
    auto two = events_of<sb::turn_ended>(
      sb::test::run_call(d2, joined({&*piece, &*piece}, 700)));
    REQUIRE(two.size() == 2);
    // The first turn ends at its speech's end (within the boundary
    // tolerance) and is decided end_of_turn_ms later.
    CHECK(std::abs(two[0].end_ms - (1000 + piece->ms)) <= 100);
    CHECK(two[0].at_ms - two[0].end_ms == sb::media_config{}.end_of_turn_ms);
  }
}

TEST_CASE("real speech: a caller too quiet to hear is dropped", "[speech]") {
  fixture f;
  if (auto why = load(f))
    SB_SKIP(*why);
  auto piece = cut(f.named("numbers"), *f.aligner);
  REQUIRE(piece);
  // 26 dB down: about -50 dBFS on average, on a quiet line.
  for (auto& c : piece->mulaw)
    c = sb::linear_to_mulaw(static_cast<int16_t>(
      std::lround(sb::mulaw_to_linear(c) * std::pow(10, -26.0 / 20))));
  auto d = default_detector();
  auto line = sb::test::call_audio(piece->mulaw, 1000, 1000, -80);
  auto events = sb::test::run_call(d, line);
  CHECK(events_of<sb::turn_ended>(events).empty());
  auto dropped = events_of<sb::utterance_dropped>(events);
  REQUIRE_FALSE(dropped.empty());
  for (const auto& drop : dropped) {
    CHECK(drop.reason == sb::drop_reason::too_quiet);
    CHECK(drop.level_dbfs < sb::media_config{}.min_level_dbfs);
  }
}

TEST_CASE("real speech: 35 s without a pause is cut at 30 s", "[speech]") {
  fixture f;
  if (auto why = load(f))
    SB_SKIP(*why);
  // librivox-0870 is 6.6 s of reading; six of it, 100 ms apart.
  auto piece = cut(f.named("librivox-0870"), *f.aligner);
  REQUIRE(piece);
  const std::vector<const speech_piece*> talk(6, &*piece);
  auto d = default_detector();
  auto ended = events_of<sb::turn_ended>(
    sb::test::run_call(d, joined(talk, 100)));
  REQUIRE(ended.size() >= 2);
  CHECK(ended[0].capped);
  CHECK(ended[0].end_ms - ended[0].start_ms == 30000);
  CHECK_FALSE(ended.back().capped);
}

TEST_CASE("real speech: the utterance's audio is the line's, pre-roll "
          "first",
          "[speech]") {
  fixture f;
  if (auto why = load(f))
    SB_SKIP(*why);
  auto piece = cut(f.named("goforward"), *f.aligner);
  REQUIRE(piece);
  const auto line = joined({&*piece}, 0);
  auto d = default_detector();
  auto ended = events_of<sb::turn_ended>(sb::test::run_call(d, line));
  REQUIRE(ended.size() == 1);
  const auto& turn = ended[0];
  CHECK(turn.audio_start_ms == turn.start_ms - 300);
  REQUIRE(turn.audio.samples.size()
          == static_cast<size_t>(turn.end_ms - turn.audio_start_ms) * 8);
  bool same = true;
  for (size_t i = 0; i < turn.audio.samples.size(); ++i)
    same = same
           && turn.audio.samples[i]
                == sb::mulaw_to_linear(
                  line[static_cast<size_t>(turn.audio_start_ms * 8) + i]);
  CHECK(same);
}

TEST_CASE("barge-in: a sentence over our voice interrupts within "
          "barge_in_ms and a frame",
          "[speech][barge_in]") {
  fixture f;
  if (auto why = load(f))
    SB_SKIP(*why);
  const sb::media_config cfg;
  for (const char* name :
       {"goforward", "something", "librivox-0880", "librivox-0930"}) {
    INFO(name);
    auto piece = cut(f.named(name), *f.aligner);
    REQUIRE(piece);
    auto d = default_detector();
    auto events = sb::test::run_call(d, joined({&*piece}, 0), [&](int64_t) {
      d.set_assistant_speaking(true);
    });
    auto b = events_of<sb::barge_in>(events);
    REQUIRE(b.size() == 1);
    // Decided barge_in_ms after the detected start (within one frame),
    // the start within the boundary tolerance of the speech's.
    CHECK(b[0].at_ms - b[0].start_ms >= cfg.barge_in_ms);
    CHECK(b[0].at_ms - b[0].start_ms <= cfg.barge_in_ms + sb::vad_frame_ms);
    CHECK(std::abs(b[0].start_ms - 1000) <= 100);
    CHECK(sb::should_interrupt(b[0], "go forward ten meters",
                               cfg.backchannel_words));
  }
}

TEST_CASE("barge-in: a backchannel over our voice does not interrupt",
          "[speech][barge_in]") {
  auto engine = sb::espeak_engine::create();
  if (!engine)
    SB_SKIP("espeak-ng: " << sb::what(engine.error()));
  const sb::media_config cfg;
  struct said {
    const char* text;
    const char* voice;
  };
  for (const auto& s :
       {said{"mm", "en"}, said{"okay", "en"}, said{"yeah", "en"},
        said{"हाँ", "hi"}, said{"mhm", "en"}}) {
    INFO(s.text);
    auto pcm = (*engine)->synthesize(s.text, s.voice);
    REQUIRE(pcm);
    const auto mulaw = sb::test::phone_mulaw(*pcm);
    auto d = default_detector();
    auto events = sb::test::run_call(
      d, sb::test::call_audio(mulaw, 1000, 1000, line_noise_dbfs),
      [&](int64_t) { d.set_assistant_speaking(true); });
    auto b = events_of<sb::barge_in>(events);
    std::cout << "backchannel \"" << s.text << "\": " << mulaw.size() / 8
              << " ms of audio, " << (b.empty() ? "no barge_in" : "barge_in")
              << "\n";
    // Shorter than barge_in_ms: the detector alone lets it pass.
    if (mulaw.size() / 8 < static_cast<size_t>(cfg.barge_in_ms))
      CHECK(b.empty());
    // Whatever the detector says, the words decide: never an interruption.
    for (const auto& event : b)
      CHECK_FALSE(sb::should_interrupt(event, s.text, cfg.backchannel_words));
    CHECK(sb::is_backchannel(s.text, cfg.backchannel_words));
  }
}
