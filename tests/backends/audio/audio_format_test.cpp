// Tests for backends/audio/audio_format: G.711 μ-law against known code points
// and its error bound, the exact bytes of the μ-law WAV we serve and of the
// PCM WAV recognisers are sent, and the WAV reader over the shapes speech
// servers produce and the ways files come broken.
#include "backends/audio/audio_format.hpp"

#include <cmath>
#include <cstdlib>
#include <string>

#include <catch2/catch.hpp>

#include "core/error.hpp"

namespace {

using sb::errc;
using namespace std::string_literals;

std::string le(uint32_t v, int bytes) {
  std::string out;
  for (int i = 0; i < bytes; ++i)
    out += static_cast<char>((v >> (8 * i)) & 0xFF);
  return out;
}

// One RIFF chunk, padded to even length unless `pad` is false.
std::string chunk(const std::string& id, const std::string& body,
                  bool pad = true) {
  std::string out = id + le(static_cast<uint32_t>(body.size()), 4) + body;
  if (pad && body.size() % 2)
    out += '\0';
  return out;
}

std::string riff(const std::string& chunks) {
  return "RIFF" + le(static_cast<uint32_t>(4 + chunks.size()), 4) + "WAVE"
         + chunks;
}

std::string fmt(uint16_t tag, uint16_t channels, uint32_t rate, uint16_t bits) {
  const uint16_t align = static_cast<uint16_t>(channels * bits / 8);
  return le(tag, 2) + le(channels, 2) + le(rate, 4) + le(rate * align, 4)
         + le(align, 2) + le(bits, 2);
}

// WAVE_FORMAT_EXTENSIBLE wrapping `tag`.
std::string fmt_extensible(uint16_t tag, uint16_t channels, uint32_t rate,
                           uint16_t bits, bool good_guid = true) {
  std::string guid = le(tag, 2)
                     + std::string("\x00\x00\x00\x00\x10\x00\x80"
                                   "\x00\x00\xAA\x00\x38\x9B\x71",
                                   14);
  if (!good_guid)
    guid[15] = 0x72;
  return fmt(0xFFFE, channels, rate, bits) + le(22, 2) + le(bits, 2)
         + le(channels == 1 ? 4 : 3, 4) + guid;
}

std::string pcm16(std::initializer_list<int> samples) {
  std::string out;
  for (int s : samples)
    out += le(static_cast<uint32_t>(static_cast<int16_t>(s)), 2);
  return out;
}

void require_wav_error(const std::string& bytes, const std::string& words) {
  auto pcm = sb::read_wav(bytes);
  REQUIRE_FALSE(pcm);
  CHECK(sb::has_code(pcm.error(), errc::backend_failed));
  CHECK_THAT(sb::what(pcm.error()), Catch::Matchers::Contains(words));
}

} // namespace

TEST_CASE("mu-law encodes known G.711 code points", "[audio]") {
  CHECK(sb::linear_to_mulaw(0) == 0xFF);
  CHECK(sb::linear_to_mulaw(-1) == 0x7F);
  CHECK(sb::linear_to_mulaw(100) == 0xF2);
  CHECK(sb::linear_to_mulaw(-100) == 0x72);
  CHECK(sb::linear_to_mulaw(1000) == 0xCE);
  CHECK(sb::linear_to_mulaw(-1000) == 0x4E);
  CHECK(sb::linear_to_mulaw(8000) == 0xA0);
  CHECK(sb::linear_to_mulaw(32635) == 0x80);
  CHECK(sb::linear_to_mulaw(32767) == 0x80);
  CHECK(sb::linear_to_mulaw(-32768) == 0x00);
}

TEST_CASE("mu-law decodes known G.711 code points", "[audio]") {
  CHECK(sb::mulaw_to_linear(0xFF) == 0);
  CHECK(sb::mulaw_to_linear(0x7F) == 0);
  CHECK(sb::mulaw_to_linear(0xF0) == 120);
  CHECK(sb::mulaw_to_linear(0xCE) == 988);
  CHECK(sb::mulaw_to_linear(0x4E) == -988);
  CHECK(sb::mulaw_to_linear(0x80) == 32124);
  CHECK(sb::mulaw_to_linear(0x00) == -32124);
}

TEST_CASE("mu-law round trip stays within half a quantisation step",
          "[audio]") {
  int worst_in_range = 0;
  for (int x = -32768; x <= 32767; ++x) {
    const auto back = sb::mulaw_to_linear(
      sb::linear_to_mulaw(static_cast<int16_t>(x)));
    const int err = std::abs(x - back);
    if (std::abs(x) <= 32635) {
      INFO("x = " << x << ", decoded " << back);
      REQUIRE(err <= (std::abs(x) + 132) / 32 + 1);
      worst_in_range = std::max(worst_in_range, err);
    } else {
      REQUIRE(err <= std::abs(x) - 32124); // clipped to the top code
    }
  }
  CHECK(worst_in_range <= 512);
  // Every code but negative zero survives decode then encode.
  for (int c = 0; c < 256; ++c)
    if (c != 0x7F)
      REQUIRE(sb::linear_to_mulaw(sb::mulaw_to_linear(static_cast<uint8_t>(c)))
              == c);
}

