// The MCP tools the call's model may use: every [[llm.mcp_servers]]
// entry's tools (filtered by its allow-list), listed at start and again on
// reload, and the bounded pool that runs the model's calls of them
// (llm.mcp_slots at once, llm.mcp_max_queue waiting, each within
// llm.mcp_timeout_ms and within the turn's own deadline). The LLM pool's
// workers offer tools() to the model beside transfer_call and end_call
// and call call() from their own threads.
//
// A server that is down, slow, or answers garbage never blocks a turn past
// its timeout: call() returns an outcome whose error says what happened,
// which the model is told instead of a result.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "backends/mcp/mcp_tool.hpp"
#include "core/config.hpp"

namespace sb {

class mcp_toolbox {
public:
  /// Starts the pool's slots (threads). Lists nothing yet.
  explicit mcp_toolbox(const llm_config& llm);
  /// Stops the slots and joins them; queued calls end with error
  /// "shutting down", and transfers under way are aborted.
  ~mcp_toolbox();
  mcp_toolbox(const mcp_toolbox&) = delete;
  mcp_toolbox& operator=(const mcp_toolbox&) = delete;

  /// Lists the tools of `llm.mcp_servers` again (each server within
  /// llm.mcp_timeout_ms; the servers in parallel) and from then on offers
  /// those (mcp_catalog.hpp: the allow-lists, the names left out). A
  /// server that fails keeps no tools (logged with its name and why); a
  /// tool whose name is a built-in's (transfer_call, end_call) or another
  /// server's is left out with a warning. Also takes llm.mcp_max_queue and
  /// llm.mcp_timeout_ms from `llm` for later calls (llm.mcp_slots stays as
  /// constructed). One refresh at a time; calls go on meanwhile with the
  /// tools offered before. Blocks the calling thread up to
  /// llm.mcp_timeout_ms; call it off the actors' scheduler.
  void refresh(const llm_config& llm);

  /// The tools offered now. Any thread.
  std::shared_ptr<const std::vector<mcp_tool>> tools() const;

  /// Runs the tool `name` with `arguments` (a JSON object's text; "" is
  /// {}) on a slot and waits for it, at most min(`budget`,
  /// llm.mcp_timeout_ms); the slot's transfer is aborted at the same time.
  /// Any thread; blocks the caller. A full queue ("tool queue full"), an
  /// unknown name ("unknown tool"), a timeout ("timed out after N ms", N
  /// that minimum) and every failure of the server come back as an outcome
  /// with `error` set, never as an exception. A call under way when the
  /// toolbox is destroyed ends with "shutting down" within about a second.
  mcp_tool_outcome call(const std::string& name, const std::string& arguments,
                        std::chrono::milliseconds budget);

private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

} // namespace sb
