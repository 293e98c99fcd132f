// Tests for backends/stt/stt_answer: each answer format a recognition
// server sends, whisper's invented words on silence, and the refusals.
#include "backends/stt/stt_answer.hpp"

#include <string>

#include <catch2/catch.hpp>

#include "core/error.hpp"

namespace {

const std::string where = "POST http://stt/inference";

caf::expected<sb::stt_transcript> read(long status, const std::string& type,
                                       const std::string& body) {
  return sb::read_stt_answer(status, type, body, where, 0.6);
}

std::string error_of(long status, const std::string& type,
                     const std::string& body) {
  auto got = read(status, type, body);
  REQUIRE_FALSE(got);
  CHECK(sb::has_code(got.error(), sb::errc::backend_failed));
  return sb::what(got.error());
}

} // namespace

TEST_CASE("json, verbose_json and text answers give the transcript",
          "[stt_answer]") {
  auto json = read(200, "application/json", R"({"text":"  hello there \n"})");
  REQUIRE(json);
  CHECK(json->text == "hello there");
  CHECK(json->confidence == -1);
  CHECK(json->language.empty());
  auto verbose = read(200, "application/json; charset=utf-8", R"({
    "text": " go forward", "language": "english",
    "segments": [{"text": " go", "avg_logprob": -0.1, "no_speech_prob": 0.01},
                 {"text": " forward", "avg_logprob": -0.3,
                  "no_speech_prob": 0.02}]})");
  REQUIRE(verbose);
  CHECK(verbose->text == "go forward");
  CHECK(verbose->language == "english");
  CHECK(verbose->confidence == Approx(std::exp(-0.2)));
  // whisper.cpp types its text answer text/html.
  auto text = read(200, "text/html; charset=utf-8", "  yes please\n");
  REQUIRE(text);
  CHECK(text->text == "yes please");
  // No Content-Type, but a JSON object.
  auto untyped = read(200, "", R"({"text":"ok"})");
  REQUIRE(untyped);
  CHECK(untyped->text == "ok");
}

TEST_CASE("segments that are probably not speech are dropped", "[stt_answer]") {
  auto got = read(200, "application/json", R"({"text":" Thank you.",
    "segments":[{"text":" Thank you.","avg_logprob":-0.9,
                 "no_speech_prob":0.93}]})");
  REQUIRE(got);
  CHECK(got->text.empty());
  CHECK(got->confidence == -1);
  auto mixed = read(200, "application/json", R"({"text":" Thank you. Yes.",
    "segments":[{"text":" Thank you.","no_speech_prob":0.9},
                {"text":" Yes.","avg_logprob":0,"no_speech_prob":0.1}]})");
  REQUIRE(mixed);
  CHECK(mixed->text == "Yes.");
  CHECK(mixed->confidence == Approx(1.0));
}

TEST_CASE("a failed or foreign answer is an error that quotes it",
          "[stt_answer]") {
  CHECK_THAT(error_of(500, "text/plain", "inference exploded"),
             Catch::StartsWith(where + ": HTTP 500: 'inference exploded'"));
  CHECK_THAT(error_of(200, "application/json", "{not json"),
             Catch::Contains("answer is not JSON: '{not json'"));
  CHECK_THAT(error_of(200, "application/json", R"({"txt":"x"})"),
             Catch::Contains("answer has no \"text\" string"));
  CHECK_THAT(error_of(200, "application/json", R"(["text"])"),
             Catch::Contains("answer has no \"text\" string"));
  CHECK_THAT(error_of(200, "audio/wav", "RIFF"),
             Catch::Contains("unexpected Content-Type 'audio/wav'"));
  // Control bytes never reach the log as they are.
  CHECK_THAT(error_of(502, "", std::string("bad\x1b[2Jgate\0way", 15)),
             Catch::Contains("'bad.[2Jgate.way'"));
}
