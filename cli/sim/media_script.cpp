// Preparing the caller's audio: one espeak-ng engine for the whole
// script (espeak-ng allows one per process), a cache by text and voice so
// a line said twice is synthesised once.
#include "cli/sim/media_script.hpp"

#include <fstream>
#include <iterator>
#include <map>

#include "backends/audio/audio_resampler.hpp"
#include "backends/tts/tts_espeak.hpp"
#include "core/error.hpp"

namespace sb {

namespace {

// Devanagari is U+0900..U+097F: UTF-8 E0 A4 xx and E0 A5 xx.
bool has_devanagari(const std::string& text) {
  for (size_t i = 0; i + 1 < text.size(); ++i)
    if (static_cast<uint8_t>(text[i]) == 0xE0
        && (static_cast<uint8_t>(text[i + 1]) == 0xA4
            || static_cast<uint8_t>(text[i + 1]) == 0xA5))
      return true;
  return false;
}

caf::error line_error(const sim_step& step, const std::string& why) {
  return make_error(
    errc::bad_request,
    (step.line > 0 ? "line " + std::to_string(step.line) + ": " : "") + why);
}

class speech_synth {
public:
  caf::expected<std::string> say(const std::string& text) {
    auto voice = has_devanagari(text) ? "hi" : "en-us";
    auto key = std::string{voice} + '\n' + text;
    if (auto hit = cache_.find(key); hit != cache_.end())
      return hit->second;
    if (!engine_) {
      auto made = espeak_engine::create();
      if (!made)
        return made.error();
      engine_ = std::move(*made);
    }
    auto pcm = engine_->synthesize(text, voice);
    if (!pcm)
      return pcm.error();
    auto mulaw = phone_mulaw(*pcm);
    if (mulaw)
      cache_.emplace(key, *mulaw);
    return mulaw;
  }

private:
  std::unique_ptr<espeak_engine> engine_;
  std::map<std::string, std::string> cache_;
};

} // namespace

caf::expected<std::string> phone_mulaw(const pcm_audio& pcm) {
  auto phone = resample(pcm, phone_sample_rate);
  if (!phone)
    return phone.error();
  std::string out;
  out.reserve(phone->samples.size());
  for (auto s : phone->samples)
    out.push_back(static_cast<char>(linear_to_mulaw(s)));
  return out;
}

caf::expected<std::string> wav_file_mulaw(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return make_error(errc::not_found, path + ": cannot read the file");
  std::string bytes{std::istreambuf_iterator<char>{in}, {}};
  auto pcm = read_wav(bytes);
  if (!pcm)
    return make_error(errc::bad_request, path + ": " + what(pcm.error()));
  auto mulaw = phone_mulaw(*pcm);
  if (!mulaw)
    return make_error(errc::bad_request, path + ": " + what(mulaw.error()));
  return mulaw;
}

caf::expected<media_script>
prepare_media_script(const std::vector<sim_step>& steps) {
  speech_synth synth;
  media_script out;
  for (const auto& step : steps) {
    media_line line{step, {}, step.text};
    if (!step.wav_path.empty()) {
      auto audio = wav_file_mulaw(step.wav_path);
      if (!audio)
        return line_error(step, what(audio.error()));
      line.audio = std::move(*audio);
      line.shown = "[wav " + step.wav_path + "]";
    } else if (step.kind == sim_step_kind::speech
               || step.kind == sim_step_kind::interrupt) {
      auto audio = synth.say(step.text);
      if (!audio && has_code(audio.error(), errc::bad_config))
        return audio.error();
      if (!audio)
        return line_error(step, "espeak-ng: " + what(audio.error()));
      line.audio = std::move(*audio);
    }
    out.push_back(std::move(line));
  }
  return out;
}

double mulaw_seconds(const std::string& audio) {
  return static_cast<double>(audio.size()) / phone_sample_rate;
}

} // namespace sb
