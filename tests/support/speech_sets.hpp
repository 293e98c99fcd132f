// The recorded speech the recogniser tests and bench/stt_wer measure
// against: Debian's pocketsphinx-testdata (5 LibriVox sentences with the
// package's own transcription; goforward.raw, numbers.raw, something.raw
// with tests/data/speech/transcripts.tsv), all 16 kHz 16-bit mono, and
// the phone path that squeezes them as a call would (16 kHz -> 8 kHz with
// soxr, G.711 mu-law encode and decode, back up to 16 kHz). Header-only,
// on sb_audio.
#pragma once

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "backends/audio/audio_format.hpp"
#include "backends/audio/audio_resampler.hpp"
#include "core/error.hpp"

namespace sb::test {

/// Where Debian's pocketsphinx-testdata puts its recordings.
inline const std::string pocketsphinx_testdata =
  "/usr/share/pocketsphinx/test/data";

/// One recording and what was said.
struct speech_clip {
  std::string name;      // the file, under pocketsphinx_testdata
  std::string reference; // the words said, lower-case
  pcm_audio audio;       // 16 kHz mono
};

namespace detail {

inline caf::expected<std::string> slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return make_error(errc::not_found, path + ": cannot be read");
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// A headerless recording: 16 kHz 16-bit little-endian mono.
inline pcm_audio raw_16k(const std::string& bytes) {
  pcm_audio out{16000, std::vector<int16_t>(bytes.size() / 2)};
  for (size_t i = 0; i < out.samples.size(); ++i)
    out.samples[i] = static_cast<int16_t>(
      static_cast<uint8_t>(bytes[2 * i])
      | static_cast<uint8_t>(bytes[2 * i + 1]) << 8);
  return out;
}

inline caf::expected<speech_clip> load_clip(const std::string& name,
                                            std::string reference) {
  auto bytes = slurp(pocketsphinx_testdata + "/" + name);
  if (!bytes)
    return bytes.error();
  speech_clip clip{name, std::move(reference), {}};
  if (name.size() > 4 && name.substr(name.size() - 4) == ".wav") {
    auto pcm = read_wav(*bytes);
    if (!pcm)
      return pcm.error();
    clip.audio = std::move(*pcm);
  } else {
    clip.audio = raw_16k(*bytes);
  }
  if (clip.audio.sample_rate != 16000)
    return make_error(errc::backend_failed, name + ": not 16 kHz");
  return clip;
}

} // namespace detail

/// The 8 recordings: librivox/ in the order of its fileids, then the
/// three of `transcripts_tsv` (tests/data/speech/transcripts.tsv).
/// Errors: errc::not_found naming the file when the package (or the
/// transcripts file) is missing: the caller skips.
inline caf::expected<std::vector<speech_clip>>
load_speech_clips(const std::string& transcripts_tsv) {
  std::vector<speech_clip> out;
  auto librivox = detail::slurp(pocketsphinx_testdata
                                + "/librivox/transcription");
  if (!librivox)
    return librivox.error();
  // "<s> words </s> (id)" per line.
  std::istringstream lines(*librivox);
  for (std::string line; std::getline(lines, line);) {
    const auto open = line.rfind('(');
    const auto close = line.rfind(')');
    if (open == std::string::npos || close < open)
      continue;
    std::istringstream words(line.substr(0, open));
    std::string word, text;
    while (words >> word)
      if (word != "<s>" && word != "</s>")
        text += (text.empty() ? "" : " ") + word;
    auto clip = detail::load_clip(
      "librivox/" + line.substr(open + 1, close - open - 1) + ".wav", text);
    if (!clip)
      return clip.error();
    out.push_back(std::move(*clip));
  }
  auto tsv = detail::slurp(transcripts_tsv);
  if (!tsv)
    return tsv.error();
  std::istringstream rows(*tsv);
  for (std::string row; std::getline(rows, row);) {
    const auto tab = row.find('\t');
    if (row.empty() || row[0] == '#' || tab == std::string::npos)
      continue;
    auto clip = detail::load_clip(row.substr(0, tab), row.substr(tab + 1));
    if (!clip)
      return clip.error();
    out.push_back(std::move(*clip));
  }
  return out;
}

/// `in` (16 kHz) as it arrives from a phone call: down to 8 kHz (soxr),
/// through G.711 mu-law and back, up to 16 kHz (soxr).
inline caf::expected<pcm_audio> phone_path(const pcm_audio& in) {
  auto narrow = resample(in, phone_sample_rate);
  if (!narrow)
    return narrow.error();
  for (auto& s : narrow->samples)
    s = mulaw_to_linear(linear_to_mulaw(s));
  return resample(*narrow, 16000);
}

} // namespace sb::test
