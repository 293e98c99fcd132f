// Tests for backends/stt/stt_http against tests/fixtures/fake_stt on
// loopback: what the caller's audio becomes on the wire (multipart fields,
// a 16 kHz 16-bit mono WAV of exactly the feed's samples, model, language,
// bearer key), the answer formats read back, the silence rule, and every
// failure (500, garbage, a hang, a refused port, a closed connection, a
// cancel) ending promptly in an error that names the URL.
#include <chrono>
#include <cmath>
#include <thread>

#include <catch2/catch.hpp>

#include "backends/stt/stt_engines.hpp"
#include "backends/stt/stt_http.hpp"
#include "core/error.hpp"
#include "net/client/curl_session.hpp"
#include "tests/fixtures/fake_stt.hpp"
#include "tests/fixtures/refusing_port.hpp"
#include "tests/support/poll_until.hpp"

namespace {

using namespace std::chrono_literals;
using Catch::Matchers::Contains;
using sb::errc;
using sb::fake_stt;
using sb::fake_stt_mode;
using sb::stt_http_flavor;
using sb::stt_http_options;
using sb::stt_http_recognizer;
using sb::utterance_feed;
using clock_type = std::chrono::steady_clock;

// 1.5 s of a 300 Hz tone with a ramp, so sample values are all different
// enough to catch a byte-order or offset slip.
std::vector<int16_t> speech_like(size_t n = 24000) {
  std::vector<int16_t> out(n);
  for (size_t i = 0; i < n; ++i)
    out[i] = static_cast<int16_t>(
      8000
        * std::sin(2 * 3.14159265358979 * 300 * static_cast<double>(i) / 16000)
      + static_cast<double>(i % 97));
  return out;
}

// A finished feed holding `samples`, appended in 20 ms pieces.
std::unique_ptr<utterance_feed> finished_feed(
  const std::vector<int16_t>& samples,
  utterance_feed::clock::time_point end = utterance_feed::clock::now()) {
  auto feed = std::make_unique<utterance_feed>();
  for (size_t at = 0; at < samples.size(); at += 320)
    feed->append(samples.data() + at,
                 std::min<size_t>(320, samples.size() - at));
  feed->finish(end);
  return feed;
}

struct http_fixture {
  fake_stt fake;

  http_fixture() {
    REQUIRE(fake.ok());
  }

  stt_http_options options(stt_http_flavor flavor) {
    stt_http_options opt;
    opt.base_url = fake.base_url() + "/";
    opt.flavor = flavor;
    opt.model = "whisper-1";
    opt.language = "en";
    opt.timeout = 5s;
    return opt;
  }
};

void require_error(const caf::expected<sb::stt_transcript>& r, errc code,
                   const std::string& words) {
  REQUIRE_FALSE(r);
  CHECK(sb::has_code(r.error(), code));
  CHECK_THAT(sb::what(r.error()), Contains(words));
}

double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

} // namespace

TEST_CASE_METHOD(http_fixture,
                 "whisper flavor sends the utterance as a 16 kHz mono WAV",
                 "[stt_http]") {
  stt_http_recognizer rec{options(stt_http_flavor::whisper)};
  CHECK_FALSE(rec.streams());
  CHECK(rec.endpoint() == fake.base_url() + "/inference");
  const auto samples = speech_like();
  auto feed = finished_feed(samples);
  auto t = rec.recognize(*feed);
  REQUIRE(t);
  CHECK(t->text == "hello world");
  CHECK(t->confidence == Approx(std::exp(-0.25)));
  CHECK(t->language == "en");

  const auto reqs = fake.requests();
  REQUIRE(reqs.size() == 1);
  const auto& r = reqs[0];
  CHECK(r.method == "POST");
  CHECK(r.path == "/inference");
  CHECK_THAT(r.content_type, Contains("multipart/form-data; boundary="));
  CHECK(r.multipart_error.empty());
  CHECK(r.authorization.empty());
  CHECK(r.file_name == "utterance.wav");
  CHECK(r.file_content_type == "audio/wav");
  CHECK(r.wav_format == 1);
  CHECK(r.wav_channels == 1);
  CHECK(r.wav_rate == 16000);
  CHECK(r.wav_bits == 16);
  CHECK(r.wav_samples == samples.size());
  REQUIRE(r.file.size() == 44 + 2 * samples.size());
  bool same = true;
  for (size_t i = 0; i < samples.size(); ++i)
    same = same
           && static_cast<int16_t>(static_cast<uint8_t>(r.file[44 + 2 * i])
                                   | static_cast<uint8_t>(r.file[45 + 2 * i])
                                       << 8)
                == samples[i];
  CHECK(same);
  CHECK(r.fields.at("response_format") == "verbose_json");
  CHECK(r.fields.at("temperature") == "0");
  CHECK(r.fields.at("language") == "en");
  CHECK(r.fields.at("no_speech_thold") == "0.6");
  CHECK(r.fields.count("model") == 0);
}

