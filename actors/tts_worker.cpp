// The TTS worker's behaviour: synthesise, convert, store.
#include "actors/tts_worker.hpp"

#include <chrono>

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/tts.hpp"
#include "backends/audio/audio_format.hpp"
#include "backends/tts/audio_cache.hpp"
#include "backends/tts/tts_espeak.hpp"
#include "backends/tts/tts_http.hpp"
#include "core/error.hpp"

namespace sb {

std::string tts_voice_for(const tts_config& cfg, const std::string& language) {
  if (cfg.engine == "espeak")
    return language.empty() ? cfg.voice
                            : espeak_engine::voice_for_language(language);
  return cfg.voice;
}

std::string tts_cache_id(const tts_config& cfg, const std::string& language,
                         const std::string& text) {
  return audio_cache::key(cfg.engine, tts_voice_for(cfg, language), text);
}

namespace {

struct worker_state {
  static const char* name;
  std::shared_ptr<const config> cfg;
  std::shared_ptr<audio_cache> cache;
  std::shared_ptr<espeak_engine> espeak;
  std::unique_ptr<tts_http_client> http;
};

const char* worker_state::name = "tts-worker";

using worker_pointer = tts_worker_actor::stateful_pointer<worker_state>;

tts_http_flavor flavor_of(const std::string& name) {
  if (name == "xtts")
    return tts_http_flavor::xtts;
  if (name == "piper")
    return tts_http_flavor::piper;
  return tts_http_flavor::openai;
}

caf::expected<pcm_audio> synthesize(worker_state& st, const tts_request& req) {
  const auto& tts = st.cfg->tts;
  if (st.espeak)
    return st.espeak->synthesize(req.text, tts_voice_for(tts, req.language));
  return st.http->synthesize(req.text, req.language.substr(0, 2));
}

caf::result<tts_audio> synth(worker_pointer self, const tts_request& req) {
  auto& st = self->state;
  auto start = std::chrono::steady_clock::now();
  auto id = tts_cache_id(st.cfg->tts, req.language, req.text);
  auto pcm = synthesize(st, req);
  if (!pcm)
    return pcm.error();
  auto wav = to_phone_wav(*pcm);
  if (wav.empty())
    return make_error(errc::backend_failed, "synthesis produced no audio");
  if (auto stored = st.cache->store(id, wav); !stored)
    return stored.error();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
              std::chrono::steady_clock::now() - start)
              .count();
  return tts_audio{id, false, ms};
}

tts_worker_actor::behavior_type
worker_impl(worker_pointer self, std::shared_ptr<const config> cfg,
            std::shared_ptr<audio_cache> cache, tts_engine_ref engine) {
  auto& st = self->state;
  st.cfg = cfg;
  st.cache = std::move(cache);
  st.espeak = std::move(engine.espeak);
  if (!st.espeak)
    st.http = std::make_unique<tts_http_client>(
      engine.http_url, flavor_of(cfg->tts.http_flavor), cfg->tts.voice,
      cfg->tts.api_key, std::chrono::milliseconds(cfg->tts.timeout_ms));
  return {
    [self](synth_atom, const tts_request& req) { return synth(self, req); },
  };
}

} // namespace

tts_worker_actor spawn_tts_worker(caf::actor_system& sys,
                                  std::shared_ptr<const config> cfg,
                                  std::shared_ptr<audio_cache> cache,
                                  tts_engine_ref engine, bool detached) {
  if (detached)
    return sys.spawn<caf::detached>(worker_impl, std::move(cfg),
                                    std::move(cache), std::move(engine));
  return sys.spawn(worker_impl, std::move(cfg), std::move(cache),
                   std::move(engine));
}

} // namespace sb
