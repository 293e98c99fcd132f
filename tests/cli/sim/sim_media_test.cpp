// Tests for cli/sim/sim_media against a scripted stand-in for a daemon on
// voice.transport = "media" (tests/cli/sim/fake_media_daemon.hpp: it
// hears the caller by level and answers by plan): a whole call with its
// greeting, a barge-in, a reply with a hole and the hang-up; a reconnect
// and a transfer; keys; no greeting; a frame Twilio would refuse; a
// daemon on another transport. The caller's audio is a tone, so no speech
// engine is involved.
#include "cli/sim/sim_media.hpp"

#include <fstream>
#include <iterator>
#include <mutex>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "backends/audio/audio_format.hpp"
#include "cli/sim/sim_transcript.hpp"
#include "tests/cli/sim/fake_media_daemon.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using namespace sb::test::fake_media;
using namespace std::chrono_literals;
constexpr const char* auth_token = media_auth_token;

fake_mode plan_of(std::vector<std::vector<act>> plan,
                  std::string after_close = {}) {
  fake_mode mode;
  mode.plan = std::move(plan);
  mode.after_close = std::move(after_close);
  return mode;
}

sb::sim_call_options options_for(const fake_media_daemon& daemon) {
  sb::sim_call_options o;
  o.base_url = daemon.base_url();
  o.auth_token = auth_token;
  o.call_sid = "CA0123456789abcdef0123456789abcdef";
  return o;
}

sb::media_sim_options quick_media() {
  sb::media_sim_options m;
  m.reply_quiet = 300ms;
  m.conversation.reply_timeout = 5s;
  m.conversation.listen = 500ms;
  return m;
}

std::vector<std::string> lines_of(const sb::sim_result& r) {
  std::vector<std::string> out;
  for (const auto& l : r.transcript)
    out.push_back(l.speaker + ": " + l.text);
  return out;
}

} // namespace