TEST_CASE("mulaw_wav writes the exact 8 kHz mu-law header", "[audio]") {
  const auto wav = sb::mulaw_wav({0x01, 0x02, 0x03});
  // One WAV field per line:
  // clang-format off
  const std::vector<uint8_t> expected = {
    'R', 'I', 'F', 'F', 54, 0, 0, 0,       // 4 + 26 + 12 + 12 (3 + pad)
    'W', 'A', 'V', 'E',
    'f', 'm', 't', ' ', 18, 0, 0, 0,
    7, 0,                                  // WAVE_FORMAT_MULAW
    1, 0,                                  // channels
    0x40, 0x1F, 0, 0,                      // 8000 Hz
    0x40, 0x1F, 0, 0,                      // 8000 bytes/s
    1, 0,                                  // block align
    8, 0,                                  // bits per sample
    0, 0,                                  // cbSize
    'f', 'a', 'c', 't', 4, 0, 0, 0, 3, 0, 0, 0,
    'd', 'a', 't', 'a', 3, 0, 0, 0, 0x01, 0x02, 0x03,
    0};                                    // pad byte
  // clang-format on
  CHECK(wav == expected);
  const auto even = sb::mulaw_wav(std::vector<uint8_t>(8000, 0xFF));
  CHECK(even.size() == 58 + 8000);
  CHECK(even[4] == ((50 + 8000) & 0xFF));
  CHECK(even[5] == ((50 + 8000) >> 8));
}

TEST_CASE("read_wav reads back what mulaw_wav wrote", "[audio]") {
  std::vector<uint8_t> codes;
  for (int c = 0; c < 256; ++c)
    codes.push_back(static_cast<uint8_t>(c));
  const auto wav = sb::mulaw_wav(codes);
  auto pcm = sb::read_wav(
    {reinterpret_cast<const char*>(wav.data()), wav.size()});
  REQUIRE(pcm);
  CHECK(pcm->sample_rate == 8000);
  REQUIRE(pcm->samples.size() == 256);
  for (int c = 0; c < 256; ++c)
    CHECK(pcm->samples[c] == sb::mulaw_to_linear(static_cast<uint8_t>(c)));
}

TEST_CASE("pcm_wav writes the exact 16-bit PCM header", "[audio]") {
  const auto wav = sb::pcm_wav({16000, {1, -2, 0x1234}});
  // clang-format off
  const std::vector<uint8_t> expected = {
    'R', 'I', 'F', 'F', 42, 0, 0, 0,       // 4 + 24 + 8 + 6
    'W', 'A', 'V', 'E',
    'f', 'm', 't', ' ', 16, 0, 0, 0,
    1, 0,                                  // PCM
    1, 0,                                  // channels
    0x80, 0x3E, 0, 0,                      // 16000 Hz
    0x00, 0x7D, 0, 0,                      // 32000 bytes/s
    2, 0,                                  // block align
    16, 0,                                 // bits per sample
    'd', 'a', 't', 'a', 6, 0, 0, 0,
    1, 0, 0xFE, 0xFF, 0x34, 0x12};
  // clang-format on
  CHECK(wav == expected);
}

TEST_CASE("read_wav reads back what pcm_wav wrote", "[audio]") {
  sb::pcm_audio in{16000, {}};
  for (int v = -32768; v <= 32767; v += 257)
    in.samples.push_back(static_cast<int16_t>(v));
  const auto wav = sb::pcm_wav(in);
  auto pcm = sb::read_wav(
    {reinterpret_cast<const char*>(wav.data()), wav.size()});
  REQUIRE(pcm);
  CHECK(pcm->sample_rate == 16000);
  CHECK(pcm->samples == in.samples);
}

TEST_CASE("read_wav accepts PCM16, extensible and stereo", "[audio]") {
  SECTION("PCM16 mono") {
    auto pcm = sb::read_wav(riff(chunk("fmt ", fmt(1, 1, 24000, 16))
                                 + chunk("data", pcm16({1, -2, 32767}))));
    REQUIRE(pcm);
    CHECK(pcm->sample_rate == 24000);
    CHECK(pcm->samples == std::vector<int16_t>{1, -2, 32767});
  }
  SECTION("extensible PCM16") {
    auto pcm = sb::read_wav(riff(chunk("fmt ", fmt_extensible(1, 1, 16000, 16))
                                 + chunk("data", pcm16({5, 6}))));
    REQUIRE(pcm);
    CHECK(pcm->sample_rate == 16000);
    CHECK(pcm->samples == std::vector<int16_t>{5, 6});
  }
  SECTION("extensible mu-law") {
    auto pcm = sb::read_wav(riff(chunk("fmt ", fmt_extensible(7, 1, 8000, 8))
                                 + chunk("data", "\xCE\x4E")));
    REQUIRE(pcm);
    CHECK(pcm->samples == std::vector<int16_t>{988, -988});
  }
  SECTION("stereo is averaged to mono") {
    auto pcm = sb::read_wav(
      riff(chunk("fmt ", fmt(1, 2, 22050, 16))
           + chunk("data", pcm16({100, 300, -32768, -32768, 7, -7}))));
    REQUIRE(pcm);
    CHECK(pcm->sample_rate == 22050);
    CHECK(pcm->samples == std::vector<int16_t>{200, -32768, 0});
  }
  SECTION("stereo extensible mu-law") {
    auto pcm = sb::read_wav(riff(chunk("fmt ", fmt_extensible(7, 2, 8000, 8))
                                 + chunk("data", "\xCE\xCE\xFF\x80")));
    REQUIRE(pcm);
    CHECK(pcm->samples == std::vector<int16_t>{988, 32124 / 2});
  }
}

