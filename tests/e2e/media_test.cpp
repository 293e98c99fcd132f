// End-to-end over Twilio Media Streams: the real daemon with
// voice.transport = "media", its own recogniser (pocketsphinx), TTS
// (espeak-ng) and a local model server, against Twilio's side played by
// tests/e2e/media_line.hpp with Debian's recorded speech as the caller.
#include <chrono>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include "backends/stt/word_error_rate.hpp"
#include "backends/tts/tts_espeak.hpp"
#include "fixtures/fake_llm.hpp"
#include "fixtures/tool_model.hpp"
#include "media_line.hpp"
#include "net/client/http_client.hpp"
#include "net/text/form.hpp"
#include "support/daemon_http.hpp"
#include "support/daemon_process.hpp"
#include "support/poll_until.hpp"
#include "support/skip.hpp"
#include "support/speech_sets.hpp"
#include "support/temp_dir.hpp"

using namespace sb;
using namespace sb::test;
using namespace std::chrono_literals;

namespace {

const std::string auth_token = "media-test-auth-token";

std::string slurp_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

bool have_speech() {
  return static_cast<bool>(detail::load_clip("goforward.raw", ""));
}

std::string clip_mulaw(const std::string& name) {
  auto clip = detail::load_clip(name, "");
  REQUIRE(clip);
  return to_mulaw(clip->audio);
}

daemon_options media_options(const temp_dir& dir, const fake_llm& model,
                             const std::string& media_extra = {},
                             const std::string& voice_extra = {}) {
  daemon_options o;
  o.db_path = dir.file("media.db");
  o.voice_extra = "transport = \"media\"\n" + voice_extra;
  o.validate_signatures = true;
  o.auth_token = auth_token;
  o.tts_engine = "espeak";
  o.extra_toml = "[llm]\nbackend = \"ollama\"\nmodel = \"m\"\ntimeout_s = 20\n"
                 "[[llm.endpoints]]\nurl = \""
                 + model.base_url()
                 + "\"\nslots = 2\n[stt]\nworkers = 1\n[media]\n" + media_extra;
  return o;
}

form_params call_params(const std::string& sid,
                        const std::string& status = "ringing") {
  return {{"CallSid", sid},         {"AccountSid", "ACtest"},
          {"From", "+15550001111"}, {"To", "+15550002222"},
          {"CallStatus", status},   {"Direction", "inbound"}};
}

caf::expected<client_response> post(const daemon_process& d,
                                    const std::string& path,
                                    const form_params& params) {
  http_client cl;
  return sb::test::post_signed(cl, d, path, params, auth_token);
}

stream_twiml answer_call(const daemon_process& d, const std::string& sid) {
  auto inbound = post(d, "/voice/inbound", call_params(sid));
  REQUIRE(inbound);
  REQUIRE(inbound->status == 200);
  auto s = stream_of(inbound->body);
  INFO(inbound->body);
  REQUIRE(s);
  return *s;
}

// The reply after the one the caller has just heard, awaited.
bool await_reply(media_line& line, size_t replies_before,
                 std::chrono::milliseconds max = 20s) {
  return line.wait(max, [&] {
    return line.replies.size() > replies_before && line.quiet();
  });
}

const char* short_greeting = "greeting = \"Hello.\"\n";

std::string sid_of(char c) {
  return std::string{"CA"} + std::string(32, c);
}

} // namespace

