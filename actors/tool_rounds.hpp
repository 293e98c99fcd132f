// One turn of a real model with the MCP tools it may call: the rounds an
// LLM worker runs for one request, on the worker's own thread. A round
// asks the model (llm_client, streaming); when the model calls MCP tools
// each call runs through the toolbox, its result (or "error: <why>") goes
// back to the model as a tool message, and the model is asked again. After
// llm.max_tool_rounds rounds with calls the model is asked once more
// without the MCP tools, so it must answer in words. No CAF here: the
// worker actor calls answer_turn() and replies with what it returns.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <caf/expected.hpp>

#include "actors/messages.hpp"
#include "backends/llm/llm_client.hpp"
#include "core/config.hpp"

namespace sb {

class mcp_toolbox;

/// What one request's rounds use.
struct turn_context {
  llm_client* client = nullptr; // the worker's; not null
  chat_settings settings;
  std::string system_prompt;
  /// The MCP tools' pool; null = none offered.
  mcp_toolbox* toolbox = nullptr;
  int max_tool_rounds = 3;             // llm.max_tool_rounds
  std::chrono::milliseconds timeout{}; // llm.timeout_s: the whole turn
};

/// The model's answer to `req`, its MCP tools called on the way.
///
/// The tools offered are toolbox->tools() as they are when the request
/// starts (none when `toolbox` is null, or once max_tool_rounds rounds
/// have called some), beside transfer_call and end_call as req offers
/// them. Before the first tool call runs, stream.on_tool_wait (if set) is
/// called once. Each call gets what is left of the turn's `timeout`
/// (counted from this call's start) as its budget; a call of a tool that
/// was not offered gets the error "unknown tool", and arguments that are
/// not a JSON object "arguments are not a JSON object", without reaching
/// the toolbox. Every round's tokens go to stream.on_token in order, a
/// space put between two rounds' words where neither has one; reply.text
/// is all of them. reply.tool_calls lists every call (idx from 1, the
/// round that asked for it, its server, arguments, result or error, ms);
/// transfer and end_call are set when any round called them; llm_ms is
/// the time in the model, all rounds; first_token_ms from the start to
/// the first token of any round. reply.model is left empty.
///
/// Errors: as llm_client::complete for any round (a final round without
/// words is "empty reply", so the caller's failure path speaks);
/// errc::timed_out when the turn's timeout ran out (or all but 50 ms of
/// it) between rounds;
/// errc::backend_failed "cancelled" when *stream.cancel was set while a
/// tool ran.
caf::expected<llm_reply> answer_turn(const turn_context& ctx,
                                     const llm_request& req,
                                     const llm_stream& stream);

} // namespace sb
