// The LLM pool: the real backends (Ollama, OpenAI-compatible servers)
// behind the same protocol as the scripted responder (actors/llm.hpp), so
// the call actor does not know which one answers.
//
// One detached worker actor per slot of each [[llm.endpoints]] entry; a
// worker holds one streaming HTTP client and serves one request at a time,
// so an endpoint never sees more than `slots` concurrent requests. The pool
// itself is a dispatcher actor (not caf::actor_pool, which never replaces a
// crashed worker): it queues turns (bounded by llm.max_queue), hands each to
// the least-loaded endpoint with a free slot, marks an endpoint down after
// repeated failures and probes it again with exponential backoff while the
// others carry the load, and respawns workers that die.
//
// Protocol: as llm_actor. generate's replies are made speakable
// (markdown, code and emoji removed, capped at llm.max_reply_chars on a
// sentence boundary); stream's are raw, their tokens passed to on_token
// straight from the worker's thread, as is on_tool_wait. With MCP tools
// the model may call them first (actors/tool_rounds.hpp); their calls come
// back in the reply's tool_calls, and a turn in which a tool ran is never
// retried on another endpoint. end_call is set when the model called
// its end_call tool (offered when request.offer_end_call and
// llm.end_call_tool) or the caller's last words hold one of
// llm.goodbye_words (core/spoken_words.hpp); a reply that ends
// the call with nothing speakable (and no transfer) gets
// voice.goodbye_message appended, so its text is never silent. The
// scripted rules play no part. Errors:
//   errc::overloaded      the queue is full (answered at once);
//   errc::backend_failed  the model failed, every endpoint is down, the
//                         reply had nothing speakable (and no transfer),
//                         or "cancelled" (stream: the caller set cancel);
//   errc::timed_out       the model took longer than llm.timeout_s.
// A cancelled turn is not an endpoint failure and not counted in the LLM
// error metric; its worker's slot is free as soon as the worker returns.
// While a cancellable turn waits in the queue, the pool checks the cancel
// flags every 20 ms, so a cancelled one is answered without waiting for a
// slot.
#pragma once

#include <memory>

#include "actors/llm.hpp"
#include "core/config.hpp"

namespace sb {

class mcp_toolbox;

/// REQUIRES: cfg->llm.backend is ollama or openai, with >= 1 endpoint.
/// Each turn reads llm.goodbye_words, llm.end_call_tool and
/// voice.goodbye_message from the latest configuration given (`cfg`, then
/// each reload's). `toolbox` (null = none) holds the MCP tools the workers
/// offer while llm.mcp_servers is set; the pool does not refresh it.
llm_actor spawn_llm_pool(caf::actor_system& sys,
                         std::shared_ptr<const config> cfg,
                         std::shared_ptr<mcp_toolbox> toolbox = nullptr);

/// The system prompt for a call: llm.system_prompt_hi/_en by the call's
/// language when set, else llm.system_prompt; {caller} and {language}
/// replaced.
std::string system_prompt_for(const llm_config& cfg,
                              const std::string& language,
                              const std::string& caller);

} // namespace sb