TEST_CASE("a media call: greeting, the caller's words, the reply, in frames",
          "[media]") {
  if (!have_speech())
    SB_SKIP("pocketsphinx-testdata is not installed");
  fake_llm model{fake_llm::flavor::ollama};
  model.set_reply("Going forward now. Ten meters it is.");
  temp_dir dir;
  daemon_process d{media_options(dir, model, "keep_caller_audio = true\n"),
                   dir.path()};
  REQUIRE(d.running());
  auto sid = std::string{"CA"} + std::string(32, 'a');
  auto s = answer_call(d, sid);
  CHECK(s.url == "ws://127.0.0.1:" + std::to_string(d.port()) + "/media");
  CHECK(s.action == d.base_url() + "/voice/media-done");
  CHECK(s.status_callback == d.base_url() + "/voice/media-status");
  media_line line{d, sid, auth_token};
  line.open(s);
  // The greeting: paced frames of 20..100 ms, a mark after it.
  REQUIRE(
    line.wait(20s, [&] { return !line.replies.empty() && line.quiet(); }));
  INFO(d.log());
  const auto& greeting = line.replies.at(0);
  CHECK(greeting.mulaw.size() > 8000 * 3); // seconds of espeak speech
  for (auto ms : greeting.frame_ms) {
    CHECK(ms >= 20);
    CHECK(ms <= 100);
  }
  REQUIRE_FALSE(greeting.marks.empty());
  // The caller speaks; the words become a turn and the reply comes back.
  line.run(clip_mulaw("goforward.raw"), 20s,
           [&] { return line.replies.size() >= 2 && line.quiet(); });
  REQUIRE(line.replies.size() >= 2);
  auto gap = line.replies[1].first_audio - line.talk_ended;
  CHECK(gap < 3s);
  auto turns = d.query("SELECT role, content, turn_gap_ms, eot_wait_ms, "
                       "stt_tail_ms, audio FROM turns WHERE call_sid = '"
                       + sid + "' ORDER BY seq");
  REQUIRE(turns.size() >= 2);
  CHECK(turns[0]["role"] == "user");
  // media.keep_caller_audio: what the recogniser heard, beside the
  // database, as a WAV of about the clip's length.
  auto wav = slurp_file(turns[0]["audio"]);
  CHECK(turns[0]["audio"].rfind(dir.path() + "/caller-audio/", 0) == 0);
  REQUIRE(wav.size() > 44);
  CHECK(wav.compare(0, 4, "RIFF") == 0);
  auto audio = read_wav(wav);
  REQUIRE(audio);
  CHECK(audio->samples.size() > 8000 * 2);
  CHECK(count_word_errors("go forward ten meters", turns[0]["content"]).rate()
        <= 0.5);
  CHECK(turns[1]["role"] == "assistant");
  CHECK(turns[1]["content"] == "Going forward now. Ten meters it is.");
  // What the caller heard is espeak-ng saying the reply: as long as the
  // same text synthesised here, within a frame's rounding per clause.
  auto engine = espeak_engine::create();
  REQUIRE(engine);
  double expected_s = 0;
  for (const char* clause : {"Going forward now.", "Ten meters it is."}) {
    auto pcm = (*engine)->synthesize(clause, "hi");
    REQUIRE(pcm);
    expected_s += static_cast<double>(pcm->samples.size()) / pcm->sample_rate;
  }
  auto heard_s = static_cast<double>(line.replies[1].mulaw.size()) / 8000;
  CHECK(heard_s == Approx(expected_s).epsilon(0.1));
  CHECK(line.replies[1].marks.size() == 2);
  CHECK_FALSE(turns[1]["turn_gap_ms"].empty());
  CHECK_FALSE(turns[1]["eot_wait_ms"].empty());
  // Once heard whole, the turn names both clauses' audio, in order: the
  // console plays them as the caller heard them.
  std::string clause_audio;
  REQUIRE(testing::poll_until(
    [&] {
      clause_audio = d.query("SELECT coalesce(audio, '') AS audio FROM turns "
                             "WHERE call_sid = '"
                             + sid + "' AND seq = 2")
                       .at(0)["audio"];
      return !clause_audio.empty();
    },
    5s));
  auto space = clause_audio.find(' ');
  REQUIRE(space != std::string::npos);
  double stored_s = 0;
  for (const auto& id :
       {clause_audio.substr(0, space), clause_audio.substr(space + 1)}) {
    auto clause_wav = read_wav(
      slurp_file(dir.file("media.db") + ".audio/" + id + ".wav"));
    REQUIRE(clause_wav);
    stored_s += static_cast<double>(clause_wav->samples.size())
                / clause_wav->sample_rate;
  }
  CHECK(stored_s == Approx(heard_s).epsilon(0.1));
  line.hang_up();
}

