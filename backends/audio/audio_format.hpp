// Audio values and the byte formats the phone path needs: 16-bit mono PCM
// in memory, G.711 μ-law sample coding, and RIFF/WAVE files (reading what
// speech engines produce, writing the 8 kHz μ-law WAV that Twilio's <Play>
// fetches and the 16-bit PCM WAV that speech recognisers are sent). Pure
// functions on memory, no I/O, thread-safe.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include <caf/expected.hpp>

namespace sb {

/// Mono 16-bit linear PCM at `sample_rate` Hz.
struct pcm_audio {
  int sample_rate = 0;
  std::vector<int16_t> samples;
};

/// The sample rate of the phone network (and of every file we serve).
constexpr int phone_sample_rate = 8000;

/// The highest sample rate read_wav() and resample() accept, in Hz.
constexpr int max_sample_rate = 768000;

/// G.711 μ-law encoding of one sample (bias 0x84, magnitude clipped at
/// 32635, no zero-code trap): 0 → 0xFF, 32767 → 0x80, -32768 → 0x00.
uint8_t linear_to_mulaw(int16_t sample);

/// G.711 μ-law decoding: the midpoint of the code's quantisation interval,
/// so |x - decode(encode(x))| <= (|x| + 132) / 32 for |x| <= 32635.
int16_t mulaw_to_linear(uint8_t code);

/// Wraps raw μ-law bytes (one channel, `rate` samples per second) in a
/// RIFF/WAVE file: a fmt chunk of 18 bytes (format tag 7 WAVE_FORMAT_MULAW,
/// 1 channel, `rate` Hz, byte rate `rate`, block align 1, 8 bits, cbSize 0),
/// a fact chunk (sample count) and the data chunk, padded to even length.
std::vector<uint8_t> mulaw_wav(const std::vector<uint8_t>& mulaw,
                               int rate = phone_sample_rate);

/// Wraps `in` in a RIFF/WAVE file of 16-bit linear PCM: a 16-byte fmt
/// chunk (format tag 1, 1 channel, in.sample_rate Hz, byte rate
/// 2 * in.sample_rate, block align 2, 16 bits) and the data chunk of the
/// samples, little-endian: 44 + 2 * in.samples.size() bytes. What
/// whisper-class speech recognisers take as their `file`.
std::vector<uint8_t> pcm_wav(const pcm_audio& in);

/// Parses a WAV file held in memory into mono PCM. Accepts format tags 1
/// (16-bit PCM) and 7 (8-bit μ-law), directly or inside
/// WAVE_FORMAT_EXTENSIBLE, with one or two channels (two are averaged).
/// Unknown chunks are skipped. A data size of 0 or 0xFFFFFFFF (written by
/// servers that stream before they know the length) means "the rest of the
/// file"; a trailing partial frame is dropped.
/// Errors: errc::backend_failed naming the defect (not RIFF/WAVE, a chunk
/// running past the end, no fmt or data chunk, an unsupported format, bit
/// depth, channel count or sample rate).
caf::expected<pcm_audio> read_wav(std::string_view bytes);

/// What the phone path plays: `in` resampled to 8 kHz, μ-law encoded and
/// wrapped by mulaw_wav().
/// Returns an empty vector when there is nothing to play (no samples left
/// after resampling) or in.sample_rate is unusable (<= 0 or above
/// max_sample_rate); any other result is a complete file.
std::vector<uint8_t> to_phone_wav(const pcm_audio& in);

} // namespace sb
