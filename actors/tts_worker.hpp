// One TTS worker: a detached actor that owns one synthesis engine (the
// process's espeak-ng, or one HTTP speech-server client) and turns one text
// at a time into phone audio stored in the audio cache. Spawned and
// supervised by the TTS pool.
//
// Protocol:
//   (synth, tts_request) -> tts_audio
//       Synthesises, converts to 8 kHz mu-law WAV and stores it under the
//       cache key of (engine, voice, text). Errors as the engine's.
#pragma once

#include <memory>

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/messages.hpp"
#include "core/config.hpp"

namespace sb {

class audio_cache;
class espeak_engine;

using synth_atom = caf::atom_constant<caf::atom("synth")>;

using tts_worker_actor =
  caf::typed_actor<caf::replies_to<synth_atom, tts_request>::with<tts_audio>>;

/// The engine a worker drives: espeak (shared, since espeak-ng has one
/// process-wide instance) or an HTTP server's base URL.
struct tts_engine_ref {
  std::shared_ptr<espeak_engine> espeak;
  std::string http_url;
};

tts_worker_actor spawn_tts_worker(caf::actor_system& sys,
                                  std::shared_ptr<const config> cfg,
                                  std::shared_ptr<audio_cache> cache,
                                  tts_engine_ref engine, bool detached = true);

/// Cache id of `text` spoken by `cfg`'s engine in `language`.
std::string tts_cache_id(const tts_config& cfg, const std::string& language,
                         const std::string& text);

} // namespace sb