TEST_CASE("barge-in clears our audio and stores what the caller heard",
          "[media]") {
  if (!have_speech())
    SB_SKIP("pocketsphinx-testdata is not installed");
  fake_llm model{fake_llm::flavor::ollama};
  const std::string reply =
    "First, walk to the door. Second, open it slowly. Third, step outside "
    "and look around. Fourth, turn left at the gate. Fifth, keep walking "
    "for ten meters. Sixth, stop and wait for me there.";
  model.set_reply(reply);
  temp_dir dir;
  daemon_process d{media_options(dir, model, {}, short_greeting), dir.path()};
  REQUIRE(d.running());
  auto sid = sid_of('b');
  media_line line{d, sid, auth_token};
  line.open(answer_call(d, sid));
  REQUIRE(await_reply(line, 0));
  // The caller asks; the long reply starts playing.
  line.run(clip_mulaw("goforward.raw"), 20s,
           [&] { return line.replies.size() >= 2; });
  REQUIRE(line.replies.size() >= 2);
  // Once a second and a half of it has come, the caller talks over it.
  REQUIRE(line.wait(10s, [&] {
    return line.replies[1].mulaw.size() >= 8000 * 3 / 2;
  }));
  // The caller talks over it: clear within barge_in_ms (+ the detector's
  // start and the clip's leading silence).
  line.run(clip_mulaw("numbers.raw"), 4s, [&] { return !line.clears.empty(); });
  INFO(d.log());
  REQUIRE(line.clears.size() == 1);
  CHECK(line.clears[0] - line.talk_started < 1500ms);
  // The caller's words become the next turn, answered.
  auto before = line.replies.size();
  REQUIRE(await_reply(line, before, 30s));
  auto turns = d.query("SELECT role, content, interrupted FROM turns WHERE "
                       "call_sid = '"
                       + sid + "' ORDER BY seq");
  INFO(d.log());
  REQUIRE(turns.size() >= 4);
  CHECK(turns[1]["role"] == "assistant");
  CHECK(turns[1]["interrupted"] == "1");
  // Trimmed to whole clauses that played: a proper prefix of the reply.
  CHECK_FALSE(turns[1]["content"].empty());
  CHECK(turns[1]["content"].size() < reply.size());
  CHECK(reply.compare(0, turns[1]["content"].size(), turns[1]["content"]) == 0);
  CHECK(turns[2]["role"] == "user");
  CHECK(turns[3]["role"] == "assistant");
  CHECK(turns[3]["interrupted"] == "0");
  CHECK(d.query_int("SELECT count(*) FROM turns WHERE call_sid = '" + sid
                    + "' AND turn_gap_ms IS NOT NULL")
        >= 1);
}

TEST_CASE("keys are turns, and 0 transfers after the message is heard",
          "[media]") {
  fake_llm model{fake_llm::flavor::ollama};
  model.set_reply("You pressed a key.");
  temp_dir dir;
  daemon_process d{
    media_options(dir, model, {},
                  std::string{short_greeting}
                    + "transfer_number = \"+15550009999\"\n"
                      "transfer_message = \"Connecting you now.\"\n"),
    dir.path()};
  REQUIRE(d.running());
  auto sid = sid_of('c');
  media_line line{d, sid, auth_token};
  line.open(answer_call(d, sid));
  REQUIRE(await_reply(line, 0));
  line.dtmf("5");
  REQUIRE(await_reply(line, 1));
  CHECK(d.query_int("SELECT count(*) FROM turns WHERE call_sid = '" + sid
                    + "' AND role = 'user' AND content = '5'")
        == 1);
  line.dtmf("0");
  // The transfer message plays, its mark comes back, the daemon closes.
  REQUIRE(line.wait(15s, [&] { return line.closed; }));
  CHECK(line.close_code == 1000);
  CHECK(line.replies.size() == 3);
  auto done = post(d, "/voice/media-done", call_params(sid, "in-progress"));
  REQUIRE(done);
  INFO(done->body);
  CHECK(done->body.find("<Dial") != std::string::npos);
  CHECK(done->body.find("+15550009999") != std::string::npos);
}

