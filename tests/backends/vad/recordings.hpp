// The real speech the vad suite runs on: Debian's pocketsphinx-testdata
// recordings (16 kHz, 16-bit: goforward.raw, numbers.raw, something.raw
// and five librivox sentences), put through what a phone call does to
// them (8 kHz, μ-law, Media Streams frames on the timeline), padded with
// silence or low seeded noise, and run through a turn detector.
// Header-only, for this suite's test files.
#pragma once

#include <cmath>
#include <cstdint>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include <sys/stat.h>

#include "backends/audio/audio_format.hpp"
#include "backends/audio/audio_resampler.hpp"
#include "backends/audio/mulaw_timeline.hpp"
#include "backends/vad/turn_detector.hpp"

namespace sb::test {

inline const std::string recordings_dir = "/usr/share/pocketsphinx/test/data";

inline bool have_recordings() {
  struct stat st {};
  return ::stat((recordings_dir + "/goforward.raw").c_str(), &st) == 0;
}

struct recording {
  std::string name;
  pcm_audio audio; // 16 kHz as recorded
};

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

/// The eight recordings, or none when the directory is missing.
inline std::vector<recording> load_recordings() {
  std::vector<recording> out;
  for (const char* name : {"goforward", "numbers", "something"}) {
    const auto bytes = read_file(recordings_dir + "/" + name + ".raw");
    pcm_audio pcm{16000, std::vector<int16_t>(bytes.size() / 2)};
    for (size_t i = 0; i < pcm.samples.size(); ++i)
      pcm.samples[i] = static_cast<int16_t>(
        static_cast<uint8_t>(bytes[2 * i])
        | static_cast<uint8_t>(bytes[2 * i + 1]) << 8);
    out.push_back({name, std::move(pcm)});
  }
  for (const char* id : {"0870", "0880", "0890", "0920", "0930"}) {
    const auto path = recordings_dir
                      + "/librivox/sense_and_sensibility_01_austen_64kb-" + id
                      + ".wav";
    auto wav = read_wav(read_file(path));
    if (wav)
      out.push_back({std::string("librivox-") + id, std::move(*wav)});
  }
  return out;
}

/// `pcm` at 8 kHz, as it reaches us over the phone network: resampled,
/// then μ-law coded (the bytes Twilio sends).
inline std::vector<uint8_t> phone_mulaw(const pcm_audio& pcm) {
  auto narrow = resample(pcm, 8000);
  std::vector<uint8_t> out;
  if (!narrow)
    return out;
  out.reserve(narrow->samples.size());
  for (auto s : narrow->samples)
    out.push_back(linear_to_mulaw(s));
  return out;
}

/// Seeded white Gaussian noise at `dbfs` RMS (relative to full scale, as
/// level_dbfs measures), `ms` long at 8 kHz; -infinity for none.
inline std::vector<double> noise(double dbfs, int64_t ms, uint32_t seed) {
  std::vector<double> out(static_cast<size_t>(ms * 8));
  if (!std::isfinite(dbfs))
    return out;
  std::mt19937 gen(seed);
  std::normal_distribution<double> dist(0.0,
                                        32768.0 * std::pow(10.0, dbfs / 20));
  for (auto& x : out)
    x = dist(gen);
  return out;
}

/// What a call hears: `before_ms` of line, the μ-law recording decoded
/// (pass an empty vector for none), `after_ms` of line, with `noise_dbfs`
/// of white noise over all of it (-infinity: digital silence), coded to
/// μ-law bytes.
inline std::vector<uint8_t> call_audio(const std::vector<uint8_t>& speech,
                                       int64_t before_ms, int64_t after_ms,
                                       double noise_dbfs, uint32_t seed = 1) {
  const int64_t total_ms = before_ms + after_ms
                           + static_cast<int64_t>(speech.size()) / 8;
  auto line = noise(noise_dbfs, total_ms + 1, seed);
  std::vector<uint8_t> out;
  out.reserve(line.size());
  for (size_t i = 0; i < line.size(); ++i) {
    const auto at = static_cast<int64_t>(i) - before_ms * 8;
    double x = line[i];
    if (at >= 0 && at < static_cast<int64_t>(speech.size()))
      x += mulaw_to_linear(speech[static_cast<size_t>(at)]);
    const double clipped = std::max(-32768.0, std::min(32767.0, std::round(x)));
    out.push_back(linear_to_mulaw(static_cast<int16_t>(clipped)));
  }
  return out;
}

/// Every event of a detector over `mulaw`, sent as Twilio does (160-byte
/// media frames stamped every 20 ms) through the timeline; `before_frame`
/// runs before each 20 ms frame with its stream time (to switch
/// set_assistant_speaking, say). finish() closes the stream.
inline std::vector<turn_event>
run_call(turn_detector& detector, const std::vector<uint8_t>& mulaw,
         const std::function<void(int64_t)>& before_frame = {}) {
  mulaw_timeline timeline;
  std::vector<turn_event> events;
  std::vector<int16_t> frame;
  for (size_t at = 0; at < mulaw.size(); at += 160) {
    const size_t n = std::min<size_t>(160, mulaw.size() - at);
    timeline.push(static_cast<int64_t>(at / 8), mulaw.data() + at, n);
    while (true) {
      const int64_t ms = timeline.position() / 8;
      if (!timeline.pull(vad_frame_samples, frame))
        break;
      if (before_frame)
        before_frame(ms);
      for (auto& e : detector.process(frame.data(), ms))
        events.push_back(std::move(e));
    }
  }
  for (auto& e : detector.finish())
    events.push_back(std::move(e));
  return events;
}

template <class Event>
std::vector<Event> events_of(const std::vector<turn_event>& events) {
  std::vector<Event> out;
  for (const auto& e : events)
    if (const auto* x = std::get_if<Event>(&e))
      out.push_back(*x);
  return out;
}

} // namespace sb::test
