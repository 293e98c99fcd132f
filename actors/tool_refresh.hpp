// Listing the MCP servers' tools again without holding up anything else:
// mcp_toolbox::refresh blocks for up to llm.mcp_timeout_ms, so it runs on
// a short-lived blocking actor of its own (its own thread), never on the
// scheduler's. The actor system waits for it at shutdown, at most that
// long. Used at start (the daemon is ready meanwhile: the first turns may
// offer no MCP tools yet) and on reload.
#pragma once

#include <memory>
#include <string>

#include <caf/fwd.hpp>

#include "core/config.hpp"

namespace sb {

class mcp_toolbox;

/// Starts `toolbox->refresh(llm)` on a thread of its own and returns at
/// once; logs `why` when it starts and the tools offered when it is done.
/// Nothing happens for a null `toolbox`.
void refresh_tools_later(caf::actor_system& sys,
                         std::shared_ptr<mcp_toolbox> toolbox, llm_config llm,
                         std::string why);

} // namespace sb