TEST_CASE("a goodbye ends the stream once heard, and media-done hangs up",
          "[media]") {
  fake_llm model{fake_llm::flavor::ollama};
  model.set_reply("Goodbye, and thank you.");
  model.set_tool_call("end_call");
  temp_dir dir;
  daemon_process d{media_options(dir, model, {}, short_greeting), dir.path()};
  REQUIRE(d.running());
  auto sid = sid_of('d');
  media_line line{d, sid, auth_token};
  line.open(answer_call(d, sid));
  REQUIRE(await_reply(line, 0));
  line.dtmf("9");
  REQUIRE(line.wait(15s, [&] { return line.closed; }));
  CHECK(line.close_code == 1000);
  // The farewell was played in full before the close: its mark came back.
  REQUIRE(line.replies.size() == 2);
  CHECK(line.replies[1].mulaw.size() > 8000 / 2);
  auto done = post(d, "/voice/media-done", call_params(sid, "in-progress"));
  REQUIRE(done);
  CHECK(done->body.find("<Hangup/>") != std::string::npos);
}

TEST_CASE("while the model's tool runs the caller hears the filler as a "
          "clause of its own, then the answer",
          "[media][mcp]") {
  tool_servers tools;
  REQUIRE(tools.ok());
  temp_dir dir;
  daemon_process d{media_options(dir, tools.model,
                                 mcp_server_toml("orders", tools.orders.url()),
                                 short_greeting),
                   dir.path()};
  REQUIRE(d.running());
  REQUIRE(d.wait_for_log("MCP tool(s) offered"));
  auto sid = sid_of('t');
  media_line line{d, sid, auth_token};
  line.open(answer_call(d, sid));
  REQUIRE(await_reply(line, 0));
  line.dtmf("1"); // a key is a turn too: no recogniser needed
  // Heard whole (the line plays it and sends the marks back): the stored
  // turn names the audio of both clauses, the filler's first, but its
  // words are only the model's answer.
  std::vector<std::map<std::string, std::string>> turns;
  REQUIRE(line.wait(20s, [&] {
    turns = d.query("SELECT content, coalesce(audio, '') AS audio FROM turns "
                    "WHERE call_sid = '"
                    + sid + "' AND role = 'assistant'");
    return !turns.empty() && turns[0]["audio"].find(' ') != std::string::npos;
  }));
  CHECK(turns[0]["content"] == shipped_answer);
  CHECK(tools.orders.requests_for("tools/call").size() == 1);
  CHECK(d.query_int("SELECT count(*) FROM tool_calls WHERE call_sid = '" + sid
                    + "' AND name = 'lookup_order'")
        == 1);
  line.hang_up();
}

TEST_CASE("a dropped stream reconnects without a second greeting, then "
          "gives up",
          "[media]") {
  fake_llm model{fake_llm::flavor::ollama};
  model.set_reply("Still here.");
  temp_dir dir;
  daemon_process d{media_options(dir, model, "max_reconnects = 1\n",
                                 short_greeting),
                   dir.path()};
  REQUIRE(d.running());
  auto sid = sid_of('e');
  {
    media_line line{d, sid, auth_token};
    line.open(answer_call(d, sid));
    REQUIRE(await_reply(line, 0));
    line.client().close(1011); // the connection breaks
  }
  REQUIRE(d.wait_for_log("stream closed"));
  auto done = post(d, "/voice/media-done", call_params(sid, "in-progress"));
  REQUIRE(done);
  auto again = stream_of(done->body);
  INFO(done->body);
  REQUIRE(again);
  {
    media_line line{d, sid, auth_token};
    line.open(*again);
    // No greeting this time; the caller's key is answered, and what the
    // caller hears is that answer alone: one reply's marks, no greeting's
    // before them.
    REQUIRE(sb::testing::poll_until(
      [&] {
        auto log = d.log();
        size_t opened = 0;
        for (auto at = log.find(": media stream "); at != std::string::npos;
             at = log.find(": media stream ", at + 1))
          ++opened;
        return opened >= 2; // the first stream's, and this one's
      },
      5000ms));
    line.dtmf("1");
    REQUIRE(await_reply(line, 0));
    REQUIRE(line.replies.size() == 1);
    REQUIRE_FALSE(line.replies[0].marks.empty());
    auto generation = line.replies[0].marks[0].substr(
      0, line.replies[0].marks[0].find('.'));
    for (const auto& mark : line.replies[0].marks)
      CHECK(mark.rfind(generation + ".", 0) == 0);
    line.client().close(1011);
  }
  auto last = post(d, "/voice/media-done", call_params(sid, "in-progress"));
  REQUIRE(last);
  CHECK(last->body.find("<Hangup/>") != std::string::npos);
  CHECK(last->body.find("<Stream") == std::string::npos);
}