TEST_CASE("read_wav skips unknown and odd-sized chunks", "[audio]") {
  const auto wav = riff(
    chunk("JUNK", "abc") + chunk("fmt ", fmt(1, 1, 8000, 16))
    + chunk("LIST", "INFOisft" + le(5, 4) + "Lavf\0"s) + chunk("fact", le(2, 4))
    + chunk("data", pcm16({42, -42})));
  auto pcm = sb::read_wav(wav);
  REQUIRE(pcm);
  CHECK(pcm->samples == std::vector<int16_t>{42, -42});
  SECTION("a trailing chunk after data is ignored") {
    auto more = sb::read_wav(wav + chunk("id3 ", "tag"));
    REQUIRE(more);
    CHECK(more->samples == pcm->samples);
  }
}

TEST_CASE("read_wav takes the rest of the file for streamed sizes", "[audio]") {
  const auto head = chunk("fmt ", fmt(1, 1, 24000, 16));
  for (uint32_t size : {0xFFFFFFFFu, 0u}) {
    const auto wav = "RIFF" + le(0xFFFFFFFF, 4) + "WAVE" + head + "data"
                     + le(size, 4) + pcm16({1, 2, 3}) + "\x04";
    auto pcm = sb::read_wav(wav);
    REQUIRE(pcm);
    CHECK(pcm->samples == std::vector<int16_t>{1, 2, 3}); // odd byte dropped
  }
}

TEST_CASE("read_wav rejects broken and unsupported files", "[audio]") {
  const auto pcm_fmt = chunk("fmt ", fmt(1, 1, 8000, 16));
  const auto data = chunk("data", pcm16({1, 2}));
  require_wav_error("", "not a RIFF/WAVE");
  require_wav_error("RIFF\0\0\0\0WAV"s, "not a RIFF/WAVE");
  require_wav_error("ID3\x03" + std::string(40, '\0'), "not a RIFF/WAVE");
  require_wav_error(riff(data), "data chunk before fmt");
  require_wav_error(riff(pcm_fmt), "no data chunk");
  require_wav_error(riff(chunk("JUNK", "xy")), "no fmt chunk");
  require_wav_error(riff(pcm_fmt + "data" + le(100, 4) + pcm16({1})),
                    "data chunk truncated");
  require_wav_error(riff("fmt " + le(16, 4) + "short"), "'fmt ' truncated");
  require_wav_error(riff(chunk("fmt ", "tiny") + data), "fmt chunk has 4");
  require_wav_error(riff(chunk("fmt ", fmt(3, 1, 8000, 32)) + data),
                    "format tag 3");
  require_wav_error(riff(chunk("fmt ", fmt(1, 1, 8000, 24)) + data),
                    "24-bit PCM");
  require_wav_error(riff(chunk("fmt ", fmt(7, 1, 8000, 16)) + data),
                    "16-bit mu-law");
  require_wav_error(riff(chunk("fmt ", fmt(1, 3, 8000, 16)) + data),
                    "channel count 3");
  require_wav_error(riff(chunk("fmt ", fmt(1, 1, 0, 16)) + data),
                    "sample rate 0");
  require_wav_error(
    riff(chunk("fmt ", fmt_extensible(1, 1, 8000, 16, false)) + data),
    "subformat GUID");
  require_wav_error(riff(chunk("fmt ", fmt(0xFFFE, 1, 8000, 16)) + data),
                    "extensible fmt chunk has 16");
}

TEST_CASE("to_phone_wav resamples, encodes and wraps", "[audio]") {
  constexpr double pi = 3.14159265358979323846;
  sb::pcm_audio in{22050, {}};
  for (int i = 0; i < 22050; ++i)
    in.samples.push_back(
      static_cast<int16_t>(8000 * std::sin(2 * pi * 440 * i / 22050.0)));
  const auto wav = sb::to_phone_wav(in);
  REQUIRE(wav.size() > 58);
  auto back = sb::read_wav(
    {reinterpret_cast<const char*>(wav.data()), wav.size()});
  REQUIRE(back);
  CHECK(back->sample_rate == 8000);
  CHECK(back->samples.size() == Approx(8000).margin(2));
  CHECK(wav[20] == 7); // format tag: mu-law
  CHECK(sb::to_phone_wav({22050, {}}).empty());
  CHECK(sb::to_phone_wav({0, {1, 2, 3}}).empty());
}
