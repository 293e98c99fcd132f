// One LLM worker: a detached actor that owns one streaming client to one
// endpoint and answers one request at a time (it blocks in the client, on
// its own thread). Spawned and supervised by the LLM pool.
//
// Protocol:
//   (work, llm_request, llm_stream) -> llm_reply
//       The model's raw answer (not made speakable): text, model, llm_ms,
//       first_token_ms, transfer (the model called transfer_call; only
//       offered when request.offer_transfer), end_call (the model called
//       end_call; only offered when request.offer_end_call) and
//       tool_calls (the MCP tools it called on the way, when
//       llm.mcp_servers is set and the worker has a toolbox: the rounds of
//       actors/tool_rounds.hpp, llm.timeout_s for all of them). The
//       caller's goodbye words are the pool's business. Each token goes to
//       stream.on_token (if set) on this worker's thread as it arrives;
//       stream.on_tool_wait (if set) just before the first tool call runs;
//       *stream.cancel (if set) aborts the model's stream. The pool passes
//       an llm_stream without on_token for generate. Errors as
//       answer_turn (a cancel: errc::backend_failed "…: cancelled").
//   (reload, config_ptr)  new prompts and generation settings.
#pragma once

#include <memory>

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/messages.hpp"
#include "core/config.hpp"

namespace sb {

using work_atom = caf::atom_constant<caf::atom("work")>;

using llm_worker_actor = caf::typed_actor<
  caf::replies_to<work_atom, llm_request, llm_stream>::with<llm_reply>,
  caf::reacts_to<reload_atom, config_ptr>>;

class mcp_toolbox;

/// A worker for `endpoint_url` with the backend, model and prompts of
/// `cfg->llm`, calling the MCP tools through `toolbox` (null = none; shared
/// by every worker). `detached` = its own thread (tests may pass false).
llm_worker_actor
spawn_llm_worker(caf::actor_system& sys, std::shared_ptr<const config> cfg,
                 std::string endpoint_url,
                 std::shared_ptr<mcp_toolbox> toolbox = nullptr,
                 bool detached = true);

} // namespace sb