TEST_CASE("after kill -9 the same call goes on with its history", "[media]") {
  fake_llm model{fake_llm::flavor::ollama};
  model.set_reply("Noted.");
  temp_dir dir;
  auto sid = sid_of('f');
  {
    daemon_process d{media_options(dir, model, {}, short_greeting), dir.path()};
    REQUIRE(d.running());
    media_line line{d, sid, auth_token};
    line.open(answer_call(d, sid));
    REQUIRE(await_reply(line, 0));
    line.dtmf("7");
    REQUIRE(await_reply(line, 1));
    d.kill_hard();
  }
  daemon_process d{media_options(dir, model, {}, short_greeting), dir.path()};
  REQUIRE(d.running());
  // Twilio asks the <Connect action> what next: a new stream.
  auto done = post(d, "/voice/media-done", call_params(sid, "in-progress"));
  REQUIRE(done);
  auto again = stream_of(done->body);
  INFO(done->body << d.log());
  REQUIRE(again);
  media_line line{d, sid, auth_token};
  line.open(*again);
  line.dtmf("8");
  REQUIRE(await_reply(line, 0));
  // The model saw the turns from before the crash.
  auto requests = model.requests();
  REQUIRE_FALSE(requests.empty());
  CHECK(requests.back().body.find("\"7\"") != std::string::npos);
  CHECK(requests.back().body.find("Noted.") != std::string::npos);
  CHECK(d.query_int("SELECT count(*) FROM turns WHERE call_sid = '" + sid + "'")
        == 4);
}

TEST_CASE("bad frames are survived and logged once, ten in a row close 1007",
          "[media]") {
  fake_llm model{fake_llm::flavor::ollama};
  model.set_reply("Fine.");
  temp_dir dir;
  daemon_process d{media_options(dir, model, {}, short_greeting), dir.path()};
  REQUIRE(d.running());
  auto sid = sid_of('g');
  media_line line{d, sid, auth_token};
  line.open(answer_call(d, sid));
  REQUIRE(await_reply(line, 0));
  const auto& ms = line.stream_sid();
  line.send("{not json");
  line.send(R"({"event":"sparkle","streamSid":")" + ms + R"("})");
  line.send(twilio_media_frame("MZ" + std::string(32, '0'), 5, 5, 100,
                               std::string(160, '\xff')));
  line.send(R"({"event":"media","sequenceNumber":"9","streamSid":")" + ms
            + R"(","media":{"track":"inbound","chunk":"9","timestamp":"180",)"
              R"("payload":"@@@not base64@@@"}})");
  line.send(twilio_media_frame(ms, 10, 10, 200, std::string(9000, '\xff')));
  line.send(twilio_start_frame(ms, "ACtest", sid, {}));
  // A burst and a long gap in the timestamps.
  for (int i = 0; i < 50; ++i)
    line.send(
      twilio_media_frame(ms, 20 + i, 20 + i, 300, std::string(160, '\xff')));
  line.send(twilio_media_frame(ms, 99, 99, 600000, std::string(160, '\xff')));
  // Still a working call: a key is a turn and gets its answer.
  line.dtmf("4");
  REQUIRE(await_reply(line, 1));
  auto log = d.log();
  INFO(log);
  auto count = [&log](const std::string& text) {
    size_t n = 0;
    for (auto at = log.find(text); at != std::string::npos;
         at = log.find(text, at + 1))
      ++n;
    return n;
  };
  // Once for the JSON, once for media.payload (base64, then its size).
  CHECK(count("malformed frame") == 2);
  CHECK(count("unknown event 'sparkle'") == 1);
  CHECK(count("media of another streamSid") == 1);
  CHECK(count("second start") == 1);
  CHECK(count("a long gap") == 1);
  // Ten malformed frames in a row.
  for (int i = 0; i < 10; ++i)
    line.send("][");
  REQUIRE(line.wait(5s, [&] { return line.closed; }));
  CHECK(line.close_code == 1007);
  CHECK(d.query_int("SELECT count(*) FROM turns WHERE call_sid = '" + sid + "'")
        == 2);
}

