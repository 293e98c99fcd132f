// espeak_engine over libespeak-ng's synchronous mode. One mutex guards all
// of espeak-ng's global state: initialisation, the live-engine slot, and
// each synthesis (voice selection and the callback are process-wide).
// espeak_Terminate is never called: espeak-ng 1.51 does not reliably come
// back from a terminate/initialise cycle, and its memory is needed until
// the process ends anyway.
#include "backends/tts/tts_espeak.hpp"

#include <cctype>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <espeak-ng/speak_lib.h>

#include "core/error.hpp"

namespace sb {

namespace {

struct espeak_process_state {
  std::mutex mutex;
  std::optional<std::string> data_path; // set once espeak is initialised
  int sample_rate = 0;
  bool engine_alive = false;
};

espeak_process_state& process_state() {
  static espeak_process_state state;
  return state;
}

// Called by espeak_Synth on the caller's thread, once per chunk of samples
// and once more with wav == nullptr at the end. The collecting vector
// arrives as the synthesis's user_data.
int collect_samples(short* wav, int count, espeak_EVENT* events) {
  if (wav == nullptr || count <= 0 || events == nullptr)
    return 0;
  auto* out = static_cast<std::vector<int16_t>*>(events->user_data);
  if (out)
    out->insert(out->end(), wav, wav + count);
  return 0;
}

// espeak-ng quietly falls back to its built-in location when `path` is not
// a directory, and reports success without data when it is an unrelated
// one; either would hide a wrong setting, so look for its phoneme table.
bool has_espeak_data(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(path + "/phontab", ec)
         || std::filesystem::is_regular_file(path + "/espeak-ng-data/phontab",
                                             ec);
}

// REQUIRES: state.mutex held.
caf::error initialise_once(espeak_process_state& state,
                           const std::string& data_path) {
  if (state.data_path)
    return *state.data_path == data_path
             ? caf::error{}
             : make_error(errc::bad_config,
                          "espeak: already initialised with data path '"
                            + *state.data_path + "', not '" + data_path + "'");
  // DONT_EXIT: without it espeak-ng calls exit() when its data is missing.
  const int rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0,
                                     data_path.empty() ? nullptr
                                                       : data_path.c_str(),
                                     espeakINITIALIZE_DONT_EXIT);
  // espeak_Initialize returns the rate even when loading its data failed;
  // selecting a voice shows whether the data is really there.
  if (rate <= 0 || espeak_SetVoiceByName("en") != EE_OK)
    return make_error(
      errc::bad_config,
      "espeak: cannot initialise espeak-ng (data path '"
        + (data_path.empty() ? std::string("default") : data_path) + "')");
  espeak_SetSynthCallback(collect_samples);
  state.data_path = data_path;
  state.sample_rate = rate;
  return {};
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool has_language(const std::string& tag, std::string_view lang) {
  return tag.compare(0, lang.size(), lang) == 0
         && (tag.size() == lang.size() || tag[lang.size()] == '-'
             || tag[lang.size()] == '_');
}

} // namespace

caf::expected<std::unique_ptr<espeak_engine>>
espeak_engine::create(std::string data_path) {
  auto& state = process_state();
  if (!data_path.empty() && !has_espeak_data(data_path))
    return make_error(errc::bad_config,
                      "espeak: no espeak-ng data (phontab) under '" + data_path
                        + "'");
  std::lock_guard<std::mutex> lock(state.mutex);
  if (state.engine_alive)
    return make_error(errc::bad_config,
                      "espeak: an engine is already alive in this process "
                      "(espeak-ng is not thread-safe; share the one)");
  if (auto err = initialise_once(state, data_path))
    return err;
  state.engine_alive = true;
  return std::unique_ptr<espeak_engine>(new espeak_engine(state.sample_rate));
}

espeak_engine::espeak_engine(int sample_rate) : sample_rate_(sample_rate) {
}

espeak_engine::~espeak_engine() {
  auto& state = process_state();
  std::lock_guard<std::mutex> lock(state.mutex);
  state.engine_alive = false;
}

caf::expected<pcm_audio> espeak_engine::synthesize(std::string_view text,
                                                   std::string_view voice) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return make_error(errc::bad_request, "espeak: empty text");
  const std::string voice_name(voice);
  const std::string input(text); // espeak wants a NUL-terminated string
  auto& state = process_state();
  std::lock_guard<std::mutex> lock(state.mutex);
  if (espeak_SetVoiceByName(voice_name.c_str()) != EE_OK)
    return make_error(errc::bad_request,
                      "espeak: unknown voice '" + voice_name + "'");
  pcm_audio out{sample_rate_, {}};
  const espeak_ERROR rc = espeak_Synth(input.c_str(), input.size() + 1, 0,
                                       POS_CHARACTER, 0, espeakCHARS_UTF8,
                                       nullptr, &out.samples);
  espeak_Synchronize();
  if (rc != EE_OK)
    return make_error(errc::backend_failed,
                      "espeak: espeak_Synth failed with "
                        + std::to_string(static_cast<int>(rc)));
  if (out.samples.empty())
    return make_error(errc::backend_failed,
                      "espeak: no audio for voice '" + voice_name + "'");
  return out;
}

std::string espeak_engine::voice_for_language(std::string_view bcp47) {
  const auto tag = lower(bcp47);
  if (has_language(tag, "hi"))
    return "hi";
  if (tag == "en-us" || tag == "en_us")
    return "en-us";
  return "en";
}

} // namespace sb
