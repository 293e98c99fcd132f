// Fuzzes the config loader (core/config*.cpp) on TOML text in memory, the
// same path a config file takes after it is read. Comment lines
// "#env NAME=value" in the input stand for the process environment, so the
// prototype's overrides are fuzzed too without touching the real one.
// Properties: parsing is deterministic; a refusal is errc::bad_config
// naming where ("fuzz.toml:LINE: key: why", or the variable); an accepted
// config keeps every bound the loader promises.
#include "core/config.hpp"

#include <optional>
#include <string>

#include "core/error.hpp"
#include "fuzz/fuzz_support.hpp"

namespace {

constexpr const char* origin = "fuzz.toml";

// The overrides core/config.hpp lists; their errors start with the name.
constexpr const char* env_names[] = {"TWILIO_ACCOUNT_SID",
                                     "TWILIO_AUTH_TOKEN",
                                     "TWILIO_PHONE_NUMBER",
                                     "PUBLIC_URL",
                                     "SILENCE_THRESHOLD_SECONDS",
                                     "OLLAMA_HOST",
                                     "OLLAMA_MODEL",
                                     "USE_LOCAL_LLM",
                                     "USE_LOCAL_TTS",
                                     "TTS_ENGINE"};

// The value of the last "#env NAME=value" line for `name`.
std::optional<std::string> env_from(const std::string& text, const char* name) {
  const std::string mark = std::string("#env ") + name + "=";
  std::optional<std::string> found;
  for (size_t at = text.find(mark); at != std::string::npos;
       at = text.find(mark, at + 1)) {
    if (at != 0 && text[at - 1] != '\n')
      continue;
    auto begin = at + mark.size();
    auto end = text.find_first_of("\r\n", begin);
    found = text.substr(begin, end == std::string::npos ? end : end - begin);
  }
  return found;
}

bool is_url(const std::string& url) {
  return (url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0)
         && url.back() != '/';
}

void check_bounds(const sb::config& c) {
  SB_FUZZ_CHECK(is_url(c.server.public_url));
  SB_FUZZ_CHECK(is_url(c.twilio.api_base));
  SB_FUZZ_CHECK(!c.server.listen_host.empty());
  SB_FUZZ_CHECK(c.server.listen.size() > c.server.listen_host.size());
  SB_FUZZ_CHECK(c.server.io_threads >= 1 && c.server.io_threads <= 64);
  SB_FUZZ_CHECK(c.server.max_body_bytes >= 1024
                && c.server.max_body_bytes <= (16u << 20));
  SB_FUZZ_CHECK(c.twilio.rest_max_attempts >= 1
                && c.twilio.rest_max_attempts <= 10);
  SB_FUZZ_CHECK(c.voice.max_silent_prompts >= 1
                && c.voice.max_silent_prompts <= 20);
  SB_FUZZ_CHECK(!c.voice.speech_timeout.empty());
  SB_FUZZ_CHECK(c.voice.hints.size() <= 500);
  SB_FUZZ_CHECK(!c.voice.greeting.empty() && !c.voice.filler.empty());
  SB_FUZZ_CHECK(c.llm.backend == "scripted" || c.llm.backend == "ollama"
                || c.llm.backend == "openai");
  SB_FUZZ_CHECK(c.llm.backend == "scripted" || !c.llm.endpoints.empty());
  for (const auto& e : c.llm.endpoints)
    SB_FUZZ_CHECK(is_url(e.url) && e.slots >= 1 && e.slots <= 1024);
  SB_FUZZ_CHECK(c.llm.temperature >= 0.0 && c.llm.temperature <= 2.0);
  SB_FUZZ_CHECK(c.tts.engine == "say" || c.tts.engine == "espeak"
                || c.tts.engine == "http");
  SB_FUZZ_CHECK(c.tts.engine != "http" || !c.tts.endpoints.empty());
  for (const auto& e : c.tts.endpoints)
    SB_FUZZ_CHECK(is_url(e.url));
  SB_FUZZ_CHECK(!c.admin.socket.empty() && c.admin.socket.size() <= 107);
  SB_FUZZ_CHECK(c.limits.webhook_deadline_ms >= 500
                && c.limits.webhook_deadline_ms <= 14000);
  SB_FUZZ_CHECK(c.runtime.scheduler_threads >= 1
                && c.runtime.scheduler_threads <= 64);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text{sb::fuzz::as_text(data, size)};
  // The *_file keys and llm.rules_file read files; a fuzzed path must not
  // reach devices that never end (/dev/zero) or block.
  for (const char* dir : {"/dev", "/proc", "/sys", "/run"})
    if (text.find(dir) != std::string::npos)
      return -1;
  sb::env_lookup env = [&text](const char* name) {
    return env_from(text, name);
  };
  auto first = sb::parse_config(text, origin, env);
  auto second = sb::parse_config(text, origin, env);
  SB_FUZZ_CHECK(bool(first) == bool(second));
  if (!first) {
    SB_FUZZ_CHECK(first.error() == sb::errc::bad_config);
    auto why = sb::what(first.error());
    SB_FUZZ_CHECK(why == sb::what(second.error()));
    bool names_where = why.rfind(std::string(origin) + ":", 0) == 0;
    for (const char* var : env_names)
      names_where = names_where || why.rfind(std::string(var) + ": ", 0) == 0;
    SB_FUZZ_CHECK(names_where);
    return 0;
  }
  check_bounds(*first);
  SB_FUZZ_CHECK(first->server.public_url == second->server.public_url);
  SB_FUZZ_CHECK(first->voice.hints == second->voice.hints);
  return 0;
}
