// tts_bench: how long the embedded voice takes to make phone audio, cold
// (espeak-ng synthesis, libsoxr resampling to 8 kHz, mu-law WAV, written to
// the cache) and cached (the lookup and read a repeated phrase costs), with
// the real-time factor (synthesis time / audio length). See bench/README.md.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "backends/audio/audio_format.hpp"
#include "backends/tts/audio_cache.hpp"
#include "backends/tts/tts_espeak.hpp"
#include "core/error.hpp"

namespace {

using clock_type = std::chrono::steady_clock;

struct sample {
  const char* label;
  const char* voice;
  const char* text;
};

const std::vector<sample> sentences = {
  {"en short", "en", "Hello! How can I help you today?"},
  {"en long", "en",
   "I am here to help. You can ask me about your account, your orders, or "
   "payments. What would you like to know?"},
  {"hi short", "hi", "नमस्ते! मैं आपकी कैसे मदद कर सकती हूँ?"},
  {"hi long", "hi",
   "मैं आपकी मदद के लिए यहाँ हूँ। आप मुझसे अपने खाते, अपने ऑर्डर या भुगतान के "
   "बारे में पूछ सकते हैं। आप क्या जानना चाहेंगे?"},
};

double ms_since(clock_type::time_point t0) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - t0)
    .count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

} // namespace

int main(int argc, char** argv) {
  int rounds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 20;
  if (argc > 1 && std::string{argv[1]} == "--help") {
    std::printf("Usage: tts_bench [ROUNDS]\nTimes espeak-ng phone audio, "
                "cold and cached (default 20 rounds).\n");
    return 0;
  }
  auto engine = sb::espeak_engine::create();
  if (!engine) {
    std::fprintf(stderr, "tts_bench: %s\n", sb::what(engine.error()).c_str());
    return 1;
  }
  auto dir = std::filesystem::temp_directory_path() / "sb-tts-bench";
  std::filesystem::remove_all(dir);
  auto cache = sb::audio_cache::open(dir.string(), 64u << 20);
  if (!cache) {
    std::fprintf(stderr, "tts_bench: %s\n", sb::what(cache.error()).c_str());
    return 1;
  }
  std::printf("| sentence | audio s | cold ms (p50) | real-time factor | "
              "cached ms (p50) |\n"
              "|---|---|---|---|---|\n");
  for (const auto& s : sentences) {
    std::vector<double> cold, cached;
    double seconds = 0;
    for (int r = 0; r < rounds; ++r) {
      auto id = sb::audio_cache::key("espeak", s.voice,
                                     std::string{s.text} + std::to_string(r));
      auto t0 = clock_type::now();
      auto pcm = (*engine)->synthesize(s.text, s.voice);
      if (!pcm)
        return 1;
      auto wav = sb::to_phone_wav(*pcm);
      (*cache)->store(id, wav);
      cold.push_back(ms_since(t0));
      seconds = double(wav.size() - 58) / 8000; // header of mulaw_wav()
      auto t1 = clock_type::now();
      auto hit = (*cache)->lookup(id);
      auto bytes = (*cache)->read(id);
      cached.push_back(ms_since(t1));
      if (!hit || !bytes)
        return 1;
    }
    auto c = median(cold);
    std::printf("| %s | %.2f | %.2f | %.4f | %.3f |\n", s.label, seconds, c,
                c / 1000 / seconds, median(cached));
  }
  std::filesystem::remove_all(dir);
  return 0;
}