TEST_CASE_METHOD(http_fixture,
                 "openai flavor sends the model and the bearer key",
                 "[stt_http]") {
  fake.set_api_key("sk-test");
  fake.set_language("english");
  auto opt = options(stt_http_flavor::openai);
  opt.api_key = "sk-test";
  stt_http_recognizer rec{opt};
  CHECK(rec.endpoint() == fake.base_url() + "/v1/audio/transcriptions");
  auto feed = finished_feed(speech_like(8000));
  auto t = rec.recognize(*feed);
  REQUIRE(t);
  CHECK(t->text == "hello world");
  CHECK(t->language == "english"); // as the server reports it
  const auto r = fake.requests().at(0);
  CHECK(r.path == "/v1/audio/transcriptions");
  CHECK(r.authorization == "Bearer sk-test");
  CHECK(r.fields.at("model") == "whisper-1");
  CHECK(r.fields.at("language") == "en");
  CHECK(r.fields.count("no_speech_thold") == 0);
  CHECK(r.wav_samples == 8000);

  SECTION("a wrong key is a 401 that names the URL") {
    fake.set_api_key("sk-other");
    auto again = finished_feed(speech_like(8000));
    require_error(rec.recognize(*again), errc::backend_failed,
                  "POST " + fake.base_url()
                    + "/v1/audio/transcriptions: HTTP 401");
  }
}

TEST_CASE_METHOD(http_fixture, "the recogniser keeps its connection",
                 "[stt_http]") {
  // Three utterances in a row on one recogniser, each a complete
  // exchange; an empty language is left to the server.
  auto opt = options(stt_http_flavor::whisper);
  opt.language.clear();
  stt_http_recognizer rec{opt};
  for (const char* text : {"one", "two", "three"}) {
    fake.set_text(text);
    auto feed = finished_feed(speech_like(3200));
    auto t = rec.recognize(*feed);
    REQUIRE(t);
    CHECK(t->text == text);
  }
  const auto reqs = fake.requests();
  REQUIRE(reqs.size() == 3);
  CHECK(reqs[2].fields.count("language") == 0);
  CHECK(fake.max_in_progress() == 1);
}

TEST_CASE_METHOD(http_fixture, "json and text answers are read too",
                 "[stt_http]") {
  fake.set_text("  book a table for two  ");
  SECTION("json: the text, no confidence, the language asked for") {
    auto opt = options(stt_http_flavor::openai);
    opt.response_format = "json";
    stt_http_recognizer rec{opt};
    auto feed = finished_feed(speech_like(4000));
    auto t = rec.recognize(*feed);
    REQUIRE(t);
    CHECK(t->text == "book a table for two");
    CHECK(t->confidence == -1);
    CHECK(t->language == "en");
    CHECK(fake.requests().at(0).fields.at("response_format") == "json");
  }
  SECTION("text, typed text/html by whisper.cpp") {
    auto opt = options(stt_http_flavor::whisper);
    opt.response_format = "text";
    stt_http_recognizer rec{opt};
    auto feed = finished_feed(speech_like(4000));
    auto t = rec.recognize(*feed);
    REQUIRE(t);
    CHECK(t->text == "book a table for two");
    CHECK(t->confidence == -1);
  }
}

