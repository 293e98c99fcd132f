// vad_bench: what hearing the caller costs, in CPU time per 20 ms frame of
// their audio: each voice detector alone (energy, WebRTC's, both) and the
// whole inbound path (Media Streams payloads on the timeline, μ-law
// decoding, the turn detector with its detector). The audio is the
// pocketsphinx test recordings as a call carries them (8 kHz μ-law), one
// after the other with a second of low noise between. See bench/README.md.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "backends/audio/audio_format.hpp"
#include "backends/audio/audio_resampler.hpp"
#include "backends/audio/mulaw_timeline.hpp"
#include "backends/vad/energy_vad.hpp"
#include "backends/vad/turn_detector.hpp"
#include "backends/vad/webrtc_vad.hpp"
#include "core/config.hpp"
#include "core/error.hpp"

namespace {

using clock_type = std::chrono::steady_clock;

const std::string data_dir = "/usr/share/pocketsphinx/test/data";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A 16 kHz recording: raw little-endian samples or a WAV file.
sb::pcm_audio load(const std::string& path) {
  const auto bytes = read_file(path);
  if (path.size() > 4 && path.substr(path.size() - 4) == ".wav") {
    auto wav = sb::read_wav(bytes);
    return wav ? *wav : sb::pcm_audio{};
  }
  sb::pcm_audio pcm{16000, std::vector<int16_t>(bytes.size() / 2)};
  for (size_t i = 0; i < pcm.samples.size(); ++i)
    pcm.samples[i] = static_cast<int16_t>(
      static_cast<uint8_t>(bytes[2 * i])
      | static_cast<uint8_t>(bytes[2 * i + 1]) << 8);
  return pcm;
}

// Every recording at 8 kHz μ-law, with 1 s of -60 dBFS noise before each.
std::vector<uint8_t> call_audio() {
  std::vector<std::string> files = {"goforward.raw", "numbers.raw",
                                    "something.raw"};
  for (const char* id : {"0870", "0880", "0890", "0920", "0930"})
    files.push_back(std::string("librivox/sense_and_sensibility_01_austen_"
                                "64kb-")
                    + id + ".wav");
  std::mt19937 gen(1);
  std::normal_distribution<double> noise(0.0, 32768.0 * std::pow(10, -3.0));
  std::vector<uint8_t> out;
  for (const auto& f : files) {
    for (int i = 0; i < 8000; ++i)
      out.push_back(sb::linear_to_mulaw(static_cast<int16_t>(noise(gen))));
    auto narrow = sb::resample(load(data_dir + "/" + f), 8000);
    if (!narrow || narrow->samples.empty()) {
      std::fprintf(stderr, "vad_bench: cannot read %s/%s\n", data_dir.c_str(),
                   f.c_str());
      std::exit(1);
    }
    for (auto s : narrow->samples)
      out.push_back(sb::linear_to_mulaw(s));
  }
  out.resize(out.size() / sb::vad_frame_samples * sb::vad_frame_samples);
  return out;
}

std::vector<int16_t> decode(const std::vector<uint8_t>& mulaw) {
  std::vector<int16_t> out;
  out.reserve(mulaw.size());
  for (auto c : mulaw)
    out.push_back(sb::mulaw_to_linear(c));
  return out;
}

std::unique_ptr<sb::voice_detector> detector(const std::string& kind) {
  sb::media_config cfg;
  cfg.vad = kind;
  auto vad = sb::make_voice_detector(cfg);
  if (!vad) {
    std::fprintf(stderr, "vad_bench: %s\n", sb::what(vad.error()).c_str());
    std::exit(1);
  }
  return std::move(*vad);
}

// Nanoseconds per frame of one pass, the detector made fresh each time.
double detector_pass(const std::string& kind, const std::vector<int16_t>& pcm,
                     size_t& voiced) {
  auto vad = detector(kind);
  voiced = 0;
  const auto t0 = clock_type::now();
  for (size_t at = 0; at < pcm.size(); at += sb::vad_frame_samples)
    voiced += vad->classify(pcm.data() + at) != sb::vad_decision::silence;
  const auto ns =
    std::chrono::duration<double, std::nano>(clock_type::now() - t0).count();
  return ns / static_cast<double>(pcm.size() / sb::vad_frame_samples);
}

// The whole inbound path: 160-byte payloads stamped every 20 ms onto the
// timeline, pulled as frames, through the turn detector.
double pipeline_pass(const std::string& kind, const std::vector<uint8_t>& mulaw,
                     size_t& turns) {
  sb::media_config cfg;
  cfg.vad = kind;
  auto made = sb::turn_detector::create(cfg);
  if (!made) {
    std::fprintf(stderr, "vad_bench: %s\n", sb::what(made.error()).c_str());
    std::exit(1);
  }
  sb::turn_detector turns_of{std::move(*made)};
  sb::mulaw_timeline timeline;
  std::vector<int16_t> frame;
  turns = 0;
  const auto t0 = clock_type::now();
  for (size_t at = 0; at < mulaw.size(); at += sb::vad_frame_samples) {
    timeline.push(static_cast<int64_t>(at / 8), mulaw.data() + at,
                  sb::vad_frame_samples);
    while (true) {
      const int64_t ms = timeline.position() / 8;
      if (!timeline.pull(sb::vad_frame_samples, frame))
        break;
      for (const auto& e : turns_of.process(frame.data(), ms))
        turns += std::holds_alternative<sb::turn_ended>(e);
    }
  }
  for (const auto& e : turns_of.finish())
    turns += std::holds_alternative<sb::turn_ended>(e);
  const auto ns =
    std::chrono::duration<double, std::nano>(clock_type::now() - t0).count();
  return ns / static_cast<double>(mulaw.size() / sb::vad_frame_samples);
}

} // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string{argv[1]} == "--help") {
    std::printf("Usage: vad_bench [RUNS]\nCPU time per 20 ms frame of the "
                "voice detectors and the turn detector over the\npocketsphinx "
                "test recordings (default 20 runs, the minimum kept).\n");
    return 0;
  }
  const int runs = argc > 1 ? std::max(1, std::atoi(argv[1])) : 20;
  const auto mulaw = call_audio();
  const auto pcm = decode(mulaw);
  const size_t frames = pcm.size() / sb::vad_frame_samples;
  std::printf("%zu frames (%.1f s of audio), min of %d runs\n\n", frames,
              static_cast<double>(frames) * 0.02, runs);
  std::printf("| what | µs per 20 ms frame (min) | voiced frames / turns |\n"
              "|---|---|---|\n");
  for (const char* kind : {"energy", "webrtc", "both"}) {
    double best = 1e18;
    size_t voiced = 0;
    for (int r = 0; r < runs; ++r)
      best = std::min(best, detector_pass(kind, pcm, voiced));
    std::printf("| %s detector | %.3f | %zu voiced |\n", kind, best / 1000,
                voiced);
  }
  for (const char* kind : {"energy", "webrtc", "both"}) {
    double best = 1e18;
    size_t turns = 0;
    for (int r = 0; r < runs; ++r)
      best = std::min(best, pipeline_pass(kind, mulaw, turns));
    std::printf(
      "| timeline + μ-law + turn detector (%s) | %.3f | %zu turns |\n", kind,
      best / 1000, turns);
  }
  return 0;
}
