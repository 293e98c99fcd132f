#include "backends/mcp/mcp_catalog.hpp"

#include <algorithm>
#include <set>

#include "backends/llm/llm_wire.hpp" // the built-in tools' names

namespace sb {

namespace {

bool allowed(const mcp_server_config& server, const std::string& name) {
  return server.tools.empty()
         || std::find(server.tools.begin(), server.tools.end(), name)
              != server.tools.end();
}

bool is_builtin(const std::string& name) {
  return name == transfer_tool_name || name == end_call_tool_name;
}

std::string names_of(const std::vector<mcp_tool>& tools, size_t from) {
  std::string out;
  for (size_t i = from; i < tools.size(); ++i)
    out += (i == from ? "" : ", ") + tools[i].name;
  return out;
}

} // namespace

mcp_catalog choose_mcp_tools(const std::vector<mcp_server_config>& servers,
                             const std::vector<mcp_listing>& listings) {
  mcp_catalog out;
  std::set<std::string> taken;
  auto warn = [&](std::string text) {
    out.log.push_back({log::level::warning, std::move(text)});
  };
  for (size_t s = 0; s < servers.size(); ++s) {
    const auto& server = servers[s];
    const auto& listing = listings[s];
    const std::string prefix = "mcp: " + server.name + ": ";
    if (!listing.error.empty()) {
      warn(prefix + "listing failed: " + listing.error);
      continue;
    }
    const size_t first = out.tools.size();
    std::set<std::string> offered;
    for (const auto& tool : listing.tools) {
      offered.insert(tool.name);
      if (!allowed(server, tool.name))
        continue;
      if (is_builtin(tool.name)) {
        warn(prefix + "tool " + tool.name
             + " left out: a built-in tool has that name");
        continue;
      }
      if (!taken.insert(tool.name).second) {
        warn(prefix + "tool " + tool.name
             + " left out: an earlier server offers a tool of that name");
        continue;
      }
      out.tools.push_back(tool);
      out.tools.back().server = server.name;
    }
    for (const auto& name : server.tools)
      if (offered.count(name) == 0)
        warn(prefix + "allow-listed tool " + name + " is not offered");
    const size_t n = out.tools.size() - first;
    std::string count = std::to_string(n) + (n == 1 ? " tool" : " tools");
    if (n > 0)
      count += " (" + names_of(out.tools, first) + ")";
    out.log.push_back({log::level::info, prefix + count});
  }
  return out;
}

} // namespace sb
