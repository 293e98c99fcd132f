// The STT pool (actors/stt.hpp) built over given recognisers: the daemon
// passes the engines stt.engine names (default_stt_engines); tests and the
// bench pass factories that lend pocketsphinx decoders made once, since a
// decoder costs ~0.35 s and ~100 MB to make.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <caf/expected.hpp>
#include <caf/fwd.hpp>

#include "actors/stt.hpp"
#include "backends/stt/stt_recognizer.hpp"
#include "core/config.hpp"

namespace sb {

/// Where the pool's workers get their recognisers. Each function is
/// called once per worker, on that worker's thread (the first decoder's
/// is the exception: see spawn_stt_pool), and may be called from several
/// workers at once.
struct stt_engines {
  /// A new pocketsphinx decoder. Errors: errc::bad_config when the model
  /// does not load.
  std::function<caf::expected<stt_recognizer_ptr>()> pocketsphinx;
  /// A new client for the endpoint at `url`.
  std::function<stt_recognizer_ptr(const std::string& url)> http;
};

/// make_pocketsphinx_recognizer and make_http_recognizer
/// (backends/stt/stt_engines.hpp) over a copy of `cfg`.
stt_engines default_stt_engines(const stt_config& cfg);

/// spawn_stt_pool(sys, cfg) with `engines`. When pocketsphinx is the
/// engine or the fallback, this returns once the first decoder is made
/// (so a model that does not load is an error here, at start-up, not at
/// the first utterance); the other decoders are made afterwards on their
/// workers' threads, so start-up waits for one decoder, not one per
/// worker. Errors: errc::bad_config naming stt.pocketsphinx_dir when the
/// first decoder cannot be made.
caf::expected<stt_actor>
spawn_stt_pool(caf::actor_system& sys, std::shared_ptr<const config> cfg,
               stt_engines engines,
               stt_decoders decoders = stt_decoders::at_start);

} // namespace sb