TEST_CASE("openai's gpt-* transcription models are asked for json",
          "[stt_http]") {
  fake_stt fake;
  REQUIRE(fake.ok());
  sb::stt_config cfg;
  cfg.engine = "openai";
  cfg.model = "gpt-4o-mini-transcribe";
  cfg.api_key = "k";
  auto rec = sb::make_http_recognizer(cfg, fake.base_url());
  CHECK(rec->name() == fake.base_url());
  auto feed = finished_feed(speech_like(4000));
  auto t = rec->recognize(*feed);
  REQUIRE(t);
  CHECK(t->text == "hello world");
  const auto r = fake.requests().at(0);
  CHECK(r.fields.at("response_format") == "json");
  CHECK(r.fields.at("model") == "gpt-4o-mini-transcribe");
  CHECK(r.authorization == "Bearer k");
}

TEST_CASE_METHOD(http_fixture,
                 "whisper's text on silence is dropped, not passed on",
                 "[stt_http]") {
  // The fake answers a silent file as whisper does: "Thank you." in a
  // segment with no_speech_prob 0.93.
  stt_http_recognizer rec{options(stt_http_flavor::whisper)};
  auto feed = finished_feed(std::vector<int16_t>(16000, 3));
  auto t = rec.recognize(*feed);
  REQUIRE(t);
  CHECK(t->text.empty());
  CHECK(t->confidence == -1);
  SECTION("unless the threshold is above the server's estimate") {
    auto opt = options(stt_http_flavor::whisper);
    opt.no_speech_threshold = 0.95;
    stt_http_recognizer lenient{opt};
    auto again = finished_feed(std::vector<int16_t>(16000, 3));
    auto heard = lenient.recognize(*again);
    REQUIRE(heard);
    CHECK(heard->text == "Thank you.");
  }
}

TEST_CASE_METHOD(http_fixture, "recognize waits for the end of the utterance",
                 "[stt_http]") {
  stt_http_recognizer rec{options(stt_http_flavor::whisper)};
  utterance_feed feed;
  const auto samples = speech_like(6400);
  std::thread speaker([&] {
    for (size_t at = 0; at < samples.size(); at += 320) {
      feed.append(samples.data() + at, 320);
      std::this_thread::yield();
    }
    feed.finish();
  });
  auto t = rec.recognize(feed);
  speaker.join();
  REQUIRE(t);
  CHECK(fake.requests().at(0).wav_samples == samples.size());
}

TEST_CASE_METHOD(http_fixture, "server failures are clean, prompt errors",
                 "[stt_http]") {
  auto opt = options(stt_http_flavor::whisper);
  opt.timeout = 400ms;
  stt_http_recognizer rec{opt};
  const std::string url = "POST " + fake.base_url() + "/inference";
  const auto start = clock_type::now();
  auto feed = finished_feed(speech_like(4000), start);

  SECTION("500 quotes the body") {
    fake.set_mode(fake_stt_mode::http_500);
    require_error(rec.recognize(*feed), errc::backend_failed,
                  url + ": HTTP 500: 'inference exploded'");
  }
  SECTION("garbage is not a transcript") {
    fake.set_mode(fake_stt_mode::garbage);
    require_error(rec.recognize(*feed), errc::backend_failed,
                  url + ": answer is not JSON: '<html>upstream error</html>'");
  }
  SECTION("a closed connection") {
    fake.set_mode(fake_stt_mode::close);
    require_error(rec.recognize(*feed), errc::backend_failed, url + ": ");
  }
  SECTION("a hang ends at the timeout, counted from the end of speech") {
    fake.set_mode(fake_stt_mode::hang);
    require_error(rec.recognize(*feed), errc::timed_out,
                  url + ": no answer within 400 ms");
    CHECK(seconds_since(start) >= 0.39);
  }
  SECTION("a slow answer past the timeout") {
    fake.set_delay(2s);
    require_error(rec.recognize(*feed), errc::timed_out, url);
  }
  CHECK(seconds_since(start) < 1.5);
}

TEST_CASE_METHOD(http_fixture, "an utterance already past its deadline",
                 "[stt_http]") {
  auto opt = options(stt_http_flavor::whisper);
  opt.timeout = 200ms;
  stt_http_recognizer rec{opt};
  auto feed = finished_feed(speech_like(1600), clock_type::now() - 300ms);
  require_error(rec.recognize(*feed), errc::timed_out,
                "no answer within 200 ms");
  CHECK(fake.request_count() == 0);
}

