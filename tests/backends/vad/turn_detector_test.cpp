// Tests for backends/vad/turn_detector's rules alone: a scripted voice
// detector says, frame by frame, what the test wants, so every rule is
// checked to the frame (speech start and its gaps, the end of the turn,
// drops, the cap, barge-in, pre-roll, finish). The detectors themselves
// and real speech are in the other files of this suite.
#include "backends/vad/turn_detector.hpp"

#include <deque>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "core/config.hpp"
#include "tests/backends/vad/recordings.hpp"

namespace {

using sb::vad_decision;
using sb::test::events_of;

// Says what the script says; silence once it runs out.
class scripted_vad final : public sb::voice_detector {
public:
  explicit scripted_vad(std::deque<vad_decision>* script) : script_(script) {
  }
  vad_decision classify(const int16_t*) override {
    if (script_->empty())
      return vad_decision::silence;
    auto d = script_->front();
    script_->pop_front();
    return d;
  }
  std::string name() const override {
    return "scripted";
  }

private:
  std::deque<vad_decision>* script_;
};

// A stream built frame by frame: each frame's decision and its samples
// (a constant `amplitude`, so levels are exact: 8000 is -12.2 dBFS, 100
// is -50.3 dBFS). Sample values also count frames, for audio checks.
struct stream {
  std::deque<vad_decision> script;
  std::vector<std::vector<int16_t>> frames;

  stream& add(int ms, vad_decision d, int16_t amplitude) {
    for (int i = 0; i < ms / sb::vad_frame_ms; ++i) {
      script.push_back(d);
      frames.emplace_back(sb::vad_frame_samples, amplitude);
    }
    return *this;
  }
  stream& speech(int ms, int16_t amplitude = 8000) {
    return add(ms, vad_decision::speech, amplitude);
  }
  stream& onset(int ms, int16_t amplitude = 8000) {
    return add(ms, vad_decision::onset, amplitude);
  }
  stream& silence(int ms, int16_t amplitude = 0) {
    return add(ms, vad_decision::silence, amplitude);
  }
};

struct run_result {
  std::vector<sb::turn_event> events;
  std::vector<int64_t> event_frame_ms; // stream time of each event's frame
};

// Runs `s` through a detector with `cfg`; `before(ms, detector)` runs
// before each frame. finish() at the end unless `finish` is false.
template <class Before>
run_result run_with(stream& s, const sb::media_config& cfg, Before before,
                    bool finish = true) {
  sb::turn_detector detector{cfg, std::make_unique<scripted_vad>(&s.script)};
  run_result r;
  for (size_t i = 0; i < s.frames.size(); ++i) {
    const auto ms = static_cast<int64_t>(i) * sb::vad_frame_ms;
    before(ms, detector);
    for (auto& e : detector.process(s.frames[i].data(), ms)) {
      r.events.push_back(std::move(e));
      r.event_frame_ms.push_back(ms);
    }
  }
  if (finish)
    for (auto& e : detector.finish())
      r.events.push_back(std::move(e));
  return r;
}

run_result run(stream& s, const sb::media_config& cfg = {},
               bool finish = true) {
  return run_with(
    s, cfg, [](int64_t, sb::turn_detector&) {}, finish);
}

} // namespace

TEST_CASE("speech starts after speech_start_ms of speech, dated from its "
          "first frame",
          "[turn_detector]") {
  stream s;
  s.silence(1000).speech(1000).silence(1000);
  auto r = run(s);
  auto started = events_of<sb::speech_started>(r.events);
  REQUIRE(started.size() == 1);
  CHECK(started[0].start_ms == 1000);
  CHECK(started[0].at_ms == 1200); // 200 ms of speech later
  auto ended = events_of<sb::turn_ended>(r.events);
  REQUIRE(ended.size() == 1);
  CHECK(ended[0].start_ms == 1000);
  CHECK(ended[0].end_ms == 2000);
  CHECK_FALSE(ended[0].capped);
  CHECK(ended[0].level_dbfs == Approx(-12.2).margin(0.1));
}

