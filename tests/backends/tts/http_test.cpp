// Tests for backends/tts/tts_http against tests/fixtures/fake_tts on loopback:
// each flavor's request (path, body, headers), the answer shapes accepted
// (WAV, streamed WAV, raw PCM), and every failure mode becoming an error
// that names the URL.
#include <catch2/catch.hpp>

#include "backends/tts/tts_http.hpp"
#include "core/error.hpp"
#include "tests/fixtures/fake_tts.hpp"

namespace {

using namespace std::chrono_literals;
using Catch::Matchers::Contains;
using sb::errc;
using sb::fake_tts;
using sb::fake_tts_mode;
using sb::tts_http_flavor;

struct http_fixture {
  fake_tts fake;

  http_fixture() {
    REQUIRE(fake.ok());
  }

  sb::tts_http_client client(tts_http_flavor flavor,
                             std::string voice = "alloy", std::string key = "",
                             std::chrono::milliseconds timeout = 5s) {
    return {fake.base_url(), flavor, std::move(voice), std::move(key), timeout};
  }
};

void require_error(const caf::expected<sb::pcm_audio>& r, errc code,
                   const std::string& words) {
  REQUIRE_FALSE(r);
  CHECK(sb::has_code(r.error(), code));
  CHECK_THAT(sb::what(r.error()), Contains(words));
}

} // namespace

TEST_CASE_METHOD(http_fixture, "openai flavor posts the speech JSON",
                 "[tts_http]") {
  auto c = client(tts_http_flavor::openai, "nova", "sk-test");
  CHECK(c.endpoint() == fake.base_url() + "/v1/audio/speech");
  const std::string text = "Hello \"caller\"\n";
  auto pcm = c.synthesize(text);
  REQUIRE(pcm);
  CHECK(pcm->sample_rate == 24000);
  CHECK(pcm->samples.size() == fake_tts::tone_samples(text));
  const auto reqs = fake.requests();
  REQUIRE(reqs.size() == 1);
  CHECK(reqs[0].method == "POST");
  CHECK(reqs[0].path == "/v1/audio/speech");
  CHECK(reqs[0].content_type == "application/json");
  CHECK(reqs[0].authorization == "Bearer sk-test");
  CHECK(reqs[0].text == text);
  CHECK(reqs[0].body
        == R"({"model":"tts-1","input":"Hello \"caller\"\n","voice":"nova",)"
           R"("response_format":"wav"})");
}

TEST_CASE_METHOD(http_fixture, "xtts flavor posts text, speaker and language",
                 "[tts_http]") {
  auto c = client(tts_http_flavor::xtts, "female_01.wav");
  CHECK(c.endpoint() == fake.base_url() + "/tts_to_audio/");
  REQUIRE(c.synthesize("Good morning"));
  REQUIRE(c.synthesize("नमस्ते"));
  REQUIRE(c.synthesize("bonjour", "fr"));
  const auto reqs = fake.requests();
  REQUIRE(reqs.size() == 3);
  CHECK(reqs[0].path == "/tts_to_audio/");
  CHECK(reqs[0].authorization.empty());
  CHECK(reqs[0].body
        == R"({"text":"Good morning","speaker_wav":"female_01.wav",)"
           R"("language":"en"})");
  CHECK(reqs[1].text == "नमस्ते");
  CHECK_THAT(reqs[1].body, Contains(R"("language":"hi")"));
  CHECK_THAT(reqs[2].body, Contains(R"("language":"fr")"));
}

TEST_CASE_METHOD(http_fixture, "piper flavor posts the text as the body",
                 "[tts_http]") {
  sb::tts_http_client c(fake.base_url() + "/", tts_http_flavor::piper, "", "",
                        5s);
  CHECK(c.endpoint() == fake.base_url() + "/");
  auto pcm = c.synthesize("plain text, please");
  REQUIRE(pcm);
  const auto reqs = fake.requests();
  REQUIRE(reqs.size() == 1);
  CHECK(reqs[0].path == "/");
  CHECK(reqs[0].content_type == "text/plain; charset=utf-8");
  CHECK(reqs[0].body == "plain text, please");
}