TEST_CASE("a refused connection names the URL at once", "[stt_http]") {
  sb::test::refusing_port port;
  stt_http_options opt;
  opt.base_url = "http://127.0.0.1:" + std::to_string(port.port());
  opt.timeout = 5s;
  stt_http_recognizer rec{opt};
  const auto start = clock_type::now();
  auto feed = finished_feed(speech_like(1600));
  require_error(rec.recognize(*feed), errc::backend_failed,
                "POST " + opt.base_url + "/inference: ");
  CHECK(seconds_since(start) < 1.0);
}

TEST_CASE_METHOD(http_fixture, "a cancel ends the wait and the request",
                 "[stt_http]") {
  stt_http_recognizer rec{options(stt_http_flavor::whisper)};
  utterance_feed feed;
  feed.append(speech_like(1600));
  clock_type::time_point cancelled_at;

  SECTION("while the caller still speaks") {
    std::thread canceller([&] {
      cancelled_at = clock_type::now();
      feed.cancel();
    });
    auto t = rec.recognize(feed);
    canceller.join();
    require_error(t, errc::backend_failed, "cancelled");
    CHECK(fake.request_count() == 0);
  }
  SECTION("while the server works on it") {
    fake.set_mode(fake_stt_mode::hang);
    feed.finish();
    std::thread canceller([&] {
      REQUIRE(
        sb::testing::poll_until([&] { return fake.request_count() == 1; }, 5s));
      cancelled_at = clock_type::now();
      feed.cancel();
    });
    auto t = rec.recognize(feed);
    canceller.join();
    require_error(t, errc::backend_failed, "cancelled");
    CHECK(sb::what(t.error()) == "cancelled");
  }
  // curl_session looks at the cancel flag at least once a second.
  CHECK(seconds_since(cancelled_at) < 1.5);
}

TEST_CASE("fake_stt reads multipart bodies as RFC 7578 writes them",
          "[stt_http]") {
  // Written by hand, not by multipart_body: a quoted boundary, a
  // preamble, a field, and a WAV file part of 3 samples at 8 kHz.
  fake_stt fake;
  REQUIRE(fake.ok());
  const std::string wav =
    std::string("RIFF\x2a\0\0\0WAVEfmt \x10\0\0\0\x01\0\x01\0"
                "\x40\x1f\0\0\x80\x3e\0\0\x02\0\x10\0data\x06\0\0\0",
                44)
    + std::string("\0\x10\0\x20\0\x30", 6);
  sb::curl_request req;
  req.method = "POST";
  req.url = fake.base_url() + "/inference";
  req.headers = {"Content-Type: multipart/form-data; charset=utf-8; "
                 "boundary=\"a b:c\""};
  req.body = "preamble to ignore\r\n"
             "--a b:c\r\n"
             "Content-Disposition: form-data; name=\"response_format\"\r\n"
             "\r\n"
             "text\r\n"
             "--a b:c\r\n"
             "content-disposition: form-data; filename=\"x.wav\"; name=file\r\n"
             "Content-Type: audio/x-wav\r\n"
             "\r\n"
             + wav + "\r\n--a b:c--\r\n";
  sb::curl_session session;
  auto answer = session.perform(req, {});
  REQUIRE(answer);
  CHECK(answer->status == 200);
  CHECK(answer->body == "hello world\n");
  auto r = fake.requests().at(0);
  CHECK(r.multipart_error.empty());
  CHECK(r.fields.at("response_format") == "text");
  CHECK(r.file_name == "x.wav");
  CHECK(r.file_content_type == "audio/x-wav");
  CHECK(r.wav_rate == 8000);
  CHECK(r.wav_samples == 3);

  SECTION("a body whose parts never close is refused") {
    req.body = "--a b:c\r\nContent-Disposition: form-data; name=\"x\"\r\n"
               "\r\nvalue";
    auto bad = session.perform(req, {});
    REQUIRE(bad);
    CHECK(bad->status == 400);
    CHECK_THAT(fake.requests().at(1).multipart_error,
               Contains("no closing boundary"));
  }
}