TEST_CASE("a media call: greeting, a barge-in, a reply with a hole, hang-up",
          "[sim_media]") {
  fake_media_daemon daemon{
    plan_of({{act::speak, act::long_reply, act::speak_gap}})};
  auto opts = options_for(daemon);
  sb::test::temp_dir dir{"sim-media"};
  auto media = quick_media();
  media.heard_path = dir.path() + "/heard.wav";
  auto interrupt = said("wait", 300);
  interrupt.step.kind = sb::sim_step_kind::interrupt;
  interrupt.step.seconds = 0.5;
  sb::http_client client;
  auto r = sb::play_media_script(
    client, opts, script_of({said("hello", 300), interrupt}), media);
  INFO(sb::format_transcript(r));
  CHECK(r.error.empty());
  REQUIRE(r.transcript.size() == 9);
  CHECK(r.transcript[0].text.find("stream MZ") == 0);
  CHECK(r.transcript[0].text.find(" to " + daemon.ws_base() + "/media")
        != std::string::npos);
  CHECK(lines_of(r)
        == std::vector<std::string>{
          "twilio: " + r.transcript[0].text, "twilio: stream-started",
          "assistant: 0.60 s of audio, marks g1.c0 g1.c1", "caller: hello",
          "assistant: 3.00 s of audio, marks g2.c0", "caller: wait",
          "assistant: 0.40 s of audio, marks g3.c0 g3.c1",
          "twilio: the caller hangs up: stop, close 1000",
          "twilio: stream-stopped"});
  const auto& greeting = r.transcript[2];
  CHECK(greeting.note.find("gap from the stream's start") == 0);
  CHECK(greeting.latency_ms >= 0);
  const auto& barged = r.transcript[4];
  INFO(barged.note);
  CHECK(barged.latency_ms > 0);
  CHECK(barged.latency_ms < 2000);
  CHECK(barged.note.find("clear at 0.5") != std::string::npos);
  CHECK(barged.note.find("barge-in: clear ") != std::string::npos);
  CHECK(barged.note.find(" played") != std::string::npos);
  CHECK(r.transcript[5].note.find("talks over the reply 0.5 s into it") == 0);
  const auto& holed = r.transcript[6];
  CHECK(holed.note.find("playback gaps over 40 ms: 1 (longest ")
        != std::string::npos);
  CHECK(r.completed_ms >= 0);

  CHECK(daemon.closes(1) == std::vector<int>{1000});
  std::lock_guard<std::mutex> lock{daemon.mutex};
  CHECK(daemon.problems.empty());
  CHECK(daemon.bad_signatures.empty());
  REQUIRE(daemon.starts.size() == 1);
  const auto& start = daemon.starts[0];
  CHECK(start.stream_sid.size() == 34);
  CHECK(start.stream_sid.compare(0, 2, "MZ") == 0);
  CHECK(start.call_sid == opts.call_sid);
  CHECK(start.account_sid == opts.account_sid);
  CHECK(start.custom_parameters
        == std::vector<std::pair<std::string, std::string>>{
          {"callSid", opts.call_sid}, {"token", "tok-1"}});
  REQUIRE(daemon.events.size() > 2);
  CHECK(daemon.events[0] == "connected");
  CHECK(daemon.events[1] == "start");
  CHECK(daemon.events.back() == "stop");
  CHECK(daemon.stops == 1);
  // Every mark came back: the played ones, and the cleared one at once.
  CHECK(
    daemon.echoed
    == std::vector<std::string>{"g1.c0", "g1.c1", "g2.c0", "g3.c0", "g3.c1"});
  CHECK(daemon.clear_echoes.front() == "g2.c0");
  REQUIRE(daemon.posts.size() == 4);
  CHECK(daemon.posts[0].first == "/voice/inbound");
  CHECK(daemon.posts[1].first == "/voice/media-status");
  const auto& started = daemon.posts[1].second;
  CHECK(sb::param_or(started, "StreamEvent") == "stream-started");
  CHECK(sb::param_or(started, "StreamSid") == start.stream_sid);
  CHECK(sb::param_or(started, "StreamName") == start.stream_sid);
  CHECK(sb::param_or(started, "CallSid") == opts.call_sid);
  CHECK(sb::param_or(started, "Timestamp").back() == 'Z');
  CHECK(daemon.posts[2].first == "/voice/media-status");
  CHECK(sb::param_or(daemon.posts[2].second, "StreamEvent")
        == "stream-stopped");
  CHECK(daemon.posts[3].first == "/call-status");
  CHECK(sb::param_or(daemon.posts[3].second, "CallStatus") == "completed");

  // What the caller heard: the whole call at 8 kHz, the greeting's tone
  // at its start, and less than all three seconds of the cleared reply.
  std::ifstream in{media.heard_path, std::ios::binary};
  std::string wav{std::istreambuf_iterator<char>{in}, {}};
  auto heard = sb::read_wav(wav);
  REQUIRE(heard);
  CHECK(heard->sample_rate == 8000);
  size_t loud = 0;
  for (auto s : heard->samples)
    loud += s != 0;
  CHECK(loud > 8 * (600 + 400));
  CHECK(loud < 8 * (600 + 3000 + 400));
}

