// The speech-recognition pool: turns the caller's utterances into text
// with the engine of stt.engine (backends/stt/stt_recognizer.hpp).
//
// Workers are detached actors, each owning one recogniser created once:
// stt.workers pocketsphinx decoders, or one per slot of each
// [[stt.endpoints]] entry for the HTTP engines (plus stt.workers
// pocketsphinx decoders when stt.fallback = "pocketsphinx"). The pool is a
// dispatcher actor like the LLM pool: a bounded queue, least-loaded
// endpoint choice, an endpoint that keeps failing taken out of rotation and
// probed again with backoff, one retry of a failed utterance on another
// endpoint, a per-utterance deadline, cancellation, and a dead worker
// respawned.
//
// When work starts: a streaming engine (pocketsphinx) is given the
// utterance at once, so it decodes while the caller speaks; an HTTP
// engine is given it once the feed is finished (it sends the whole
// utterance), so a slot is never held while the caller is talking.
//
// Protocol:
//   (recognize, utterance_ptr) -> stt_result
//       Sent at the start of speech (or later, up to the end); the caller
//       keeps appending to the feed and finishes it at the end of speech.
//       Errors:
//         errc::overloaded      the queue is full (answered at once, logged
//                               with the queue's size);
//         errc::timed_out       no text within stt.timeout_ms of the end of
//                               speech (the worker's late answer is
//                               dropped);
//         errc::backend_failed  the engine failed on both tries, every
//                               endpoint is down and there is no fallback,
//                               or "cancelled" (the feed was cancelled:
//                               not counted as an error).
#pragma once

#include <memory>

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/messages.hpp"
#include "core/config.hpp"

namespace sb {

using stt_actor = caf::typed_actor<
  caf::replies_to<recognize_atom, utterance_ptr>::with<stt_result>>;

/// Errors: errc::bad_config when the engine cannot start (the pocketsphinx
/// model does not load).
caf::expected<stt_actor> spawn_stt_pool(caf::actor_system& sys,
                                        std::shared_ptr<const config> cfg);

} // namespace sb
