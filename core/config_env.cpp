// The config loader's environment overrides: the Python prototype's
// variable names and SWITCHBOARD_ADMIN_TOKEN, checked like the keys they
// replace.
#include <algorithm>
#include <optional>

#include "core/config_detail.hpp"
#include "core/error.hpp"

namespace sb::config_detail {

namespace {

caf::error env_error(const char* name, const std::string& why) {
  return make_error(errc::bad_config, std::string{name} + ": " + why);
}

} // namespace

// The prototype's variables; the empty string counts as unset, as a
// systemd `Environment=NAME=` line clears a value.
caf::error apply_env(config& cfg, const env_lookup& env) {
  auto get = [&](const char* name) -> std::optional<std::string> {
    auto value = env ? env(name) : std::nullopt;
    return value && !value->empty() ? value : std::nullopt;
  };
  if (auto v = get("TWILIO_ACCOUNT_SID"))
    cfg.twilio.account_sid = *v;
  if (auto v = get("TWILIO_AUTH_TOKEN"))
    cfg.twilio.auth_token = *v;
  if (auto v = get("TWILIO_PHONE_NUMBER"))
    cfg.twilio.phone_number = *v;
  // Ours, not the prototype's: keeps the operator's token out of the file
  // (scripts/run-daemon sets a development one for the console).
  if (auto v = get("SWITCHBOARD_ADMIN_TOKEN"))
    cfg.admin.token = *v;
  if (auto v = get("PUBLIC_URL")) {
    if (auto why = check_url(*v); !why.empty())
      return env_error("PUBLIC_URL", why);
    cfg.server.public_url = *v;
  }
  if (auto v = get("SILENCE_THRESHOLD_SECONDS")) {
    if (auto why = check_speech_timeout(*v); !why.empty())
      return env_error("SILENCE_THRESHOLD_SECONDS", why);
    cfg.voice.speech_timeout = *v;
    // The prototype's audio path used the same setting as the silence
    // that ends the caller's turn: so it is for a media call.
    if (*v != "auto")
      cfg.media.end_of_turn_ms = std::clamp(std::stoi(*v) * 1000, 100, 10000);
  }
  // The prototype's stream rate. Twilio streams 8 kHz μ-law only.
  if (auto v = get("AUDIO_SAMPLE_RATE")) {
    if (*v != "8000")
      return env_error("AUDIO_SAMPLE_RATE",
                       "must be 8000: Twilio Media Streams carry 8000 Hz "
                       "mu-law only (got \""
                         + *v + "\")");
  }
  if (auto v = get("OLLAMA_HOST")) {
    // Ollama's own clients accept "host:port" without a scheme.
    if (v->find("://") == std::string::npos)
      *v = "http://" + *v;
    if (auto why = check_url(*v); !why.empty())
      return env_error("OLLAMA_HOST", why);
    if (cfg.llm.endpoints.empty())
      cfg.llm.endpoints.push_back(endpoint_config{*v, 0, 4});
    else
      cfg.llm.endpoints.front().url = *v;
  }
  if (auto v = get("OLLAMA_MODEL"))
    cfg.llm.model = *v;
  // The prototype's TTS switches: USE_LOCAL_TTS=false means Twilio's own
  // voices; TTS_ENGINE names the engine outright.
  if (auto v = get("USE_LOCAL_TTS")) {
    if (*v == "false" || *v == "0")
      cfg.tts.engine = "say";
    else if (*v != "true" && *v != "1")
      return env_error("USE_LOCAL_TTS", "must be true or false");
  }
  if (auto v = get("TTS_ENGINE")) {
    if (auto why = check_choice(*v, {"say", "espeak", "http"}); !why.empty())
      return env_error("TTS_ENGINE", why);
    if (*v == "http" && cfg.tts.endpoints.empty())
      return env_error("TTS_ENGINE",
                       "http needs [[tts.endpoints]] in the file");
    cfg.tts.engine = *v;
  }
  // The prototype's switch between the local model and canned replies.
  if (auto v = get("USE_LOCAL_LLM")) {
    if (*v == "true" || *v == "1")
      cfg.llm.backend = "ollama";
    else if (*v == "false" || *v == "0")
      cfg.llm.backend = "scripted";
    else
      return env_error("USE_LOCAL_LLM", "must be true or false");
    if (cfg.llm.backend == "ollama" && cfg.llm.endpoints.empty())
      cfg.llm.endpoints.push_back(
        endpoint_config{"http://127.0.0.1:11434", 0, 4});
  }
  return caf::error{};
}

} // namespace sb::config_detail
