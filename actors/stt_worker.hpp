// One STT worker: a detached actor that owns one recogniser (a
// pocketsphinx decoder, or a client for one HTTP endpoint) and recognises
// one utterance at a time, blocking in it on its own thread. Spawned and
// supervised by the STT pool (actors/stt_pool.cpp).
//
// The recogniser is made once, by the worker, on its warm-up message (the
// pool sends one at spawn, so a pocketsphinx decoder's ~0.35 s is spent
// before the first caller speaks, on the worker's own thread and in
// parallel with the other workers, never on the daemon's start-up path),
// or on its first utterance if that comes first; or it is handed over
// ready-made at spawn.
//
// Protocol:
//   (stt_work, utterance_ptr) -> stt_result
//       Recognises the utterance (stt_recognizer::recognize: a streaming
//       engine reads the feed as it grows, a batch one waits for its end).
//       Sets text, confidence, language, engine (the recogniser's name)
//       and recognition_ms (from this message's start to the text); the
//       pool sets the rest. Errors as stt_recognizer::recognize ("cancelled"
//       when the feed was cancelled), or the factory's error when the
//       recogniser cannot be made (tried again at the next message).
//   (warmup) -> bool
//       Makes the recogniser now if it is not made yet; true once it is
//       there. Errors: the factory's.
#pragma once

#include <functional>
#include <memory>

#include <caf/expected.hpp>
#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/messages.hpp"
#include "backends/stt/stt_recognizer.hpp"

namespace sb {

using stt_work_atom = caf::atom_constant<caf::atom("sttwork")>;
using warmup_atom = caf::atom_constant<caf::atom("warmup")>;

using stt_worker_actor = caf::typed_actor<
  caf::replies_to<stt_work_atom, utterance_ptr>::with<stt_result>,
  caf::replies_to<warmup_atom>::with<bool>>;

/// Makes one recogniser; called on the worker's thread. Errors as the
/// engine's constructor (e.g. errc::bad_config for a model that does not
/// load).
using stt_recognizer_factory =
  std::function<caf::expected<stt_recognizer_ptr>()>;

/// A worker whose recogniser is `ready` (may be null: then made by `make`
/// on the warm-up message or the first utterance). `detached` = its own
/// thread (tests may pass false).
stt_worker_actor
spawn_stt_worker(caf::actor_system& sys, stt_recognizer_factory make,
                 stt_recognizer_ptr ready = nullptr, bool detached = true);

} // namespace sb
