// The speech-recognition pool: turns the caller's utterances into text
// with the engine of stt.engine (backends/stt/stt_recognizer.hpp).
//
// Workers are detached actors, each owning one recogniser created once:
// stt.workers pocketsphinx decoders, or one per slot of each
// [[stt.endpoints]] entry for the HTTP engines (plus stt.workers
// pocketsphinx decoders when stt.fallback = "pocketsphinx"). The pool is a
// dispatcher actor like the LLM pool: a bounded queue, least-loaded
// endpoint choice, an endpoint that keeps failing (timeouts included)
// taken out of rotation and probed again with backoff
// (actors/endpoint_health.hpp), one retry of a failed utterance on another
// endpoint, a per-utterance deadline, cancellation, and a dead worker
// respawned. While every endpoint is out, utterances go to the
// pocketsphinx fallback (stt_result.fallback), as does the retry of one
// whose endpoint failed when no other endpoint is in rotation.
//
// When work starts: a streaming engine (pocketsphinx) is given the
// utterance at once, so it decodes while the caller speaks; an HTTP
// engine is given it once the feed is finished (it sends the whole
// utterance), so a slot is never held while the caller is talking. Such
// an utterance is not in the queue until then: stt.max_queue bounds the
// utterances waiting for a worker, and stt_queue_depth shows them.
//
// Protocol:
//   (recognize, utterance_ptr) -> stt_result
//       Sent at the start of speech (or later, up to the end); the caller
//       keeps appending to the feed and finishes it at the end of speech.
//       Errors:
//         errc::overloaded      the queue is full and no worker is free
//                               (answered at once, logged with the
//                               queue's size);
//         errc::timed_out       no text within stt.timeout_ms of the end of
//                               speech (the worker's late answer is
//                               dropped);
//         errc::backend_failed  the engine failed on both tries, every
//                               endpoint is down and there is no fallback
//                               (answered at the end of speech, not at
//                               the deadline), or "cancelled" (the feed was
//                               cancelled: answered at once, not counted
//                               as an error).
//       Stopping the pool cancels the feeds it is recognising, so its
//       workers can stop; the utterances it holds fail.
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

/// When the pool makes its pocketsphinx decoders (the engine's or the
/// fallback's), each ~0.35 s of CPU and ~100 MB.
enum class stt_decoders {
  /// The first before spawn_stt_pool returns (a model that does not load
  /// is an error there, at start-up), the others right after, on their
  /// workers' threads: what a transport that feeds the pool wants, so no
  /// caller waits for a decoder.
  at_start,
  /// Each by its worker when its first utterance comes. For a daemon whose
  /// transports do not feed the pool (nothing does until the media
  /// transport exists): it costs neither start-up time nor memory, and
  /// the model files are still checked at start by the config loader.
  on_first_use,
};

/// With stt_decoders::at_start, returns once the first decoder is made
/// (actors/stt_pool.hpp). Errors: errc::bad_config naming
/// stt.pocketsphinx_dir when the pocketsphinx model does not load (at
/// start only).
caf::expected<stt_actor>
spawn_stt_pool(caf::actor_system& sys, std::shared_ptr<const config> cfg,
               stt_decoders decoders = stt_decoders::at_start);

} // namespace sb
