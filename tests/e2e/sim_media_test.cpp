// End-to-end: switchboard-sim --transport media, the built binary, against
// the real daemon on voice.transport = "media" (its own recogniser,
// espeak-ng, a local model server): one call whose caller barges in, with
// what the caller heard kept; then a small load run. The caller's words
// are espeak-ng's on the simulator's side and one of Debian's recordings.
#include <fstream>
#include <iterator>
#include <string>

#include <catch2/catch.hpp>

#include "backends/audio/audio_format.hpp"
#include "fixtures/fake_llm.hpp"
#include "support/daemon_process.hpp"
#include "support/skip.hpp"
#include "support/speech_sets.hpp"
#include "support/temp_dir.hpp"

using namespace sb;
using namespace sb::test;

namespace {

const std::string auth_token = "sim-media-test-token";

// The daemon's recogniser model and a recording to say.
bool have_speech() {
  return static_cast<bool>(
    detail::slurp(pocketsphinx_testdata + "/librivox/"
                  + "sense_and_sensibility_01_austen_64kb-0880.wav"));
}

daemon_options media_options(const temp_dir& dir, const fake_llm& model) {
  daemon_options o;
  o.db_path = dir.file("sim-media.db");
  o.voice_extra = "transport = \"media\"\ngreeting = \"Hello.\"\n";
  o.validate_signatures = true;
  o.auth_token = auth_token;
  o.tts_engine = "espeak";
  o.extra_toml = "[llm]\nbackend = \"ollama\"\nmodel = \"m\"\ntimeout_s = 20\n"
                 "[[llm.endpoints]]\nurl = \""
                 + model.base_url() + "\"\nslots = 4\n[stt]\nworkers = 2\n";
  return o;
}

std::string write_script(const temp_dir& dir, const std::string& text) {
  auto path = dir.file("call.txt");
  std::ofstream{path} << text;
  return path;
}

} // namespace

TEST_CASE("media: switchboard-sim plays a call with a barge-in and keeps "
          "what the caller heard",
          "[media][sim]") {
  if (!have_speech())
    SB_SKIP("pocketsphinx-testdata is not installed");
  fake_llm model{fake_llm::flavor::ollama};
  model.set_reply("We open at nine in the morning. We close at five in the "
                  "evening, every day but Sunday.");
  temp_dir dir;
  daemon_options opts = media_options(dir, model);
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  auto script = write_script(
    dir, "wav " + pocketsphinx_testdata
           + "/librivox/sense_and_sensibility_01_austen_64kb-0880.wav\n"
             "interrupt 1: wait wait, I have another question please\n");
  auto heard = dir.file("heard.wav");
  std::string out;
  int rc = run_sim_command({"--url", d.base_url(), "--auth-token", auth_token,
                            "--transport", "media", "--script", script,
                            "--heard", heard},
                           out);
  INFO(out << d.log());
  CHECK(rc == 0);
  CHECK(out.find("stream MZ") != std::string::npos);
  CHECK(out.find("twilio:    stream-started") != std::string::npos);
  CHECK(out.find("barge-in: clear ") != std::string::npos);
  CHECK(out.find("the caller hangs up: stop, close 1000") != std::string::npos);
  CHECK(out.find("twilio:    stream-stopped") != std::string::npos);
  std::ifstream in{heard, std::ios::binary};
  std::string wav{std::istreambuf_iterator<char>{in}, {}};
  auto pcm = read_wav(wav);
  REQUIRE(pcm);
  CHECK(pcm->sample_rate == 8000);
  CHECK(pcm->samples.size() > 8000 * 5); // the call lasted seconds
  CHECK(d.stop() == 0);
}

TEST_CASE("media: switchboard-sim load plays media calls and reports turn "
          "gaps",
          "[media][sim]") {
  if (!have_speech())
    SB_SKIP("pocketsphinx-testdata is not installed");
  fake_llm model{fake_llm::flavor::ollama};
  model.set_reply("Of course. Let me look that up.");
  temp_dir dir;
  daemon_options opts = media_options(dir, model);
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  std::string out;
  int rc = run_sim_command({"load", "--url", d.base_url(), "--auth-token",
                            auth_token, "--transport", "media", "--calls", "3",
                            "--concurrency", "3", "--json"},
                           out);
  INFO(out << d.log());
  CHECK(rc == 0);
  CHECK(out.find("calls:     3 completed, 0 failed") != std::string::npos);
  // Two sentences a call: six turn gaps, three greetings.
  CHECK(out.find("\"turn_gap_ms\":{\"count\":6") != std::string::npos);
  CHECK(out.find("\"greeting_ms\":{\"count\":3") != std::string::npos);
  CHECK(d.stop() == 0);
}
