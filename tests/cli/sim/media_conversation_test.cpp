// Tests for cli/sim/media_conversation: the caller's script over a
// media_stream with explicit times, the daemon's frames fed in by hand.
// When a line is said, what is waited for, an interrupt talking over a
// reply (and the barge-in reaction to the clear), an interrupt with
// nothing left to interrupt, a re-prompt that never comes, replies heard
// during a pause, and the turn gap of each reply.
#include "cli/sim/media_conversation.hpp"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "backends/audio/audio_format.hpp"
#include "twilio/media_frames.hpp"

namespace {

using namespace std::chrono_literals;
using sb::media_time;
using status = sb::media_conversation::status;

const media_time t0 = media_time{} + 30s;
const std::string sid = "MZ0123456789abcdef0123456789abcdef";

std::string tone(int ms) {
  std::string out;
  for (int i = 0; i < ms * 8; ++i)
    out.push_back(static_cast<char>(
      sb::linear_to_mulaw(static_cast<int16_t>(i % 2 ? 6000 : -6000))));
  return out;
}

sb::media_line line(sb::sim_step_kind kind, int number, int ms = 0,
                    double seconds = 0) {
  sb::media_line l;
  l.step.kind = kind;
  l.step.line = number;
  l.step.seconds = seconds;
  l.step.text = "line " + std::to_string(number);
  l.audio = tone(ms);
  l.shown = l.step.text;
  return l;
}

// A stream and a conversation, moved on in 20 ms steps.
struct call {
  explicit call(std::vector<sb::media_line> lines,
                sb::media_conversation_options opts = quick())
    : conversation(std::make_shared<const sb::media_script>(std::move(lines)),
                   opts) {
    conversation.stream_started(t0, false);
  }

  static sb::media_conversation_options quick() {
    sb::media_conversation_options o;
    o.reply_timeout = 2s;
    o.listen = 500ms;
    return o;
  }

  // Runs to `until`; returns the last status.
  status run(media_time until) {
    auto st = status::going;
    for (; now <= until && st == status::going; now += 20ms) {
      std::vector<std::string> out;
      stream.due(now, out);
      st = conversation.advance(now, stream);
      stream.due(now, out);
    }
    return st;
  }

  void daemon(const std::string& frame) {
    std::vector<std::string> out;
    REQUIRE_FALSE(stream.receive(now, frame, out));
  }

  std::vector<const sb::media_event*> replies() const {
    std::vector<const sb::media_event*> out;
    for (const auto& ev : conversation.events())
      if (ev.what == sb::media_event::kind::reply)
        out.push_back(&ev);
    return out;
  }

  sb::media_stream stream{{sid, "AC0", "CA0", {}}, t0, 300ms};
  sb::media_conversation conversation;
  media_time now = t0;
};

} // namespace

TEST_CASE("an interrupt talks over the reply and times the clear",
          "[media_conversation]") {
  call c{{line(sb::sim_step_kind::speech, 1, 100),
          line(sb::sim_step_kind::interrupt, 2, 100, 0.5)}};
  CHECK(c.run(t0 + 300ms) == status::going);
  CHECK_FALSE(c.stream.speaking()); // said and waiting for the reply
  REQUIRE(c.stream.said_from());
  auto first_from = *c.stream.said_from();
  c.daemon(sb::media_audio_frame(sid, tone(3000)));
  auto reply_at = c.now;
  CHECK(c.run(reply_at + 480ms) == status::going);
  CHECK(*c.stream.said_from() == first_from); // not yet 0.5 s into it
  CHECK(c.run(reply_at + 540ms) == status::going);
  REQUIRE(c.stream.said_from());
  auto interrupt_from = *c.stream.said_from();
  CHECK(interrupt_from >= reply_at + 500ms);
  CHECK(interrupt_from <= reply_at + 540ms);
  c.run(interrupt_from + 100ms);
  c.daemon(sb::media_clear_frame(sid));
  auto clear_at = c.now;
  c.run(clear_at + 200ms);
  c.daemon(sb::media_audio_frame(sid, tone(200)));
  auto answer_at = c.now;
  CHECK(c.run(answer_at + 2s) == status::hang_up);

  const auto& events = c.conversation.events();
  REQUIRE(events.size() == 4);
  CHECK(events[0].text == "line 1");
  CHECK(events[0].note == "0.10 s of speech");
  // The interrupted reply is shown before the line that talked over it.
  REQUIRE(events[1].what == sb::media_event::kind::reply);
  const auto& barged = events[1].reply;
  CHECK(barged.interrupted);
  REQUIRE(barged.barge_in_ms);
  CHECK(*barged.barge_in_ms
        == Approx(
          std::chrono::duration<double, std::milli>(clear_at - interrupt_from)
            .count()));
  CHECK(barged.from_caller);
  CHECK(events[2].text == "line 2");
  CHECK(events[2].note.find("talks over the reply 0.5 s into it") == 0);
  const auto& answer = events[3].reply;
  CHECK_FALSE(answer.interrupted);
  CHECK(answer.from_caller);
  // From the interrupt's last voiced frame to the answer's first audio.
  CHECK(answer.turn_gap_ms > 0);
  CHECK(answer.turn_gap_ms < 300);
}

