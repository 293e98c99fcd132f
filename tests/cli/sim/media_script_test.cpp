// Tests for cli/sim/media_script: the caller's audio for a Media Streams
// call. WAV files of other rates and two channels come out as 8 kHz μ-law
// with the channels mixed; a missing or broken file names its line;
// speech is synthesised by espeak-ng (English and Hindi), each distinct
// text once; directives carry no audio.
#include "cli/sim/media_script.hpp"

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "cli/sim/voiced_frames.hpp"
#include "core/error.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

void put16(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v & 0xff));
  out.push_back(static_cast<char>(v >> 8));
}

void put32(std::string& out, uint32_t v) {
  put16(out, static_cast<uint16_t>(v & 0xffff));
  put16(out, static_cast<uint16_t>(v >> 16));
}

// A 16-bit PCM WAV file of `frames` frames at `rate`, each channel's
// sample from `sample(frame, channel)`.
template <class Sample>
std::string pcm_wav_file(int rate, int channels, int frames, Sample sample) {
  std::string data;
  for (int i = 0; i < frames; ++i)
    for (int c = 0; c < channels; ++c)
      put16(data, static_cast<uint16_t>(sample(i, c)));
  std::string out = "RIFF";
  put32(out, static_cast<uint32_t>(36 + data.size()));
  out += "WAVEfmt ";
  put32(out, 16);
  put16(out, 1);
  put16(out, static_cast<uint16_t>(channels));
  put32(out, static_cast<uint32_t>(rate));
  put32(out, static_cast<uint32_t>(rate * channels * 2));
  put16(out, static_cast<uint16_t>(channels * 2));
  put16(out, 16);
  out += "data";
  put32(out, static_cast<uint32_t>(data.size()));
  return out + data;
}

std::string write_file(const sb::test::temp_dir& dir, const std::string& name,
                       const std::string& bytes) {
  auto path = dir.path() + "/" + name;
  std::ofstream{path, std::ios::binary} << bytes;
  return path;
}

int voiced_frames_in(const std::string& mulaw) {
  int n = 0;
  for (size_t at = 0; at + 160 <= mulaw.size(); at += 160)
    n += sb::mulaw_level_dbfs(mulaw.substr(at, 160)) > -40;
  return n;
}

} // namespace

TEST_CASE("a stereo WAV at 16 kHz becomes 8 kHz mono mu-law",
          "[media_script]") {
  sb::test::temp_dir dir{"media-script"};
  // Half a second: a tone on the left, its opposite on the right for the
  // first half (mixed, they cancel), the same tone on both for the second.
  auto wav = pcm_wav_file(16000, 2, 8000, [](int i, int c) {
    int16_t v = static_cast<int16_t>((i / 8) % 2 ? 8000 : -8000);
    return static_cast<int16_t>(i < 4000 && c == 1 ? -v : v);
  });
  auto path = write_file(dir, "stereo.wav", wav);
  auto mulaw = sb::wav_file_mulaw(path);
  REQUIRE(mulaw);
  CHECK(mulaw->size() >= 3990);
  CHECK(mulaw->size() <= 4010);
  CHECK(sb::mulaw_seconds(*mulaw) == Approx(0.5).margin(0.01));
  // The cancelled half is silence, the other half voice (a frame or two
  // of the resampler's filter where they meet).
  auto voiced = voiced_frames_in(*mulaw);
  CHECK(voiced >= 11);
  CHECK(voiced <= 14);
  CHECK(sb::mulaw_level_dbfs(mulaw->substr(160, 160)) < -60);
}

TEST_CASE("a script's wav lines read their files, and bad ones name the line",
          "[media_script]") {
  sb::test::temp_dir dir{"media-script"};
  auto good = write_file(dir, "a.wav",
                         pcm_wav_file(8000, 1, 800, [](int i, int) {
                           return static_cast<int16_t>(i % 2 ? 5000 : -5000);
                         }));
  auto broken = write_file(dir, "b.wav", "RIFF....WAVEjunk");
  auto steps = sb::parse_script("wav " + good + "\ninterrupt 1 wav " + good
                                + "\npause 1\ndigits 1#\n");
  REQUIRE(steps);
  auto script = sb::prepare_media_script(*steps);
  REQUIRE(script);
  REQUIRE(script->size() == 4);
  CHECK((*script)[0].audio.size() == 800);
  CHECK((*script)[0].shown == "[wav " + good + "]");
  CHECK((*script)[1].audio == (*script)[0].audio);
  CHECK((*script)[2].audio.empty());
  CHECK((*script)[3].audio.empty());

  auto missing = sb::parse_script("hello\nwav " + dir.path() + "/none.wav\n");
  REQUIRE(missing);
  auto no_file = sb::prepare_media_script(*missing);
  REQUIRE_FALSE(no_file);
  CHECK(sb::what(no_file.error()).find("line 2: " + dir.path() + "/none.wav")
        == 0);
  auto bad = sb::parse_script("wav " + broken + "\n");
  REQUIRE(bad);
  auto not_wav = sb::prepare_media_script(*bad);
  REQUIRE_FALSE(not_wav);
  CHECK(sb::what(not_wav.error()).find("line 1: " + broken + ": ") == 0);
}

TEST_CASE("speech is synthesised by espeak-ng, each text once",
          "[media_script]") {
  auto steps = sb::parse_script("hello there\nमुझे मदद चाहिए\nhello there\n");
  REQUIRE(steps);
  auto script = sb::prepare_media_script(*steps);
  REQUIRE(script);
  REQUIRE(script->size() == 3);
  for (const auto& line : *script) {
    CHECK(sb::mulaw_seconds(line.audio) > 0.4);
    CHECK(voiced_frames_in(line.audio) > 10);
  }
  CHECK((*script)[0].audio == (*script)[2].audio);
  CHECK((*script)[0].audio != (*script)[1].audio);
  CHECK((*script)[1].shown == "मुझे मदद चाहिए");
}
