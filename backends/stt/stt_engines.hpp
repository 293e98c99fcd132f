// The recognisers stt.engine names, made from the configuration: what the
// STT pool's workers own. Each call makes a new recogniser for one worker
// thread.
#pragma once

#include <string>

#include <caf/expected.hpp>

#include "backends/stt/stt_recognizer.hpp"
#include "core/config.hpp"

namespace sb {

/// A pocketsphinx decoder with the model in cfg.pocketsphinx_dir and the
/// project's tuned settings (backends/stt/stt_pocketsphinx.hpp). Costs
/// about 0.35 s and 100 MB: made once per worker.
/// Errors: errc::bad_config naming stt.pocketsphinx_dir and the path when
/// the model does not load.
caf::expected<stt_recognizer_ptr>
make_pocketsphinx_recognizer(const stt_config& cfg);

/// A client for one [[stt.endpoints]] url speaking cfg.engine's protocol
/// (whisper: POST {url}/inference; openai: POST
/// {url}/v1/audio/transcriptions with cfg.model, cfg.api_key), sending
/// cfg.language, each request bounded by cfg.timeout_ms.
/// REQUIRES: cfg.engine is whisper or openai.
stt_recognizer_ptr make_http_recognizer(const stt_config& cfg,
                                        const std::string& endpoint_url);

} // namespace sb