TEST_CASE_METHOD(http_fixture, "answers as WAV, streamed WAV and raw PCM",
                 "[tts_http]") {
  auto c = client(tts_http_flavor::openai);
  const std::string text = "twelve chars";
  SECTION("streamed WAV with 0xFFFFFFFF sizes") {
    fake.set_mode(fake_tts_mode::wav_streamed);
    auto pcm = c.synthesize(text);
    REQUIRE(pcm);
    CHECK(pcm->sample_rate == 24000);
    CHECK(pcm->samples.size() == fake_tts::tone_samples(text));
  }
  SECTION("audio/pcm at the default 24 kHz") {
    fake.set_mode(fake_tts_mode::pcm);
    auto pcm = c.synthesize(text);
    REQUIRE(pcm);
    CHECK(pcm->sample_rate == 24000);
    CHECK(pcm->samples.size() == fake_tts::tone_samples(text));
  }
  SECTION("audio/L16 with a rate parameter") {
    fake.set_mode(fake_tts_mode::l16);
    auto pcm = c.synthesize(text);
    REQUIRE(pcm);
    CHECK(pcm->sample_rate == 16000);
    CHECK(pcm->samples.size() == fake_tts::tone_samples(text, 16000));
  }
  SECTION("the tone is really there") {
    auto pcm = c.synthesize(text);
    REQUIRE(pcm);
    int peak = 0;
    for (auto s : pcm->samples)
      peak = std::max(peak, std::abs(static_cast<int>(s)));
    CHECK(peak > 9000);
    CHECK(!sb::to_phone_wav(*pcm).empty());
  }
}

TEST_CASE_METHOD(http_fixture, "server failures become backend_failed",
                 "[tts_http]") {
  auto c = client(tts_http_flavor::openai);
  const auto url = fake.base_url() + "/v1/audio/speech";
  SECTION("HTTP 500") {
    fake.set_mode(fake_tts_mode::http_500);
    auto r = c.synthesize("hi");
    require_error(r, errc::backend_failed, url);
    CHECK_THAT(sb::what(r.error()), Contains("HTTP 500"));
    CHECK_THAT(sb::what(r.error()), Contains("synthesis exploded"));
  }
  SECTION("empty body") {
    fake.set_mode(fake_tts_mode::empty);
    require_error(c.synthesize("hi"), errc::backend_failed, "empty audio");
  }
  SECTION("garbage bytes") {
    fake.set_mode(fake_tts_mode::garbage);
    require_error(c.synthesize("hi"), errc::backend_failed,
                  "unparseable audio");
  }
  SECTION("a 404 from the wrong base URL") {
    sb::tts_http_client wrong(fake.base_url() + "/nope", tts_http_flavor::xtts,
                              "v", "", 5s);
    require_error(wrong.synthesize("hi"), errc::backend_failed, "HTTP 404");
  }
  SECTION("connection refused") {
    sb::tts_http_client nobody("http://127.0.0.1:1", tts_http_flavor::piper, "",
                               "", 5s);
    require_error(nobody.synthesize("hi"), errc::backend_failed,
                  "http://127.0.0.1:1/");
  }
  SECTION("empty text is refused before any request") {
    require_error(c.synthesize(""), errc::bad_request, "empty text");
    CHECK(fake.requests().empty());
  }
}

TEST_CASE_METHOD(http_fixture, "a slow server times out", "[tts_http]") {
  fake.set_delay(10s);
  auto c = client(tts_http_flavor::piper, "", "", 200ms);
  auto r = c.synthesize("are you there?");
  require_error(r, errc::timed_out, "200 ms");
  fake.set_delay(0ms);
  // The same client recovers on the next request.
  CHECK(c.synthesize("are you there now?"));
}
