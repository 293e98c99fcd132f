// The TTS pool's dispatcher: cache hits at once, a bounded queue for the
// rest, one job per worker, respawn of dead workers, the start-up
// synthesis of fixed phrases, and the TTS metrics (queue depth, synthesis
// time, cache hits, failures).
#include <chrono>
#include <deque>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/tts.hpp"
#include "actors/tts_worker.hpp"
#include "backends/tts/audio_cache.hpp"
#include "backends/tts/tts_espeak.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"

namespace sb {

namespace {

// Jobs waiting for a worker; past this a caller gets <Say> at once.
constexpr size_t max_queue = 256;

struct tts_pool_worker {
  tts_worker_actor handle;
  tts_engine_ref engine;
  bool busy = false;
};

struct tts_job {
  tts_request request;
  caf::typed_response_promise<tts_audio> promise;
};

struct tts_pool_state {
  static const char* name;
  std::shared_ptr<const config> cfg;
  std::shared_ptr<audio_cache> cache;
  std::vector<tts_pool_worker> workers;
  std::deque<tts_job> queue;
};

const char* tts_pool_state::name = "tts-pool";

using tts_pool_pointer = tts_actor::stateful_pointer<tts_pool_state>;

void dispatch(tts_pool_pointer self);

void run_job(tts_pool_pointer self, size_t w, tts_job job) {
  auto& st = self->state;
  st.workers[w].busy = true;
  auto promise = job.promise;
  auto started = std::chrono::steady_clock::now();
  self
    ->request(st.workers[w].handle, caf::infinite, synth_atom::value,
              std::move(job.request))
    .then(
      [self, w, promise, started](tts_audio& audio) mutable {
        metrics::daemon().tts_duration.observe(metrics::seconds_since(started));
        self->state.workers[w].busy = false;
        promise.deliver(std::move(audio));
        dispatch(self);
      },
      [self, w, promise, started](caf::error& err) mutable {
        auto& m = metrics::daemon();
        m.tts_duration.observe(metrics::seconds_since(started));
        m.tts_errors.inc();
        self->state.workers[w].busy = false;
        SB_LOG_WARNING("tts: synthesis failed: " << what(err));
        promise.deliver(std::move(err));
        dispatch(self);
      });
}

void dispatch(tts_pool_pointer self) {
  auto& st = self->state;
  for (size_t w = 0; w < st.workers.size() && !st.queue.empty(); ++w) {
    if (st.workers[w].busy)
      continue;
    auto job = std::move(st.queue.front());
    st.queue.pop_front();
    run_job(self, w, std::move(job));
  }
  // Every change to the queue ends here (a new job, a worker freed).
  metrics::daemon().tts_queue_depth.set(static_cast<double>(st.queue.size()));
}

caf::result<tts_audio> speak(tts_pool_pointer self, tts_request& req) {
  auto& st = self->state;
  if (req.text.find_first_not_of(" \t\r\n") == std::string::npos)
    return make_error(errc::bad_request, "nothing to say");
  auto id = tts_cache_id(st.cfg->tts, req.language, req.text);
  if (st.cache->lookup(id)) {
    metrics::daemon().tts_cache_hits.inc();
    return tts_audio{id, true, 0};
  }
  if (st.queue.size() >= max_queue) {
    metrics::daemon().tts_errors.inc();
    return make_error(errc::overloaded, "TTS queue full");
  }
  auto promise = self->make_response_promise<tts_audio>();
  st.queue.push_back({std::move(req), promise});
  dispatch(self);
  return promise;
}

void respawn(tts_pool_pointer self, const caf::down_msg& msg) {
  auto& st = self->state;
  for (auto& w : st.workers)
    if (w.handle.address() == msg.source) {
      SB_LOG_ERROR("tts: worker died (" << caf::to_string(msg.reason)
                                        << "); respawning");
      w.handle = spawn_tts_worker(self->system(), st.cfg, st.cache, w.engine);
      w.busy = false;
      self->monitor(w.handle);
      dispatch(self);
      return;
    }
}

// Every fixed phrase, in the configured language, synthesised now so that
// no call waits for them.
void warm_up(tts_pool_pointer self) {
  const auto& v = self->state.cfg->voice;
  for (const auto* text :
       {&v.greeting, &v.reprompt, &v.apology, &v.filler, &v.busy_message,
        &v.silence_goodbye, &v.machine_message})
    caf::anon_send(tts_actor{self}, speak_atom::value,
                   tts_request{*text, v.language});
}

tts_actor::behavior_type pool_impl(tts_pool_pointer self,
                                   std::shared_ptr<const config> cfg,
                                   std::shared_ptr<audio_cache> cache,
                                   std::vector<tts_engine_ref> engines) {
  auto& st = self->state;
  st.cfg = cfg;
  st.cache = std::move(cache);
  for (auto& e : engines) {
    auto w = spawn_tts_worker(self->system(), cfg, st.cache, e);
    self->monitor(w);
    st.workers.push_back({w, std::move(e), false});
  }
  self->set_down_handler([self](caf::down_msg& msg) { respawn(self, msg); });
  self->set_exit_handler([self](caf::exit_msg& msg) {
    for (auto& w : self->state.workers)
      self->send_exit(w.handle, msg.reason);
    self->quit(msg.reason);
  });
  warm_up(self);
  return {
    [self](speak_atom, tts_request& req) { return speak(self, req); },
  };
}

} // namespace

caf::expected<tts_actor> spawn_tts_pool(caf::actor_system& sys,
                                        std::shared_ptr<const config> cfg,
                                        std::shared_ptr<audio_cache> cache) {
  std::vector<tts_engine_ref> engines;
  if (cfg->tts.engine == "espeak") {
    auto engine = espeak_engine::create();
    if (!engine)
      return make_error(errc::bad_config,
                        "tts.engine espeak: " + what(engine.error()));
    engines.push_back({std::shared_ptr<espeak_engine>(std::move(*engine)), {}});
  } else {
    for (const auto& e : cfg->tts.endpoints)
      for (int s = 0; s < e.slots; ++s)
        engines.push_back({nullptr, e.url});
  }
  return sys.spawn(pool_impl, std::move(cfg), std::move(cache),
                   std::move(engines));
}

} // namespace sb
