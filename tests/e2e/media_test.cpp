// End-to-end over Twilio Media Streams: the real daemon with
// voice.transport = "media", its own recogniser (pocketsphinx), TTS
// (espeak-ng) and a local model server, against Twilio's side played by
// tests/e2e/media_line.hpp with Debian's recorded speech as the caller.
#include <chrono>
#include <string>

#include <catch2/catch.hpp>

#include "backends/stt/word_error_rate.hpp"
#include "fixtures/fake_llm.hpp"
#include "media_line.hpp"
#include "net/client/http_client.hpp"
#include "net/text/form.hpp"
#include "support/daemon_http.hpp"
#include "support/daemon_process.hpp"
#include "support/skip.hpp"
#include "support/speech_sets.hpp"
#include "support/temp_dir.hpp"

using namespace sb;
using namespace sb::test;
using namespace std::chrono_literals;

namespace {

const std::string auth_token = "media-test-auth-token";

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
                 + "\"\nslots = 2\n[stt]\nworkers = 1\n[media]\n"
                 + media_extra;
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

} // namespace

TEST_CASE("a media call: greeting, the caller's words, the reply, in frames",
          "[media]") {
  if (!have_speech())
    SB_SKIP("pocketsphinx-testdata is not installed");
  fake_llm model{fake_llm::flavor::ollama};
  model.set_reply("Going forward now. Ten meters it is.");
  temp_dir dir;
  daemon_process d{media_options(dir, model), dir.path()};
  REQUIRE(d.running());
  auto sid = std::string{"CA"} + std::string(32, 'a');
  auto s = answer_call(d, sid);
  CHECK(s.url == "ws://127.0.0.1:" + std::to_string(d.port()) + "/media");
  CHECK(s.action == d.base_url() + "/voice/media-done");
  CHECK(s.status_callback == d.base_url() + "/voice/media-status");
  media_line line{d, sid, auth_token};
  line.open(s);
  // The greeting: paced frames of 20..100 ms, a mark after it.
  REQUIRE(line.wait(20s, [&] { return !line.replies.empty() && line.quiet(); }));
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
                       "stt_tail_ms FROM turns WHERE call_sid = '"
                       + sid + "' ORDER BY seq");
  REQUIRE(turns.size() >= 2);
  CHECK(turns[0]["role"] == "user");
  CHECK(count_word_errors("go forward ten meters", turns[0]["content"]).rate()
        <= 0.5);
  CHECK(turns[1]["role"] == "assistant");
  CHECK(turns[1]["content"] == "Going forward now. Ten meters it is.");
  CHECK_FALSE(turns[1]["turn_gap_ms"].empty());
  CHECK_FALSE(turns[1]["eot_wait_ms"].empty());
  line.hang_up();
}
