// Tests for choose_mcp_tools: which listed tools the model is offered
// (allow-lists, built-in names, a name an earlier server took, a server
// whose listing failed) and the log lines that say so.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "backends/mcp/mcp_catalog.hpp"

namespace {

sb::mcp_server_config server(std::string name,
                             std::vector<std::string> allow = {}) {
  sb::mcp_server_config s;
  s.name = std::move(name);
  s.url = "http://127.0.0.1:1/mcp";
  s.tools = std::move(allow);
  return s;
}

sb::mcp_listing listing(std::vector<std::string> names) {
  sb::mcp_listing l;
  for (auto& n : names)
    l.tools.push_back({"", std::move(n), "", R"({"type":"object"})"});
  return l;
}

std::vector<std::string> texts(const sb::mcp_catalog& c) {
  std::vector<std::string> out;
  for (const auto& line : c.log)
    out.push_back(line.text);
  return out;
}

} // namespace

TEST_CASE("choose_mcp_tools applies allow-lists and names", "[mcp]") {
  sb::mcp_listing failed;
  failed.error = "connection refused";
  auto c = sb::choose_mcp_tools(
    {server("orders"), server("slots", {"book", "get_time", "gone"}),
     server("down")},
    {listing({"lookup_order", "get_time", "transfer_call"}),
     listing({"get_time", "book", "cancel"}), failed});
  REQUIRE(c.tools.size() == 3);
  CHECK(c.tools[0].name == "lookup_order");
  CHECK(c.tools[0].server == "orders");
  CHECK(c.tools[1].name == "get_time");
  CHECK(c.tools[1].server == "orders");
  CHECK(c.tools[2].name == "book");
  CHECK(c.tools[2].server == "slots");
  CHECK(texts(c)
        == std::vector<std::string>{
          "mcp: orders: tool transfer_call left out: a built-in tool has that "
          "name",
          "mcp: orders: 2 tools (lookup_order, get_time)",
          "mcp: slots: tool get_time left out: an earlier server offers a "
          "tool of that name",
          "mcp: slots: allow-listed tool gone is not offered",
          "mcp: slots: 1 tool (book)",
          "mcp: down: listing failed: connection refused"});
  CHECK(c.log[1].level == sb::log::level::info);
  CHECK(c.log[5].level == sb::log::level::warning);
}

TEST_CASE("choose_mcp_tools with no servers offers nothing", "[mcp]") {
  auto c = sb::choose_mcp_tools({}, {});
  CHECK(c.tools.empty());
  CHECK(c.log.empty());
  auto none = sb::choose_mcp_tools({server("empty")}, {listing({})});
  CHECK(none.tools.empty());
  CHECK(texts(none) == std::vector<std::string>{"mcp: empty: 0 tools"});
}
