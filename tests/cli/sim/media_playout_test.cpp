// Tests for cli/sim/media_playout: Twilio's playout queue as the
// simulator models it, with explicit times — marks echoed when the audio
// before them has played (at once with nothing queued), a clear echoing
// every pending mark and ending the reply, gaps inside a reply, and a
// reply over after the quiet spell.
#include "cli/sim/media_playout.hpp"

#include <catch2/catch.hpp>

namespace {

using namespace std::chrono_literals;
using sb::media_time;

const media_time t0 = media_time{} + 1000s;

// n milliseconds of audio: 8 samples each.
size_t ms_of_audio(int n) {
  return static_cast<size_t>(n) * 8;
}

} // namespace

TEST_CASE("a mark is echoed when the audio before it has played",
          "[media_playout]") {
  sb::media_playout q{1200ms};
  CHECK(q.audio(t0, ms_of_audio(500)) == t0);
  q.mark(t0 + 10ms, "g1.c0");
  // Audio behind the mark plays after it; the mark is not held for it.
  CHECK(q.audio(t0 + 20ms, ms_of_audio(300)) == t0 + 500ms);
  q.mark(t0 + 30ms, "g1.c1");
  REQUIRE(q.next_mark());
  CHECK(*q.next_mark() == t0 + 500ms);
  CHECK(q.due_marks(t0 + 499ms).empty());
  CHECK(q.due_marks(t0 + 500ms) == std::vector<std::string>{"g1.c0"});
  CHECK(q.due_marks(t0 + 799ms).empty());
  CHECK(q.due_marks(t0 + 800ms) == std::vector<std::string>{"g1.c1"});
  CHECK_FALSE(q.next_mark());
}

TEST_CASE("a mark with nothing queued is due at once", "[media_playout]") {
  sb::media_playout q{1200ms};
  q.mark(t0, "g1.c0");
  CHECK(q.due_marks(t0) == std::vector<std::string>{"g1.c0"});
  q.audio(t0, ms_of_audio(100));
  // The queue has played out by t0 + 100 ms: a later mark is not held.
  q.mark(t0 + 150ms, "g1.c1");
  CHECK(q.due_marks(t0 + 150ms) == std::vector<std::string>{"g1.c1"});
}

TEST_CASE("a clear drops the unplayed audio and echoes every pending mark",
          "[media_playout]") {
  sb::media_playout q{1200ms};
  q.audio(t0, ms_of_audio(1000));
  q.mark(t0, "g2.c0");
  q.audio(t0 + 5ms, ms_of_audio(1000));
  q.mark(t0 + 5ms, "g2.c1");
  CHECK(q.due_marks(t0 + 300ms).empty());
  auto echoed = q.clear(t0 + 300ms);
  CHECK(echoed == std::vector<std::string>{"g2.c0", "g2.c1"});
  CHECK_FALSE(q.next_mark());
  CHECK(q.queued_until() == t0 + 300ms);
  REQUIRE(q.last_clear());
  CHECK(*q.last_clear() == t0 + 300ms);
  // The reply ends at the clear, without waiting out the quiet spell.
  CHECK_FALSE(q.in_reply());
  // Quiet only once nothing has played for the quiet spell after it.
  CHECK_FALSE(q.quiet(t0 + 300ms));
  CHECK_FALSE(q.quiet(t0 + 1499ms));
  CHECK(q.quiet(t0 + 1500ms));
  auto reply = q.finished_reply(t0 + 300ms);
  REQUIRE(reply);
  CHECK(reply->samples == 16000);
  CHECK(reply->cut_samples == 16000 - 2400);
  CHECK(reply->clears == std::vector<media_time>{t0 + 300ms});
  CHECK(reply->end == t0 + 300ms);
  CHECK(reply->marks == std::vector<std::string>{"g2.c0", "g2.c1"});
  // Audio after the clear plays at once and starts a new reply.
  CHECK(q.audio(t0 + 900ms, ms_of_audio(100)) == t0 + 900ms);
  REQUIRE(q.current());
  CHECK(q.current()->first_audio == t0 + 900ms);
  CHECK(q.current()->gaps.empty());
}

TEST_CASE("a clear with nothing queued echoes nothing and ends no reply",
          "[media_playout]") {
  sb::media_playout q{1200ms};
  CHECK(q.clear(t0).empty());
  CHECK_FALSE(q.finished_reply(t0 + 10s));
  REQUIRE(q.last_clear());
}

TEST_CASE("gaps inside a reply are what the caller hears as silence",
          "[media_playout]") {
  sb::media_playout q{1200ms};
  q.audio(t0, ms_of_audio(200));          // plays to 200 ms
  q.audio(t0 + 150ms, ms_of_audio(200));  // queued: no gap, to 400 ms
  q.audio(t0 + 430ms, ms_of_audio(100));  // 30 ms dry
  q.audio(t0 + 1530ms, ms_of_audio(100)); // 1000 ms dry, still the reply
  auto reply_over = q.reply_over_at();
  REQUIRE(reply_over);
  CHECK(*reply_over == t0 + 1630ms + 1200ms);
  CHECK_FALSE(q.finished_reply(t0 + 2829ms));
  auto reply = q.finished_reply(t0 + 2830ms);
  REQUIRE(reply);
  CHECK(reply->gaps == std::vector<std::chrono::microseconds>{30ms, 1000ms});
  CHECK(reply->gaps_over(40ms) == 1);
  CHECK(reply->longest_gap() == 1000ms);
  CHECK(reply->first_audio == t0);
  CHECK(reply->end == t0 + 1630ms);
  CHECK(reply->samples == 4800);
  CHECK(reply->cut_samples == 0);
  CHECK_FALSE(q.in_reply());
}

TEST_CASE("audio after the quiet spell is a new reply, not a gap",
          "[media_playout]") {
  sb::media_playout q{1200ms};
  q.audio(t0, ms_of_audio(100));
  // Nobody asked for finished replies in between: both come out, in order.
  q.audio(t0 + 100ms + 1200ms, ms_of_audio(100));
  auto first = q.finished_reply(t0 + 1300ms);
  REQUIRE(first);
  CHECK(first->gaps.empty());
  CHECK(first->first_audio == t0);
  CHECK_FALSE(q.finished_reply(t0 + 1300ms));
  auto second = q.finished_reply(t0 + 1400ms + 1200ms);
  REQUIRE(second);
  CHECK(second->first_audio == t0 + 1300ms);
}

TEST_CASE("the stream's end cuts the reply in progress and drops its marks",
          "[media_playout]") {
  sb::media_playout q{1200ms};
  q.audio(t0, ms_of_audio(1000));
  q.mark(t0, "g3.c0");
  q.end(t0 + 250ms);
  CHECK_FALSE(q.next_mark());
  auto reply = q.finished_reply(t0 + 250ms);
  REQUIRE(reply);
  CHECK(reply->cut_by_end);
  CHECK(reply->cut_samples == 6000);
  CHECK(reply->end == t0 + 250ms);
}
