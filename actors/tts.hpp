// The TTS pool: turns text into phone audio (8 kHz mono mu-law WAV) kept in
// the audio cache, so TwiML can <Play> it from /audio/<id>.wav.
//
// Workers are detached actors pinned to one engine instance each: one for
// espeak-ng (a process-wide, non-thread-safe library, so exactly one owner),
// or one per slot of each [[tts.endpoints]] entry for engine = "http". The
// pool is a dispatcher: a cache hit is answered at once; otherwise the job
// waits (bounded) for a free worker; a dead worker is respawned. At start
// the fixed phrases (greeting, re-prompt, apology, filler, busy and
// goodbye messages) are synthesised, so calls never wait for them.
//
// Protocol:
//   (speak, tts_request) -> tts_audio
//       Errors: errc::bad_request (empty text), errc::overloaded (queue
//       full), errc::backend_failed / errc::timed_out (the engine failed).
//       The caller falls back to <Say> on any error.
#pragma once

#include <memory>

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/messages.hpp"
#include "core/config.hpp"

namespace sb {

class audio_cache;

using tts_actor =
  caf::typed_actor<caf::replies_to<speak_atom, tts_request>::with<tts_audio>>;

/// REQUIRES: cfg->tts.engine is espeak or http. Errors: errc::bad_config
/// when the engine cannot start (espeak-ng data missing).
caf::expected<tts_actor> spawn_tts_pool(caf::actor_system& sys,
                                        std::shared_ptr<const config> cfg,
                                        std::shared_ptr<audio_cache> cache);

/// The voice a call speaking `language` gets from `cfg` (espeak: hi/en by
/// language; http: tts.voice). Part of the cache key.
std::string tts_voice_for(const tts_config& cfg, const std::string& language);

} // namespace sb
