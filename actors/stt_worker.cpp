// The STT worker's behaviour: the recogniser made once, then one blocking
// recognition per message.
#include "actors/stt_worker.hpp"

#include <chrono>
#include <utility>

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "core/error.hpp"

namespace sb {

namespace {

struct worker_state {
  static const char* name;
  stt_recognizer_factory make;
  // Shared only to travel through spawn's arguments (which are copied);
  // this worker is its one owner and the one thread that uses it.
  std::shared_ptr<stt_recognizer> recognizer;
};

const char* worker_state::name = "stt-worker";

using worker_pointer = stt_worker_actor::stateful_pointer<worker_state>;

// The recogniser, made now if it is not made yet.
caf::error ensure_recognizer(worker_state& st) {
  if (st.recognizer)
    return caf::none;
  auto made = st.make();
  if (!made)
    return made.error();
  st.recognizer = std::move(*made);
  return caf::none;
}

caf::result<stt_result> work(worker_pointer self, const utterance_ptr& feed) {
  auto& st = self->state;
  if (!feed)
    return make_error(errc::bad_request, "stt: no utterance feed");
  auto started = std::chrono::steady_clock::now();
  if (auto err = ensure_recognizer(st))
    return err;
  auto heard = st.recognizer->recognize(*feed);
  if (!heard)
    return heard.error();
  stt_result out;
  out.text = std::move(heard->text);
  out.confidence = heard->confidence;
  out.language = std::move(heard->language);
  out.engine = st.recognizer->name();
  out.recognition_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::steady_clock::now() - started)
                         .count();
  return out;
}

stt_worker_actor::behavior_type
worker_impl(worker_pointer self, stt_recognizer_factory make,
            std::shared_ptr<stt_recognizer> ready) {
  self->state.make = std::move(make);
  self->state.recognizer = std::move(ready);
  return {
    [self](stt_work_atom, const utterance_ptr& feed) {
      return work(self, feed);
    },
    [self](warmup_atom) -> caf::result<bool> {
      if (auto err = ensure_recognizer(self->state))
        return err;
      return true;
    },
  };
}

} // namespace

stt_worker_actor spawn_stt_worker(caf::actor_system& sys,
                                  stt_recognizer_factory make,
                                  stt_recognizer_ptr ready, bool detached) {
  std::shared_ptr<stt_recognizer> shared{std::move(ready)};
  if (detached)
    return sys.spawn<caf::detached>(worker_impl, std::move(make),
                                    std::move(shared));
  return sys.spawn(worker_impl, std::move(make), std::move(shared));
}

} // namespace sb
