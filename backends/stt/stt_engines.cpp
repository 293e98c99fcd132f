// The recognisers stt.engine names, built from [stt]: the HTTP engines'
// options from the configuration and the endpoint's URL.
#include "backends/stt/stt_engines.hpp"

#include <chrono>
#include <memory>

#include "backends/stt/stt_http.hpp"

namespace sb {

stt_recognizer_ptr make_http_recognizer(const stt_config& cfg,
                                        const std::string& endpoint_url) {
  stt_http_options opt;
  opt.base_url = endpoint_url;
  opt.flavor = cfg.engine == "openai" ? stt_http_flavor::openai
                                      : stt_http_flavor::whisper;
  opt.model = cfg.model;
  opt.api_key = cfg.api_key;
  opt.language = cfg.language;
  opt.timeout = std::chrono::milliseconds(cfg.timeout_ms);
  // OpenAI's gpt-4o-transcribe family answers json or text only.
  if (opt.flavor == stt_http_flavor::openai && cfg.model.rfind("gpt-", 0) == 0)
    opt.response_format = "json";
  return std::make_unique<stt_http_recognizer>(std::move(opt));
}

} // namespace sb