TEST_CASE("an interrupt with no reply left to interrupt is said on its own",
          "[media_conversation]") {
  call c{{line(sb::sim_step_kind::speech, 1, 100),
          line(sb::sim_step_kind::interrupt, 2, 100, 2.0)}};
  c.run(t0 + 300ms);
  c.daemon(sb::media_audio_frame(sid, tone(200)));
  c.run(c.now + 3s);
  const auto& events = c.conversation.events();
  REQUIRE(events.size() >= 3);
  CHECK(events[2].text == "line 2");
  CHECK(events[2].note.find("nothing to interrupt") != std::string::npos);
  CHECK_FALSE(events[1].reply.interrupted);
}

TEST_CASE("a reply that never comes fails the call, named by its line",
          "[media_conversation]") {
  call c{{line(sb::sim_step_kind::silence, 4)}};
  CHECK(c.run(t0 + 1900ms) == status::going);
  CHECK(c.run(t0 + 2100ms) == status::failed);
  CHECK(c.conversation.error()
        == "no re-prompt after the silence of line 4 within 2 s");
  CHECK(c.conversation.error_kind() == "no re-prompt");

  call quiet{{line(sb::sim_step_kind::speech, 7, 100)}};
  CHECK(quiet.run(t0 + 3s) == status::failed);
  CHECK(quiet.conversation.error() == "no reply to line 7 within 2 s");
  CHECK(quiet.conversation.error_kind() == "no reply");
}

TEST_CASE("the greeting is awaited first when one is due",
          "[media_conversation]") {
  sb::media_conversation conversation{
    std::make_shared<const sb::media_script>(
      std::vector<sb::media_line>{line(sb::sim_step_kind::speech, 1, 100)}),
    call::quick()};
  sb::media_stream stream{{sid, "AC0", "CA0", {}}, t0, 300ms};
  conversation.stream_started(t0, true);
  CHECK(conversation.advance(t0 + 1s, stream) == status::going);
  CHECK_FALSE(stream.speaking()); // nothing said before the greeting
  CHECK(conversation.advance(t0 + 2s, stream) == status::failed);
  CHECK(conversation.error() == "no greeting within 2 s");
}

TEST_CASE("a pause hears replies unprompted and lets the time pass",
          "[media_conversation]") {
  call c{{line(sb::sim_step_kind::pause, 1, 0, 1.0)}};
  c.run(t0 + 200ms);
  c.daemon(sb::media_audio_frame(sid, tone(100)));
  CHECK(c.run(t0 + 900ms) == status::going);
  auto st = c.run(t0 + 2s);
  CHECK(st == status::hang_up);
  CHECK(c.now >= t0 + 1s);
  auto replies = c.replies();
  REQUIRE(replies.size() == 1);
  CHECK(replies[0]->reply.unprompted);
  CHECK_FALSE(replies[0]->reply.from_caller);
  CHECK(c.conversation.events()[0].text == "[pause 1 s]");
}

TEST_CASE("a reply the daemon cleared itself is heard out to the quiet",
          "[media_conversation]") {
  // A key acknowledged with a beep, cleared, then the answer.
  auto keys = line(sb::sim_step_kind::digits, 1);
  keys.step.text = "1";
  call c{{keys, line(sb::sim_step_kind::speech, 2, 100)}};
  c.run(t0 + 60ms);
  c.daemon(sb::media_audio_frame(sid, tone(300)));
  c.run(c.now + 100ms);
  c.daemon(sb::media_clear_frame(sid));
  auto cleared_at = c.now;
  c.run(cleared_at + 200ms);
  CHECK_FALSE(c.stream.speaking()); // no line 2 over the daemon's quiet
  c.daemon(sb::media_audio_frame(sid, tone(300)));
  auto second = c.now;
  c.run(second + 500ms);
  CHECK_FALSE(c.stream.speaking());
  CHECK(c.stream.said_from() == std::nullopt);
  c.run(second + 300ms + 300ms + 40ms);
  REQUIRE(c.stream.said_from());
  CHECK(*c.stream.said_from() >= second + 600ms);
  CHECK(c.replies().size() == 2);
}

TEST_CASE("a stream's end counts the line in progress as done",
          "[media_conversation]") {
  call c{{line(sb::sim_step_kind::speech, 1, 100),
          line(sb::sim_step_kind::speech, 2, 100)}};
  c.run(t0 + 300ms);
  c.daemon(sb::media_audio_frame(sid, tone(1000)));
  c.run(c.now + 100ms);
  c.stream.end(c.now);
  c.conversation.stream_ended(c.now, c.stream);
  auto replies = c.replies();
  REQUIRE(replies.size() == 1);
  CHECK(replies[0]->reply.heard.playout.cut_by_end);
  CHECK(c.conversation.lines_left());
}