TEST_CASE("the daemon closes the stream: a reconnect, then a transfer",
          "[sim_media]") {
  fake_media_daemon daemon{plan_of(
    {{act::speak, act::close}, {act::speak, act::close}}, "reconnect,dial")};
  auto opts = options_for(daemon);
  sb::http_client client;
  auto r = sb::play_media_script(
    client, opts,
    script_of({said("one", 200), said("two", 200), said("three", 200)}),
    quick_media());
  INFO(sb::format_transcript(r));
  CHECK(r.error.empty());
  auto lines = lines_of(r);
  REQUIRE(lines.size() == 15);
  CHECK(lines[3] == "caller: one");
  CHECK(lines[4] == "assistant: 0.20 s of audio, marks g2.c0");
  CHECK(lines[5] == "twilio: the daemon closed the stream (code 1000)");
  CHECK(lines[6] == "twilio: <Connect action> /voice/media-done");
  CHECK(lines[7].find("twilio: reconnected: stream MZ") == 0);
  CHECK(lines[8] == "twilio: stream-started");
  CHECK(lines[9] == "assistant: 0.60 s of audio, marks g1.c0 g1.c1");
  CHECK(lines[10] == "caller: two");
  CHECK(lines[11] == "assistant: 0.20 s of audio, marks g2.c0");
  CHECK(lines[14] == "twilio: transferred to +14155550123");
  // The daemon closed the socket right after its audio: the rest was cut.
  CHECK(r.transcript[4].note.find("then the stream ended")
        != std::string::npos);
  CHECK(r.transcript[6].latency_ms >= 0);
  CHECK(r.transcript[9].note.find("gap from the stream's start") == 0);
  CHECK(r.completed_ms >= 0);

  std::lock_guard<std::mutex> lock{daemon.mutex};
  CHECK(daemon.problems.empty());
  REQUIRE(daemon.starts.size() == 2);
  CHECK(daemon.starts[0].stream_sid != daemon.starts[1].stream_sid);
  CHECK(daemon.starts[1].custom_parameters.back().second == "tok-2");
  CHECK(daemon.stops == 0);
  std::vector<std::string> targets;
  for (const auto& p : daemon.posts)
    targets.push_back(p.first);
  CHECK(targets
        == std::vector<std::string>{"/voice/inbound", "/voice/media-status",
                                    "/voice/media-done", "/voice/media-status",
                                    "/voice/media-done", "/call-status"});
  const auto& done = daemon.posts[2].second;
  CHECK(sb::param_or(done, "CallStatus") == "in-progress");
  CHECK(sb::param_or(done, "CallSid") == opts.call_sid);
  CHECK(sb::param_or(done, "Direction") == "inbound");
  CHECK(sb::param_or(done, "From") == opts.from);
}

TEST_CASE("keys go out as dtmf frames and the caller listens after them",
          "[sim_media]") {
  fake_media_daemon daemon{plan_of({{act::speak}})};
  auto opts = options_for(daemon);
  sb::media_line keys;
  keys.step.kind = sb::sim_step_kind::digits;
  keys.step.text = "12#";
  sb::http_client client;
  auto r = sb::play_media_script(client, opts, script_of({keys}),
                                 quick_media());
  INFO(sb::format_transcript(r));
  CHECK(r.error.empty());
  CHECK(lines_of(r)[3] == "caller: [digits 12#]");
  std::lock_guard<std::mutex> lock{daemon.mutex};
  CHECK(daemon.problems.empty());
  CHECK(daemon.digits == std::vector<std::string>{"1", "2", "#"});
}

TEST_CASE("no greeting within the reply timeout ends the call", "[sim_media]") {
  fake_media_daemon daemon{plan_of({{act::nothing}})};
  auto media = quick_media();
  media.conversation.reply_timeout = 300ms;
  sb::http_client client;
  auto r = sb::play_media_script(client, options_for(daemon),
                                 script_of({said("hello", 200)}), media);
  CHECK(r.error == "no greeting within 300 ms");
  CHECK(daemon.closes(1) == std::vector<int>{1000});
}

TEST_CASE("a frame Twilio would refuse ends the media call", "[sim_media]") {
  fake_media_daemon daemon{plan_of({{act::bad_frame}})};
  sb::http_client client;
  auto r = sb::play_media_script(client, options_for(daemon),
                                 script_of({said("hello", 200)}),
                                 quick_media());
  CHECK(r.error.find("daemon frame: ") == 0);
  CHECK(r.error.find("\"event\":\"play\"") != std::string::npos);
}

TEST_CASE("a media call to a daemon on the gather transport names it",
          "[sim_media]") {
  auto gather = plan_of({});
  gather.gather = true;
  fake_media_daemon daemon{gather};
  sb::http_client client;
  auto r = sb::play_media_script(client, options_for(daemon),
                                 script_of({said("hello", 200)}),
                                 quick_media());
  CHECK(r.error.find("the daemon answered with <Gather>") == 0);
}
