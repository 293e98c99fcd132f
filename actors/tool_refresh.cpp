// The refresh runs in a blocking actor's body, which is its own thread:
// CAF spawns every blocking actor detached.
#include "actors/tool_refresh.hpp"

#include <utility>

#include <caf/actor_system.hpp>
#include <caf/blocking_actor.hpp>

#include "backends/mcp/mcp_toolbox.hpp"
#include "core/log.hpp"

namespace sb {

namespace {

// "lookup_order, get_time" (at most a line's worth of names).
std::string names_of(const std::vector<mcp_tool>& tools) {
  std::string out;
  for (const auto& t : tools) {
    if (out.size() > 200) {
      out += ", …";
      break;
    }
    out += (out.empty() ? "" : ", ") + t.name;
  }
  return out;
}

} // namespace

void refresh_tools_later(caf::actor_system& sys,
                         std::shared_ptr<mcp_toolbox> toolbox, llm_config llm,
                         std::string why) {
  if (!toolbox)
    return;
  SB_LOG_NOTICE("llm: listing the tools of " << llm.mcp_servers.size()
                                             << " MCP server(s) (" << why
                                             << "); until then turns offer "
                                                "the tools listed before, "
                                                "none at start");
  sys.spawn(
    [toolbox = std::move(toolbox), llm = std::move(llm)](caf::blocking_actor*) {
      toolbox->refresh(llm);
      auto tools = toolbox->tools();
      SB_LOG_NOTICE("llm: " << tools->size() << " MCP tool(s) offered"
                            << (tools->empty() ? "" : ": " + names_of(*tools)));
    });
}

} // namespace sb
