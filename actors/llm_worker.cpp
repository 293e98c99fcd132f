// The LLM worker's behaviour: one blocking streamed request per message.
#include "actors/llm_worker.hpp"

#include <functional>
#include <string>
#include <string_view>

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/llm_pool.hpp"
#include "backends/llm/llm_client.hpp"
#include "core/error.hpp"

namespace sb {

namespace {

struct worker_state {
  static const char* name;
  std::shared_ptr<const config> cfg;
  std::unique_ptr<llm_client> client;
  chat_settings settings;
};

const char* worker_state::name = "llm-worker";

using worker_pointer = llm_worker_actor::stateful_pointer<worker_state>;

caf::result<llm_reply> work(worker_pointer self, const llm_request& req,
                            const llm_stream& stream) {
  auto& st = self->state;
  const auto& llm = st.cfg->llm;
  auto prompt = system_prompt_for(llm, req.language, req.caller);
  // The caller's function itself, called from this thread: no hop through
  // the pool. `stream` lives in the message until this handler returns.
  std::function<void(std::string_view)> on_token;
  if (stream.on_token)
    on_token = [&stream](std::string_view t) {
      stream.on_token(std::string(t));
    };
  auto done = st.client->complete(
    st.settings, prompt, req.history, on_token, stream.cancel.get(),
    chat_tools{req.offer_transfer, req.offer_end_call});
  if (!done)
    return done.error();
  llm_reply reply;
  reply.text = std::move(done->text);
  reply.model = llm.model;
  reply.llm_ms = done->total.count();
  reply.first_token_ms = done->first_token.count();
  reply.transfer = done->transfer;
  reply.end_call = done->end_call;
  return reply;
}

llm_worker_actor::behavior_type worker_impl(worker_pointer self,
                                            std::shared_ptr<const config> cfg,
                                            std::string url) {
  auto& st = self->state;
  st.cfg = cfg;
  const auto& llm = cfg->llm;
  auto backend = llm.backend == "openai" ? llm_backend::openai
                                         : llm_backend::ollama;
  st.client = std::make_unique<llm_client>(llm_endpoint{std::move(url), backend,
                                                        llm.api_key},
                                           std::chrono::seconds(llm.timeout_s));
  st.settings = chat_settings{llm.model, llm.temperature, llm.num_predict,
                              llm.keep_alive};
  return {
    [self](work_atom, const llm_request& req, const llm_stream& stream) {
      return work(self, req, stream);
    },
    [self](reload_atom, const config_ptr& cfg) {
      const auto& llm = cfg->llm;
      self->state.cfg = cfg;
      self->state.settings = chat_settings{llm.model, llm.temperature,
                                           llm.num_predict, llm.keep_alive};
    },
  };
}

} // namespace

llm_worker_actor spawn_llm_worker(caf::actor_system& sys,
                                  std::shared_ptr<const config> cfg,
                                  std::string endpoint_url, bool detached) {
  if (detached)
    return sys.spawn<caf::detached>(worker_impl, std::move(cfg),
                                    std::move(endpoint_url));
  return sys.spawn(worker_impl, std::move(cfg), std::move(endpoint_url));
}

} // namespace sb