TEST_CASE("180 ms of speech is not a start, short gaps inside one are",
          "[turn_detector]") {
  SECTION("too little") {
    stream s;
    s.silence(500).speech(180).silence(2000);
    CHECK(run(s).events.empty());
  }
  SECTION("gaps of up to 100 ms inside the start") {
    stream s;
    s.silence(500).speech(60).silence(100).speech(60).silence(80).speech(80);
    s.speech(500).silence(1000);
    auto r = run(s);
    auto started = events_of<sb::speech_started>(r.events);
    REQUIRE(started.size() == 1);
    CHECK(started[0].start_ms == 500);
    CHECK(started[0].at_ms == 500 + 60 + 100 + 60 + 80 + 80);
  }
  SECTION("a gap over 100 ms starts the count again") {
    stream s;
    s.silence(500).speech(120).silence(120).speech(400).silence(1000);
    auto started = events_of<sb::speech_started>(run(s).events);
    REQUIRE(started.size() == 1);
    CHECK(started[0].start_ms == 740);
  }
}

TEST_CASE("an onset dates the start but only speech confirms it",
          "[turn_detector]") {
  SECTION("a soft onset, then speech: the start is the onset's") {
    stream s;
    s.silence(500).onset(80).speech(500).silence(1000);
    auto ended = events_of<sb::turn_ended>(run(s).events);
    REQUIRE(ended.size() == 1);
    CHECK(ended[0].start_ms == 500);
  }
  SECTION("onsets alone never start speech") {
    stream s;
    s.silence(500).onset(1000).silence(1000);
    CHECK(run(s).events.empty());
  }
  SECTION("an onset that fades unconfirmed is forgotten at once") {
    stream s;
    s.silence(500).onset(100).silence(60).speech(400).silence(1000);
    auto ended = events_of<sb::turn_ended>(run(s).events);
    REQUIRE(ended.size() == 1);
    CHECK(ended[0].start_ms == 660);
  }
  SECTION("inside an utterance an onset neither ends nor extends it") {
    stream s;
    s.silence(500).speech(500).silence(300).onset(200).silence(2000);
    auto ended = events_of<sb::turn_ended>(run(s).events);
    REQUIRE(ended.size() == 1);
    CHECK(ended[0].end_ms == 1000);
  }
}

TEST_CASE("600 ms of silence ends the turn, 400 ms does not",
          "[turn_detector]") {
  SECTION("400 ms: one utterance") {
    stream s;
    s.silence(500).speech(800).silence(400).speech(800).silence(1000);
    auto r = run(s);
    auto ended = events_of<sb::turn_ended>(r.events);
    REQUIRE(ended.size() == 1);
    CHECK(ended[0].start_ms == 500);
    CHECK(ended[0].end_ms == 2500);
  }
  SECTION("600 ms: two, the first decided exactly 600 ms after its end") {
    stream s;
    s.silence(500).speech(800).silence(600).speech(800).silence(1000);
    auto r = run(s);
    auto ended = events_of<sb::turn_ended>(r.events);
    REQUIRE(ended.size() == 2);
    CHECK(ended[0].end_ms == 1300);
    CHECK(ended[0].at_ms == 1900);
    CHECK(ended[1].start_ms == 1900);
  }
  SECTION("580 ms: still one") {
    stream s;
    s.silence(500).speech(800).silence(580).speech(800).silence(1000);
    CHECK(events_of<sb::turn_ended>(run(s).events).size() == 1);
  }
  SECTION("end_of_turn_ms is the knob") {
    sb::media_config cfg;
    cfg.end_of_turn_ms = 300;
    stream s;
    s.silence(500).speech(800).silence(400).speech(800).silence(1000);
    CHECK(events_of<sb::turn_ended>(run(s, cfg).events).size() == 2);
  }
}

