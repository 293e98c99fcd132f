// The recognisers stt.engine names, built from [stt]: pocketsphinx with
// the tuned defaults and the configured model, the HTTP engines' options
// from the configuration and the endpoint's URL.
#include "backends/stt/stt_engines.hpp"

#include <chrono>
#include <memory>

#include "backends/stt/stt_http.hpp"
#include "backends/stt/stt_pocketsphinx.hpp"

namespace sb {

caf::expected<stt_recognizer_ptr>
make_pocketsphinx_recognizer(const stt_config& cfg) {
  auto rec = pocketsphinx_recognizer::create(
    pocketsphinx_defaults(cfg.pocketsphinx_dir));
  if (!rec)
    return rec.error();
  return stt_recognizer_ptr(std::move(*rec));
}

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
