// μ-law coding, the WAV writers and the WAV reader. The reader walks the
// RIFF chunk list with explicit bounds checks at every step, because its
// input comes from a speech server over the network.
#include "backends/audio/audio_format.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <string>

#include "backends/audio/audio_resampler.hpp"
#include "core/error.hpp"

namespace sb {

namespace {

constexpr int mulaw_bias = 0x84;
constexpr int mulaw_clip = 32635;

constexpr uint16_t tag_pcm = 1;
constexpr uint16_t tag_mulaw = 7;
constexpr uint16_t tag_extensible = 0xFFFE;

// Bytes 2..15 of every KSDATAFORMAT_SUBTYPE_* GUID derived from a format
// tag (00000000-0000-0010-8000-00aa00389b71 with the tag in bytes 0..1).
constexpr std::array<uint8_t, 14> subformat_tail = {0x00, 0x00, 0x00, 0x00,
                                                    0x10, 0x00, 0x80, 0x00,
                                                    0x00, 0xAA, 0x00, 0x38,
                                                    0x9B, 0x71};

// The fmt chunk fields read_wav() uses.
struct wav_format {
  uint16_t tag = 0;
  uint16_t channels = 0;
  uint32_t rate = 0;
  uint16_t bits = 0;
};

uint16_t le16(std::string_view b, size_t at) {
  return static_cast<uint16_t>(static_cast<uint8_t>(b[at])
                               | static_cast<uint8_t>(b[at + 1]) << 8);
}

uint32_t le32(std::string_view b, size_t at) {
  return static_cast<uint32_t>(le16(b, at))
         | static_cast<uint32_t>(le16(b, at + 2)) << 16;
}

void put_tag(std::vector<uint8_t>& out, std::string_view tag) {
  out.insert(out.end(), tag.begin(), tag.end());
}

void put_le16(std::vector<uint8_t>& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v & 0xFF));
  out.push_back(static_cast<uint8_t>(v >> 8));
}

void put_le32(std::vector<uint8_t>& out, uint32_t v) {
  put_le16(out, static_cast<uint16_t>(v & 0xFFFF));
  put_le16(out, static_cast<uint16_t>(v >> 16));
}

caf::error wav_error(const std::string& why) {
  return make_error(errc::backend_failed, "WAV: " + why);
}

// A chunk id fit for an error message (ids are meant to be ASCII).
std::string printable_id(std::string_view id) {
  std::string out;
  for (char c : id)
    out += std::isprint(static_cast<unsigned char>(c)) ? c : '?';
  return "'" + out + "'";
}

// Unwraps WAVE_FORMAT_EXTENSIBLE: the real tag is in its subformat GUID.
caf::expected<uint16_t> extensible_tag(std::string_view body) {
  if (body.size() < 40)
    return wav_error("extensible fmt chunk has " + std::to_string(body.size())
                     + " bytes, needs 40");
  for (size_t i = 0; i < subformat_tail.size(); ++i)
    if (static_cast<uint8_t>(body[26 + i]) != subformat_tail[i])
      return wav_error("extensible fmt chunk has an unknown subformat GUID");
  return le16(body, 24);
}

caf::expected<wav_format> parse_fmt(std::string_view body) {
  if (body.size() < 16)
    return wav_error("fmt chunk has " + std::to_string(body.size())
                     + " bytes, needs 16");
  wav_format f{le16(body, 0), le16(body, 2), le32(body, 4), le16(body, 14)};
  if (f.tag == tag_extensible) {
    auto tag = extensible_tag(body);
    if (!tag)
      return tag.error();
    f.tag = *tag;
  }
  if (f.tag != tag_pcm && f.tag != tag_mulaw)
    return wav_error("unsupported format tag " + std::to_string(f.tag)
                     + " (only PCM 1 and mu-law 7)");
  if (f.bits != (f.tag == tag_pcm ? 16 : 8))
    return wav_error("unsupported " + std::to_string(f.bits) + "-bit "
                     + (f.tag == tag_pcm ? "PCM" : "mu-law"));
  if (f.channels != 1 && f.channels != 2)
    return wav_error("unsupported channel count " + std::to_string(f.channels));
  if (f.rate == 0 || f.rate > static_cast<uint32_t>(max_sample_rate))
    return wav_error("unsupported sample rate " + std::to_string(f.rate));
  return f;
}

int16_t sample_at(const wav_format& f, std::string_view data, size_t at) {
  return f.tag == tag_pcm ? static_cast<int16_t>(le16(data, at))
                          : mulaw_to_linear(static_cast<uint8_t>(data[at]));
}

// Whole frames only: a stream cut mid-frame loses its last partial frame.
pcm_audio decode_frames(const wav_format& f, std::string_view data) {
  const size_t width = f.bits / 8;
  const size_t frame = width * f.channels;
  pcm_audio out{static_cast<int>(f.rate), {}};
  out.samples.reserve(data.size() / frame);
  for (size_t at = 0; at + frame <= data.size(); at += frame) {
    int sum = sample_at(f, data, at);
    if (f.channels == 2)
      sum = (sum + sample_at(f, data, at + width)) / 2;
    out.samples.push_back(static_cast<int16_t>(sum));
  }
  return out;
}

} // namespace