TEST_CASE("too short and too quiet utterances are dropped, saying why",
          "[turn_detector]") {
  SECTION("shorter than min_utterance_ms") {
    stream s;
    s.silence(500).speech(240).silence(1000);
    auto r = run(s);
    CHECK(events_of<sb::speech_started>(r.events).size() == 1);
    auto dropped = events_of<sb::utterance_dropped>(r.events);
    REQUIRE(dropped.size() == 1);
    CHECK(dropped[0].reason == sb::drop_reason::too_short);
    CHECK(dropped[0].end_ms - dropped[0].start_ms == 240);
    CHECK(events_of<sb::turn_ended>(r.events).empty());
    CHECK(sb::to_string(dropped[0].reason) == "too_short");
  }
  SECTION("quieter than min_level_dbfs") {
    stream s;
    s.silence(500).speech(1000, 100).silence(1000); // -50.3 dBFS
    auto dropped = events_of<sb::utterance_dropped>(run(s).events);
    REQUIRE(dropped.size() == 1);
    CHECK(dropped[0].reason == sb::drop_reason::too_quiet);
    CHECK(dropped[0].level_dbfs == Approx(-50.3).margin(0.1));
    CHECK(sb::to_string(dropped[0].reason) == "too_quiet");
  }
  SECTION("just loud enough: -44.3 dBFS against -45") {
    stream s;
    s.silence(500).speech(1000, 200).silence(1000);
    CHECK(events_of<sb::turn_ended>(run(s).events).size() == 1);
  }
  SECTION("the level is the voiced frames' alone") {
    stream s;
    s.silence(500).speech(300).silence(400, 1).speech(300).silence(1000);
    auto ended = events_of<sb::turn_ended>(run(s).events);
    REQUIRE(ended.size() == 1);
    CHECK(ended[0].level_dbfs == Approx(-12.2).margin(0.1));
  }
}

TEST_CASE("an utterance reaching max_utterance_s is cut there",
          "[turn_detector]") {
  stream s;
  s.silence(500).speech(35000).silence(1000);
  auto r = run(s);
  auto ended = events_of<sb::turn_ended>(r.events);
  REQUIRE(ended.size() == 2);
  CHECK(ended[0].capped);
  CHECK(ended[0].start_ms == 500);
  CHECK(ended[0].end_ms == 30500);
  CHECK(ended[0].at_ms == 30500);
  // Pre-roll, then exactly 30 s of audio.
  CHECK(ended[0].audio.samples.size() == (300 + 30000) * 8);
  // The rest of the speech is the next utterance, with no pre-roll taken
  // from the first (no audio reported twice).
  CHECK_FALSE(ended[1].capped);
  CHECK(ended[1].start_ms == 30500);
  CHECK(ended[1].end_ms == 35500);
  CHECK(ended[1].audio_start_ms == 30500);
  SECTION("the cap is the knob") {
    sb::media_config cfg;
    cfg.max_utterance_s = 5;
    stream t;
    t.silence(500).speech(12000).silence(1000);
    auto capped = events_of<sb::turn_ended>(run(t, cfg).events);
    REQUIRE(capped.size() == 3);
    CHECK(capped[0].end_ms - capped[0].start_ms == 5000);
    CHECK(capped[1].end_ms - capped[1].start_ms == 5000);
    CHECK(capped[2].end_ms - capped[2].start_ms == 2000);
  }
}