TEST_CASE("a peer that does not play our audio is closed with 1008",
          "[media]") {
  fake_llm model{fake_llm::flavor::ollama};
  temp_dir dir;
  daemon_process d{media_options(dir, model, "mark_timeout_s = 2\n"),
                   dir.path()};
  REQUIRE(d.running());
  auto sid = sid_of('h');
  media_line line{d, sid, auth_token};
  line.open(answer_call(d, sid));
  // The greeting is sent and nobody reads it or echoes its mark: the
  // daemon gives up on the peer, then the close waits behind the audio.
  REQUIRE(d.wait_for_log("not echoed", 20000));
  for (;;) {
    auto m = line.client().read_text(5s);
    REQUIRE(m);
    if (m->closed) {
      CHECK(m->close_code == 1008);
      break;
    }
  }
}

TEST_CASE("a stream without a valid start is closed with 1008", "[media]") {
  fake_llm model{fake_llm::flavor::ollama};
  temp_dir dir;
  daemon_process d{media_options(dir, model, "start_timeout_ms = 1000\n"),
                   dir.path()};
  REQUIRE(d.running());
  auto sid = sid_of('i');
  auto s = answer_call(d, sid);
  SECTION("no start at all") {
    media_line line{d, sid, auth_token};
    line.open(s, false);
    REQUIRE(line.wait(5s, [&] { return line.closed; }));
    CHECK(line.close_code == 1008);
  }
  SECTION("a start with another call's token") {
    media_line line{d, sid_of('j'), auth_token};
    line.open(s); // the TwiML's token is sid's, not this call's
    REQUIRE(line.wait(5s, [&] { return line.closed; }));
    CHECK(line.close_code == 1008);
  }
  SECTION("an upgrade without a signature, or to another path") {
    relay_client c{5s};
    auto refused = c.connect("127.0.0.1", std::to_string(d.port()), "/media");
    REQUIRE_FALSE(refused);
    CHECK(c.handshake_status() == 403);
    relay_client other{5s};
    REQUIRE_FALSE(
      other.connect("127.0.0.1", std::to_string(d.port()), "/media/x"));
    CHECK(other.handshake_status() == 404);
  }
}

TEST_CASE("the stream status callback is stored, and the caller hangs up",
          "[media]") {
  fake_llm model{fake_llm::flavor::ollama};
  temp_dir dir;
  daemon_process d{media_options(dir, model, {}, short_greeting), dir.path()};
  REQUIRE(d.running());
  auto sid = sid_of('k');
  media_line line{d, sid, auth_token};
  line.open(answer_call(d, sid));
  auto params = call_params(sid, "in-progress");
  params.emplace_back("StreamSid", line.stream_sid());
  params.emplace_back("StreamName", line.stream_sid());
  params.emplace_back("StreamEvent", "stream-error");
  params.emplace_back("StreamError", "Handshake timed out");
  params.emplace_back("Timestamp", "2026-12-07T00:00:00.000Z");
  auto cb = post(d, "/voice/media-status", params);
  REQUIRE(cb);
  CHECK(cb->status == 200);
  REQUIRE(await_reply(line, 0));
  line.hang_up();
  auto status = post(d, "/call-status", call_params(sid, "completed"));
  REQUIRE(status);
  CHECK(d.query_int("SELECT count(*) FROM events WHERE call_sid = '" + sid
                    + "' AND kind = 'media-status' AND payload LIKE "
                      "'%Handshake timed out%'")
        == 1);
  CHECK(d.query_int("SELECT count(*) FROM events WHERE call_sid = '" + sid
                    + "' AND kind = 'media-stop'")
        == 1);
  CHECK(d.wait_for_log("Handshake timed out"));
  CHECK(sb::testing::poll_until(
    [&] {
      return d.query_int("SELECT count(*) FROM calls WHERE call_sid = '" + sid
                         + "' AND status = 'completed'")
             == 1;
    },
    5000ms));
}