uint8_t linear_to_mulaw(int16_t sample) {
  int value = sample;
  const int sign = value < 0 ? 0x80 : 0x00;
  if (value < 0)
    value = -value;
  value = std::min(value, mulaw_clip) + mulaw_bias;
  // The segment is the position of the highest set bit above bit 7.
  int exponent = 7;
  while (exponent > 0 && (value & (0x4000 >> (7 - exponent))) == 0)
    --exponent;
  const int mantissa = (value >> (exponent + 3)) & 0x0F;
  return static_cast<uint8_t>(~(sign | exponent << 4 | mantissa));
}

int16_t mulaw_to_linear(uint8_t code) {
  const int u = static_cast<uint8_t>(~code);
  const int exponent = (u >> 4) & 0x07;
  const int mantissa = u & 0x0F;
  const int magnitude = (((mantissa << 3) + mulaw_bias) << exponent)
                        - mulaw_bias;
  return static_cast<int16_t>((u & 0x80) ? -magnitude : magnitude);
}

std::vector<uint8_t> mulaw_wav(const std::vector<uint8_t>& mulaw, int rate) {
  const auto n = static_cast<uint32_t>(mulaw.size());
  const uint32_t pad = n & 1;
  std::vector<uint8_t> out;
  out.reserve(58 + n + pad);
  put_tag(out, "RIFF");
  put_le32(out, 4 + (8 + 18) + (8 + 4) + (8 + n + pad));
  put_tag(out, "WAVE");
  put_tag(out, "fmt ");
  put_le32(out, 18);
  put_le16(out, tag_mulaw);
  put_le16(out, 1);                           // channels
  put_le32(out, static_cast<uint32_t>(rate)); // samples per second
  put_le32(out, static_cast<uint32_t>(rate)); // bytes per second
  put_le16(out, 1);                           // block align
  put_le16(out, 8);                           // bits per sample
  put_le16(out, 0);                           // cbSize
  put_tag(out, "fact");
  put_le32(out, 4);
  put_le32(out, n); // samples per channel
  put_tag(out, "data");
  put_le32(out, n);
  out.insert(out.end(), mulaw.begin(), mulaw.end());
  if (pad)
    out.push_back(0);
  return out;
}

std::vector<uint8_t> pcm_wav(const pcm_audio& in) {
  const auto n = static_cast<uint32_t>(in.samples.size() * 2);
  const auto rate = static_cast<uint32_t>(in.sample_rate);
  std::vector<uint8_t> out;
  out.reserve(44 + n);
  put_tag(out, "RIFF");
  put_le32(out, 4 + (8 + 16) + (8 + n));
  put_tag(out, "WAVE");
  put_tag(out, "fmt ");
  put_le32(out, 16);
  put_le16(out, tag_pcm);
  put_le16(out, 1);        // channels
  put_le32(out, rate);     // samples per second
  put_le32(out, rate * 2); // bytes per second
  put_le16(out, 2);        // block align
  put_le16(out, 16);       // bits per sample
  put_tag(out, "data");
  put_le32(out, n);
  for (int16_t s : in.samples)
    put_le16(out, static_cast<uint16_t>(s));
  return out;
}

caf::expected<pcm_audio> read_wav(std::string_view bytes) {
  if (bytes.size() < 12 || bytes.substr(0, 4) != "RIFF"
      || bytes.substr(8, 4) != "WAVE")
    return wav_error("not a RIFF/WAVE file");
  std::optional<wav_format> fmt;
  size_t pos = 12;
  while (bytes.size() - pos >= 8) {
    const auto id = bytes.substr(pos, 4);
    const uint32_t size = le32(bytes, pos + 4);
    const size_t body = pos + 8;
    const size_t rest = bytes.size() - body;
    if (id == "data") {
      if (!fmt)
        return wav_error("data chunk before fmt chunk");
      const bool unknown_size = size == 0 || size == 0xFFFFFFFF;
      if (!unknown_size && size > rest)
        return wav_error("data chunk truncated: " + std::to_string(size)
                         + " bytes declared, " + std::to_string(rest)
                         + " present");
      return decode_frames(*fmt,
                           bytes.substr(body, unknown_size ? rest : size));
    }
    if (size > rest)
      return wav_error("chunk " + printable_id(id) + " truncated: "
                       + std::to_string(size) + " bytes declared, "
                       + std::to_string(rest) + " present");
    if (id == "fmt ") {
      auto parsed = parse_fmt(bytes.substr(body, size));
      if (!parsed)
        return parsed.error();
      fmt = *parsed;
    }
    // Chunks are padded to an even length; a missing final pad is fine.
    pos = std::min(bytes.size(), body + size + (size & 1));
  }
  return wav_error(fmt ? "no data chunk" : "no fmt chunk");
}

std::vector<uint8_t> to_phone_wav(const pcm_audio& in) {
  auto phone = resample(in, phone_sample_rate);
  if (!phone || phone->samples.empty())
    return {};
  std::vector<uint8_t> mulaw(phone->samples.size());
  std::transform(phone->samples.begin(), phone->samples.end(), mulaw.begin(),
                 linear_to_mulaw);
  return mulaw_wav(mulaw);
}

} // namespace sb