TEST_CASE("the utterance's audio starts preroll_ms before its start",
          "[turn_detector]") {
  // Each frame's samples are its index, so the audio says which frames
  // it holds.
  stream s;
  s.silence(1000).speech(600).silence(1000);
  for (size_t i = 0; i < s.frames.size(); ++i)
    s.frames[i].assign(sb::vad_frame_samples, static_cast<int16_t>(i));
  // Level: frames 50..79 are quiet as samples go; lower the bar.
  sb::media_config cfg;
  cfg.min_level_dbfs = -90;
  auto ended = events_of<sb::turn_ended>(run(s, cfg).events);
  REQUIRE(ended.size() == 1);
  CHECK(ended[0].start_ms == 1000);
  CHECK(ended[0].audio_start_ms == 700);
  const auto& audio = ended[0].audio.samples;
  CHECK(ended[0].audio.sample_rate == 8000);
  REQUIRE(audio.size() == (300 + 600) * 8);
  CHECK(audio.front() == 35); // frame 35 starts at 700 ms
  CHECK(audio.back() == 79);  // the last voiced frame
  SECTION("less audio than the pre-roll before the start: all of it") {
    stream t;
    t.silence(100).speech(600).silence(1000);
    auto e = events_of<sb::turn_ended>(run(t).events);
    REQUIRE(e.size() == 1);
    CHECK(e[0].audio_start_ms == 0);
    CHECK(e[0].audio.samples.size() == 700 * 8);
  }
  SECTION("preroll_ms is the knob") {
    cfg.preroll_ms = 0;
    stream t;
    t.silence(1000).speech(600).silence(1000);
    auto e = events_of<sb::turn_ended>(run(t, cfg).events);
    REQUIRE(e.size() == 1);
    CHECK(e[0].audio_start_ms == 1000);
    CHECK(e[0].audio.samples.size() == 600 * 8);
  }
  SECTION("an abandoned start's audio stays in the ring") {
    stream t;
    t.silence(1000).speech(100).silence(120).speech(600).silence(1000);
    for (size_t i = 0; i < t.frames.size(); ++i)
      t.frames[i].assign(sb::vad_frame_samples, static_cast<int16_t>(i));
    auto e = events_of<sb::turn_ended>(run(t, cfg).events);
    REQUIRE(e.size() == 1);
    CHECK(e[0].start_ms == 1220);
    CHECK(e[0].audio_start_ms == 920);
    CHECK(e[0].audio.samples.front() == 46);
  }
}

TEST_CASE("the audio so far is there while the caller speaks",
          "[turn_detector]") {
  stream s;
  s.silence(1000).speech(1000).silence(1000);
  sb::turn_detector detector{{}, std::make_unique<scripted_vad>(&s.script)};
  size_t most = 0;
  for (size_t i = 0; i < s.frames.size(); ++i) {
    detector.process(s.frames[i].data(), static_cast<int64_t>(i) * 20);
    if (detector.in_utterance())
      most = std::max(most, detector.utterance_audio().size());
  }
  CHECK(most >= (300 + 1000) * 8);
  CHECK_FALSE(detector.in_utterance());
  CHECK(detector.utterance_audio().empty());
}

TEST_CASE("finish() ends an utterance still open", "[turn_detector]") {
  stream s;
  s.silence(500).speech(800).silence(200);
  auto r = run(s);
  auto ended = events_of<sb::turn_ended>(r.events);
  REQUIRE(ended.size() == 1);
  CHECK(ended[0].end_ms == 1300);
  CHECK(ended[0].at_ms == 1500);
  SECTION("an unconfirmed start is forgotten") {
    stream t;
    t.silence(500).speech(100);
    CHECK(run(t).events.empty());
  }
  SECTION("and a short one is dropped") {
    stream t;
    t.silence(500).speech(220);
    auto d = events_of<sb::utterance_dropped>(run(t).events);
    REQUIRE(d.size() == 1);
    CHECK(d[0].reason == sb::drop_reason::too_short);
  }
}

