// The caller's side of a media stream with real recorded speech played as
// Twilio sends it (20 ms μ-law frames with timestamps): the start of
// speech hands over a feed that grows while the caller talks and is
// finished at the end of the turn, holding the utterance at 16 kHz.
#include "app/media_listener.hpp"

#include <catch2/catch.hpp>

#include "backends/audio/audio_format.hpp"
#include "backends/audio/audio_resampler.hpp"
#include "tests/support/skip.hpp"
#include "tests/support/speech_sets.hpp"

using namespace sb;

namespace {

// `clip` (16 kHz) as the μ-law bytes of a phone call, with `lead_ms` and
// `tail_ms` of silence around it.
std::string as_call(const pcm_audio& clip, int lead_ms, int tail_ms) {
  auto phone = resample(clip, phone_sample_rate);
  REQUIRE(phone);
  std::string out(static_cast<size_t>(lead_ms) * 8, '\xff');
  for (auto s : phone->samples)
    out.push_back(static_cast<char>(linear_to_mulaw(s)));
  out.append(static_cast<size_t>(tail_ms) * 8, '\xff');
  return out;
}

struct heard_events {
  std::vector<media_listener::started> started;
  std::vector<media_listener::ended> ended;
  int dropped = 0;
  int barged = 0;
};

void collect(heard_events& out, std::vector<media_listener::event> events) {
  for (auto& e : events) {
    if (auto* s = std::get_if<media_listener::started>(&e))
      out.started.push_back(*s);
    else if (auto* t = std::get_if<media_listener::ended>(&e))
      out.ended.push_back(std::move(*t));
    else if (std::holds_alternative<media_listener::dropped>(e))
      ++out.dropped;
    else
      ++out.barged;
  }
}

// Plays `mulaw` into `l` as 20 ms frames from stream time `from_ms`.
void play(media_listener& l, const std::string& mulaw, int64_t from_ms,
          heard_events& out) {
  for (size_t at = 0; at + 160 <= mulaw.size(); at += 160)
    collect(out, l.hear(from_ms + static_cast<int64_t>(at / 8),
                        std::string_view{mulaw}.substr(at, 160)));
}

} // namespace

TEST_CASE("a recorded utterance becomes one turn with its audio at 16 kHz",
          "[media]") {
  auto clip = test::detail::load_clip("goforward.raw", "go forward ten meters");
  if (!clip)
    SB_SKIP("pocketsphinx-testdata is not installed");
  auto listener = media_listener::create(media_config{});
  REQUIRE(listener);
  heard_events heard;
  auto call = as_call(clip->audio, 1000, 1500);
  play(*listener, call, 0, heard);
  REQUIRE(heard.started.size() == 1);
  REQUIRE(heard.ended.size() == 1);
  CHECK(heard.dropped == 0);
  CHECK(heard.barged == 0);
  const auto& feed = heard.started[0].feed;
  REQUIRE(feed);
  CHECK(heard.ended[0].feed == feed);
  CHECK(feed->finished());
  CHECK_FALSE(feed->cancelled());
  // Speech starts near the clip's start (the recording opens with a
  // little silence) and the feed holds the utterance with its pre-roll,
  // twice the samples at 16 kHz.
  const auto& turn = heard.ended[0].turn;
  CHECK(turn.start_ms >= 1000);
  CHECK(turn.start_ms < 1800);
  auto expected = static_cast<int64_t>(turn.audio.samples.size()) * 2;
  auto got = static_cast<int64_t>(feed->size());
  // Fed up to the end of the turn's silence, so a little more than the
  // utterance itself.
  CHECK(got >= expected - 400);
  CHECK(got <= expected + 2 * 8 * 2 * 700);
}

TEST_CASE("a cough is dropped and its feed cancelled", "[media]") {
  media_config cfg;
  auto listener = media_listener::create(cfg);
  REQUIRE(listener);
  heard_events heard;
  // 220 ms of a loud tone: speech starts (200 ms), but it is shorter than
  // min_utterance_ms (250 ms) of voiced time.
  pcm_audio tone{8000, {}};
  for (int i = 0; i < 8 * 230; ++i)
    tone.samples.push_back(static_cast<int16_t>(i % 16 < 8 ? 8000 : -8000));
  std::string mulaw(8000, '\xff');
  for (auto s : tone.samples)
    mulaw.push_back(static_cast<char>(linear_to_mulaw(s)));
  mulaw.append(8 * 1500, '\xff');
  play(*listener, mulaw, 0, heard);
  REQUIRE(heard.started.size() == 1);
  CHECK(heard.ended.empty());
  CHECK(heard.dropped == 1);
  CHECK(heard.started[0].feed->cancelled());
}

TEST_CASE("speech over our voice barges in after barge_in_ms", "[media]") {
  auto clip = test::detail::load_clip("goforward.raw", "go forward ten meters");
  if (!clip)
    SB_SKIP("pocketsphinx-testdata is not installed");
  auto listener = media_listener::create(media_config{});
  REQUIRE(listener);
  listener->set_speaking(true);
  heard_events heard;
  play(*listener, as_call(clip->audio, 500, 1000), 0, heard);
  CHECK(heard.barged == 1);
  CHECK(heard.ended.size() == 1);
}

TEST_CASE("timestamps place audio: a gap is silence, a duplicate dropped",
          "[media]") {
  auto listener = media_listener::create(media_config{});
  REQUIRE(listener);
  std::string silence(160, '\xff');
  listener->hear(0, silence);
  CHECK(listener->last_placement().placed == 160);
  listener->hear(0, silence);
  CHECK(listener->last_placement().dropped == 160);
  listener->hear(100, silence);
  CHECK(listener->last_placement().filled == 8 * 80);
}
