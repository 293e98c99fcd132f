// The pacer keeps our audio no more than lead_ms ahead of Twilio's
// playback, in messages of chunk_ms, with each mark right after its
// clause; a clear drops what was not sent; a queue that ran dry inside a
// reply is a gap the caller heard.
#include "backends/audio/playout_pacer.hpp"

#include <catch2/catch.hpp>

using sb::playout_pacer;

namespace {

std::string ms_of_audio(int ms) {
  return std::string(static_cast<size_t>(ms) * 8, '\x7f');
}

int64_t audio_ms(const std::vector<playout_pacer::item>& items) {
  int64_t bytes = 0;
  for (const auto& i : items)
    if (!i.is_mark)
      bytes += static_cast<int64_t>(i.audio.size());
  return bytes / 8;
}

} // namespace

TEST_CASE("audio goes out in chunks, never more than the lead ahead",
          "[pacer]") {
  playout_pacer p{60, 160};
  p.push_audio(1, ms_of_audio(1000));
  auto first = p.due(0);
  // 160 ms of lead in 60 ms messages: three go out at once (180 ms).
  REQUIRE(first.size() == 3);
  for (const auto& i : first)
    CHECK(i.audio.size() == 480);
  CHECK(p.played_out_at() == 180);
  // Nothing more until playback has caught up past the lead.
  CHECK(p.due(10).empty());
  CHECK(p.next_due_ms(10) == 21);
  // Ticking every 20 ms for a second sends it all, never ahead by more
  // than lead + one chunk.
  int64_t sent = audio_ms(first);
  for (int64_t t = 20; t <= 1000; t += 20) {
    sent += audio_ms(p.due(t));
    CHECK(sent - t <= 160 + 60);
  }
  CHECK(sent == 1000);
  CHECK(p.empty());
}

TEST_CASE("a mark follows its clause's audio, and waits for it", "[pacer]") {
  playout_pacer p{60, 160};
  p.push_audio(1, ms_of_audio(300));
  p.push_mark(1, "g1.c0");
  p.push_audio(1, ms_of_audio(100));
  p.push_mark(1, "g1.c1");
  auto now = p.due(0);
  for (const auto& i : now)
    CHECK_FALSE(i.is_mark); // the clause is not all out yet
  std::vector<std::string> marks;
  int64_t audio_before_first_mark = audio_ms(now);
  for (int64_t t = 20; t <= 600; t += 20)
    for (const auto& i : p.due(t)) {
      if (i.is_mark)
        marks.push_back(i.mark);
      else if (marks.empty())
        audio_before_first_mark += static_cast<int64_t>(i.audio.size()) / 8;
    }
  CHECK(marks == std::vector<std::string>{"g1.c0", "g1.c1"});
  CHECK(audio_before_first_mark == 300);
}

TEST_CASE("a mark with nothing before it goes at once", "[pacer]") {
  playout_pacer p{60, 160};
  p.push_mark(0, "g0.c0");
  CHECK(p.next_due_ms(5) == 5);
  auto out = p.due(5);
  REQUIRE(out.size() == 1);
  CHECK(out[0].is_mark);
}

TEST_CASE("clear drops what was not sent", "[pacer]") {
  playout_pacer p{60, 160};
  p.push_audio(1, ms_of_audio(2000));
  p.push_mark(1, "g1.c0");
  p.due(0);
  p.clear(50);
  CHECK(p.empty());
  CHECK(p.due(100).empty());
  CHECK(p.next_due_ms(100) == -1);
  // The next reply starts at once, with no gap counted.
  p.push_audio(2, ms_of_audio(100));
  auto next = p.due(100);
  REQUIRE_FALSE(next.empty());
  CHECK(next[0].late_ms == 0);
}

TEST_CASE("a dry queue inside a reply is a gap, between replies it is not",
          "[pacer]") {
  playout_pacer p{60, 160};
  p.push_audio(1, ms_of_audio(100));
  p.due(0); // all 100 ms out: plays until 100
  // The next clause of the same reply comes late: 150 ms of silence heard.
  p.push_audio(1, ms_of_audio(60));
  auto late = p.due(250);
  REQUIRE(late.size() == 1);
  CHECK(late[0].late_ms == 150);
  // The next reply after a pause is not late.
  p.push_audio(2, ms_of_audio(60));
  auto fresh = p.due(2000);
  REQUIRE(fresh.size() == 1);
  CHECK(fresh[0].late_ms == 0);
}