TEST_CASE("silence re-prompts, then the silent call ends once the goodbye "
          "is heard",
          "[media]") {
  fake_llm model{fake_llm::flavor::ollama};
  temp_dir dir;
  daemon_process d{media_options(dir, model, "reprompt_after_s = 2\n",
                                 std::string{short_greeting}
                                   + "max_silent_prompts = 1\n"
                                     "reprompt = \"Are you there?\"\n"
                                     "silence_goodbye = \"Bye for now.\"\n"),
                   dir.path()};
  REQUIRE(d.running());
  auto sid = sid_of('l');
  media_line line{d, sid, auth_token};
  line.open(answer_call(d, sid));
  // Greeting, re-prompt, goodbye: three replies, then the daemon closes.
  REQUIRE(line.wait(20s, [&] { return line.closed; }));
  INFO(d.log());
  CHECK(line.close_code == 1000);
  CHECK(line.replies.size() == 3);
  // Two seconds of silence between them, each heard in full.
  REQUIRE(line.replies.size() >= 2);
  CHECK(line.replies[1].first_audio - line.replies[0].last_audio > 1900ms);
  auto done = post(d, "/voice/media-done", call_params(sid, "in-progress"));
  REQUIRE(done);
  CHECK(done->body.find("<Hangup/>") != std::string::npos);
  CHECK(d.query_int("SELECT count(*) FROM turns WHERE call_sid = '" + sid + "'")
        == 0);
}

TEST_CASE("a greeting that may not be interrupted plays on over the caller",
          "[media]") {
  if (!have_speech())
    SB_SKIP("pocketsphinx-testdata is not installed");
  fake_llm model{fake_llm::flavor::ollama};
  temp_dir dir;
  daemon_process d{
    media_options(dir, model, "greeting_interruptible = false\n"), dir.path()};
  REQUIRE(d.running());
  auto sid = sid_of('m');
  media_line line{d, sid, auth_token};
  line.open(answer_call(d, sid));
  // The (long) default greeting starts; the caller talks over it.
  REQUIRE(line.wait(10s, [&] { return !line.replies.empty(); }));
  line.run(clip_mulaw("goforward.raw"), 20s, [&] { return line.quiet(); });
  INFO(d.log());
  CHECK(line.clears.empty());
  CHECK(line.replies.size() == 1);
  CHECK(d.query_int("SELECT count(*) FROM turns WHERE call_sid = '" + sid + "'")
        == 0);
}

TEST_CASE("an operator's words are spoken into the live stream", "[media]") {
  fake_llm model{fake_llm::flavor::ollama};
  temp_dir dir;
  auto opts = media_options(dir, model, {}, short_greeting);
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  auto sid = sid_of('n');
  media_line line{d, sid, auth_token};
  line.open(answer_call(d, sid));
  REQUIRE(await_reply(line, 0));
  auto said = admin_request(opts.db_path + ".sock",
                            R"({"cmd":"say","sid":")" + sid
                              + R"(","text":"Your order has shipped."})");
  CHECK(said.find(R"("ok":true)") != std::string::npos);
  REQUIRE(await_reply(line, 1));
  // espeak-ng says it in well over a second.
  CHECK(line.replies[1].mulaw.size() > 8000);
  CHECK(d.query_int("SELECT count(*) FROM turns WHERE call_sid = '" + sid
                    + "' AND model = 'operator' AND content = 'Your order "
                      "has shipped.'")
        == 1);
}
