// The LLM worker's behaviour: one blocking streamed request per message.
#include "actors/llm_worker.hpp"

#include <chrono>
#include <string>
#include <utility>

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/llm_pool.hpp"
#include "actors/tool_rounds.hpp"
#include "backends/llm/llm_client.hpp"
#include "core/error.hpp"

namespace sb {

namespace {

struct worker_state {
  static const char* name;
  std::shared_ptr<const config> cfg;
  std::unique_ptr<llm_client> client;
  chat_settings settings;
  std::shared_ptr<mcp_toolbox> toolbox; // null: no MCP tools
};

const char* worker_state::name = "llm-worker";

using worker_pointer = llm_worker_actor::stateful_pointer<worker_state>;

caf::result<llm_reply> work(worker_pointer self, const llm_request& req,
                            const llm_stream& stream) {
  auto& st = self->state;
  const auto& llm = st.cfg->llm;
  turn_context ctx;
  ctx.client = st.client.get();
  ctx.settings = st.settings;
  ctx.system_prompt = system_prompt_for(llm, req.language, req.caller);
  // Tools only where servers are configured: a toolbox left over from
  // before a reload that removed them offers nothing.
  ctx.toolbox = llm.mcp_servers.empty() ? nullptr : st.toolbox.get();
  ctx.max_tool_rounds = llm.max_tool_rounds;
  ctx.timeout = std::chrono::seconds(llm.timeout_s);
  // The caller's functions themselves, called from this thread: no hop
  // through the pool. `stream` lives in the message until this handler
  // returns.
  auto done = answer_turn(ctx, req, stream);
  if (!done)
    return done.error();
  done->model = llm.model;
  return std::move(*done);
}

llm_worker_actor::behavior_type
worker_impl(worker_pointer self, std::shared_ptr<const config> cfg,
            std::string url, std::shared_ptr<mcp_toolbox> toolbox) {
  auto& st = self->state;
  st.cfg = cfg;
  st.toolbox = std::move(toolbox);
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

llm_worker_actor
spawn_llm_worker(caf::actor_system& sys, std::shared_ptr<const config> cfg,
                 std::string endpoint_url, std::shared_ptr<mcp_toolbox> toolbox,
                 bool detached) {
  if (detached)
    return sys.spawn<caf::detached>(
      worker_impl, std::move(cfg), std::move(endpoint_url), std::move(toolbox));
  return sys.spawn(worker_impl, std::move(cfg), std::move(endpoint_url),
                   std::move(toolbox));
}

} // namespace sb
