// End-to-end with our own voices: espeak-ng in the daemon, and an HTTP
// speech server; the caller's side fetches every <Play> URL as Twilio does.
#include <chrono>
#include <cmath>

#include <catch2/catch.hpp>

#include "backends/audio/audio_format.hpp"
#include "cli/sim/twiml_reader.hpp"
#include "fixtures/fake_tts.hpp"
#include "net/client/http_client.hpp"
#include "net/text/form.hpp"
#include "support/daemon_http.hpp"
#include "support/daemon_process.hpp"

using namespace sb;
using namespace sb::test;
using namespace std::chrono_literals;

namespace {

// The <Play> URL of a TwiML answer, as a path on the daemon.
std::string play_path(const std::string& body) {
  auto doc = read_twiml(body);
  if (!doc || !doc->find("Play"))
    return {};
  auto url = doc->find("Play")->text;
  return url.substr(url.find("/audio/"));
}

// Fetches the audio as Twilio would and checks it is phone-ready speech.
double played_seconds(http_client& cl, const daemon_process& d,
                      const std::string& path) {
  auto r = cl.get(d.base_url() + path);
  REQUIRE(r);
  REQUIRE(r->status == 200);
  CHECK(r->content_type == "audio/wav");
  REQUIRE(r->body.size() > 44);
  CHECK(r->body.substr(0, 4) == "RIFF");
  CHECK(static_cast<unsigned char>(r->body[20]) == 7); // mu-law format tag
  auto pcm = read_wav(r->body);
  REQUIRE(pcm);
  CHECK(pcm->sample_rate == 8000);
  double energy = 0;
  for (auto s : pcm->samples)
    energy += double(s) * s;
  CHECK(std::sqrt(energy / pcm->samples.size()) > 300); // not silence
  return double(pcm->samples.size()) / pcm->sample_rate;
}

} // namespace

TEST_CASE("espeak-ng speaks every turn, in Hindi and English") {
  temp_dir dir;
  daemon_options opts;
  opts.db_path = dir.file("espeak.db");
  opts.tts_engine = "espeak";
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  http_client cl;
  auto greeting = post_form(cl, d, "/voice/inbound", {{"CallSid", "CA40"}});
  REQUIRE(greeting);
  auto path = play_path(greeting->body);
  REQUIRE_FALSE(path.empty());
  CHECK(read_twiml(greeting->body)->find("Gather")->find("Play"));
  CHECK(played_seconds(cl, d, path) > 2.0);

  auto hi = post_form(cl, d, "/voice/process-speech",
                      {{"CallSid", "CA40"}, {"SpeechResult", "मुझे मदद चाहिए"}});
  auto hi_path = play_path(hi->body);
  REQUIRE_FALSE(hi_path.empty());
  CHECK(played_seconds(cl, d, hi_path) > 2.0);
  auto en = post_form(cl, d, "/voice/process-speech",
                      {{"CallSid", "CA40"}, {"SpeechResult", "hello"}});
  auto en_path = play_path(en->body);
  CHECK(en_path != hi_path);
  CHECK(played_seconds(cl, d, en_path) > 1.0);

  // Cached files are validated by ETag; unknown or odd ids are 404.
  auto etag_hit = cl.get(d.base_url() + path,
                         {{"If-None-Match", "\"" + path.substr(7, 64) + "\""}});
  CHECK(etag_hit->status == 304);
  auto head = cl.request("HEAD", d.base_url() + path);
  REQUIRE(head);
  CHECK(head->status == 200);
  CHECK(head->body.empty());
  CHECK(head->content_type == "audio/wav");
  CHECK(cl.get(d.base_url() + "/audio/" + std::string(64, 'a') + ".wav")->status
        == 404);
  CHECK(cl.get(d.base_url() + "/audio/..%2Fespeak.db.wav")->status == 404);
  CHECK(cl.get(d.base_url() + "/audio/../espeak.db")->status == 404);
  REQUIRE(d.stop() == 0);
}

TEST_CASE(
  "an HTTP speech server is used, and a failing one falls back to Say") {
  fake_tts server;
  REQUIRE(server.ok());
  temp_dir dir;
  daemon_options opts;
  opts.db_path = dir.file("http.db");
  opts.tts_engine = "http";
  opts.tts_extra =
    "timeout_ms = 1000\nhttp_flavor = \"openai\"\nvoice = \"alloy\"\n"
    "[[tts.endpoints]]\nurl = \""
    + server.base_url() + "\"\nslots = 2\n";
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  http_client cl;
  auto greeting = post_form(cl, d, "/voice/inbound", {{"CallSid", "CA41"}});
  auto path = play_path(greeting->body);
  REQUIRE_FALSE(path.empty());
  played_seconds(cl, d, path);
  bool asked = false;
  for (const auto& r : server.requests())
    asked = asked
            || (r.path == "/v1/audio/speech"
                && r.text.find("Namaste") != std::string::npos);
  CHECK(asked);

  server.set_mode(fake_tts_mode::http_500);
  auto reply = post_form(cl, d, "/voice/process-speech",
                         {{"CallSid", "CA41"},
                          {"SpeechResult", "tell me about payments"}});
  auto doc = read_twiml(reply->body);
  REQUIRE(doc);
  CHECK_FALSE(doc->find("Play"));
  REQUIRE(doc->find("Say"));
  CHECK(doc->find("Say")->text.find("payments") != std::string::npos);

  server.set_mode(fake_tts_mode::wav);
  server.set_delay(3000ms); // beyond tts.timeout_ms
  auto t0 = std::chrono::steady_clock::now();
  auto slow = post_form(cl, d, "/voice/process-speech",
                        {{"CallSid", "CA41"},
                         {"SpeechResult", "and my orders"}});
  CHECK(std::chrono::steady_clock::now() - t0 < 2500ms);
  CHECK(read_twiml(slow->body)->find("Say"));
  REQUIRE(d.stop() == 0);
}