TEST_CASE("barge-in: barge_in_ms of speech while we speak, once",
          "[turn_detector]") {
  auto speaking = [](int64_t, sb::turn_detector& d) {
    d.set_assistant_speaking(true);
  };
  SECTION("a sentence barges in barge_in_ms after its start") {
    stream s;
    s.silence(1000).speech(2000).silence(1000);
    auto r = run_with(s, {}, speaking);
    auto b = events_of<sb::barge_in>(r.events);
    REQUIRE(b.size() == 1);
    CHECK(b[0].start_ms == 1000);
    CHECK(b[0].at_ms == 1500);
    // Speech still starts and the turn still ends as ever.
    CHECK(events_of<sb::speech_started>(r.events).size() == 1);
    CHECK(events_of<sb::turn_ended>(r.events).size() == 1);
  }
  SECTION("400 ms (a backchannel's length) does not") {
    stream s;
    s.silence(1000).speech(400).silence(1000);
    auto r = run_with(s, {}, speaking);
    CHECK(events_of<sb::barge_in>(r.events).empty());
    CHECK(events_of<sb::turn_ended>(r.events).size() == 1);
  }
  SECTION("nor does speech while we are silent") {
    stream s;
    s.silence(1000).speech(2000).silence(1000);
    CHECK(events_of<sb::barge_in>(run(s).events).empty());
  }
  SECTION("barge_in_ms is its own knob, apart from speech_start_ms") {
    sb::media_config cfg;
    cfg.barge_in_ms = 1000;
    stream s;
    s.silence(1000).speech(900).silence(1000);
    auto r = run_with(s, cfg, speaking);
    CHECK(events_of<sb::speech_started>(r.events).size() == 1);
    CHECK(events_of<sb::barge_in>(r.events).empty());
  }
  SECTION("it must still be speech at barge_in_ms: pauses after 400 ms") {
    stream s;
    s.silence(1000).speech(400).silence(300).speech(400).silence(1000);
    auto b = events_of<sb::barge_in>(run_with(s, {}, speaking).events);
    REQUIRE(b.size() == 1);
    CHECK(b[0].at_ms == 1720); // the first speech frame past 500 ms
  }
  SECTION("speech under way when we start counts from then") {
    stream s;
    s.silence(1000).speech(3000).silence(1000);
    auto r = run_with(s, {}, [](int64_t ms, sb::turn_detector& d) {
      d.set_assistant_speaking(ms >= 2000);
    });
    auto b = events_of<sb::barge_in>(r.events);
    REQUIRE(b.size() == 1);
    CHECK(b[0].start_ms == 1000);
    CHECK(b[0].at_ms == 2500);
  }
  SECTION("once per utterance, and again for the next") {
    stream s;
    s.silence(1000).speech(2000).silence(1000).speech(2000).silence(1000);
    CHECK(events_of<sb::barge_in>(run_with(s, {}, speaking).events).size()
          == 2);
  }
}

TEST_CASE("events come out in order", "[turn_detector]") {
  sb::media_config cfg;
  cfg.barge_in_ms = 200; // decided on the same frame as the start
  stream s;
  s.silence(1000).speech(800).silence(1000);
  auto r = run_with(s, cfg, [](int64_t, sb::turn_detector& d) {
    d.set_assistant_speaking(true);
  });
  REQUIRE(r.events.size() == 3);
  CHECK(std::holds_alternative<sb::speech_started>(r.events[0]));
  CHECK(std::holds_alternative<sb::barge_in>(r.events[1]));
  CHECK(std::holds_alternative<sb::turn_ended>(r.events[2]));
  CHECK(r.event_frame_ms[0] == r.event_frame_ms[1]);
}

TEST_CASE("create() makes the detector media.vad names", "[turn_detector]") {
  for (const char* kind : {"energy", "webrtc", "both"}) {
    sb::media_config cfg;
    cfg.vad = kind;
    auto d = sb::turn_detector::create(cfg);
    REQUIRE(d);
    CHECK(d->detector_name() == kind);
  }
  sb::media_config cfg;
  cfg.vad = "psychic";
  CHECK_FALSE(sb::turn_detector::create(cfg));
}
