// Tests for backends/mcp/mcp_client against tests/fixtures/fake_mcp over
// loopback: both eras (a 2026-07-28 server, and a 2025-11-25 session
// server the client falls back to), JSON and SSE answers (an SSE stream
// left open after the response included), the headers every request
// carries, the bearer token, tools/list over two pages, tools/call's text
// and structured results, and each failure giving its short error within
// the timeout. Nothing sleeps: delays are the fake's timers.
#include <chrono>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "backends/mcp/mcp_client.hpp"
#include "core/error.hpp"
#include "tests/fixtures/fake_mcp.hpp"
#include "tests/fixtures/refusing_port.hpp"

namespace {

using namespace std::chrono_literals;
using sb::fake_mcp;
using sb::mcp_client;
using sb::mcp_era;
using clock_type = std::chrono::steady_clock;

sb::mcp_server_config server_at(const std::string& url,
                                std::string token = "") {
  sb::mcp_server_config s;
  s.name = "orders";
  s.url = url;
  s.token = std::move(token);
  return s;
}

std::vector<std::string> names(const std::vector<sb::mcp_tool>& tools) {
  std::vector<std::string> out;
  for (const auto& t : tools)
    out.push_back(t.name);
  return out;
}

sb::mcp_tool tool_named(mcp_client& client, const std::string& name) {
  auto tools = client.list_tools(5s);
  REQUIRE(tools);
  for (const auto& t : *tools)
    if (t.name == name)
      return t;
  FAIL("no tool " << name);
  return {};
}

std::chrono::milliseconds since(clock_type::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now()
                                                               - start);
}

} // namespace

TEST_CASE("mcp client lists a modern server's tools over two pages", "[mcp]") {
  fake_mcp server;
  REQUIRE(server.ok());
  mcp_client client{server_at(server.url())};
  auto tools = client.list_tools(5s);
  REQUIRE(tools);
  CHECK(names(*tools)
        == std::vector<std::string>{"lookup_order", "get_time", "end_call"});
  CHECK((*tools)[0].server == "orders");
  CHECK((*tools)[0].description == "Looks up an order by its number.");
  CHECK((*tools)[0].input_schema.find("\"order_id\"") != std::string::npos);
  CHECK((*tools)[1].input_schema == R"({"type":"object"})");
  CHECK(client.era() == mcp_era::modern);
  const auto lists = server.requests_for("tools/list");
  REQUIRE(lists.size() == 2);
  CHECK(lists[0].body.find("\"cursor\"") == std::string::npos);
  CHECK(lists[1].body.find(R"("cursor":"page-2")") != std::string::npos);
}

TEST_CASE("mcp client sends the modern headers and _meta", "[mcp]") {
  fake_mcp server;
  mcp_client client{server_at(server.url(), "s3cret")};
  auto lookup = tool_named(client, "lookup_order");
  auto text = client.call_tool(lookup, R"({"order_id":"A-17"})", 5s);
  REQUIRE(text);
  const auto calls = server.requests_for("tools/call");
  REQUIRE(calls.size() == 1);
  const auto& call = calls[0];
  CHECK(call.header("mcp-protocol-version") == "2026-07-28");
  CHECK(call.header("mcp-method") == "tools/call");
  CHECK(call.header("mcp-name") == "lookup_order");
  CHECK(call.header("mcp-param-order") == "A-17");
  CHECK(call.header("authorization") == "Bearer s3cret");
  CHECK(call.header("content-type") == "application/json");
  CHECK(call.header("accept") == "application/json, text/event-stream");
  CHECK(call.body.find(R"("io.modelcontextprotocol/protocolVersion":)"
                       R"("2026-07-28")")
        != std::string::npos);
  CHECK(call.body.find(R"("name":"switchboard")") != std::string::npos);
  CHECK(call.body.find(R"("io.modelcontextprotocol/clientCapabilities":{})")
        != std::string::npos);
  CHECK(call.body.find(R"("arguments":{"order_id":"A-17"})")
        != std::string::npos);
  const auto lists = server.requests_for("tools/list");
  REQUIRE_FALSE(lists.empty());
  CHECK(lists[0].header("mcp-method") == "tools/list");
  CHECK_FALSE(lists[0].has_header("mcp-name"));
}

TEST_CASE("mcp client encodes a non-ASCII parameter header in Base64",
          "[mcp]") {
  fake_mcp server;
  mcp_client client{server_at(server.url())};
  auto lookup = tool_named(client, "lookup_order");
  // The fake decodes the header and compares it with the body: a wrong
  // encoding would be a 400 header mismatch.
  auto text = client.call_tool(lookup, R"({"order_id":"ऑर्डर 5"})", 5s);
  REQUIRE(text);
  const auto calls = server.requests_for("tools/call");
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].header("mcp-param-order").rfind("=?base64?", 0) == 0);
}

TEST_CASE("mcp client reads a tool's text and structured results", "[mcp]") {
  fake_mcp server;
  auto framing = GENERATE(fake_mcp::framing::json, fake_mcp::framing::sse,
                          fake_mcp::framing::sse_open);
  server.set_framing(framing);
  mcp_client client{server_at(server.url())};
  auto lookup = tool_named(client, "lookup_order");
  auto text = client.call_tool(lookup, R"({"order_id":"7"})", 5s);
  REQUIRE(text);
  // Two text blocks joined; the image block skipped.
  CHECK(*text == "Order shipped\nArrives Tuesday");
  auto time = tool_named(client, "get_time");
  auto structured = client.call_tool(time, "", 5s); // no arguments: {}
  REQUIRE(structured);
  CHECK(*structured == R"({"time":"12:00"})");
}

TEST_CASE("mcp client falls back to a 2025-11-25 session server", "[mcp]") {
  fake_mcp server{fake_mcp::era::legacy};
  auto framing = GENERATE(fake_mcp::framing::json, fake_mcp::framing::sse);
  server.set_framing(framing);
  mcp_client client{server_at(server.url(), "tok")};
  auto tools = client.list_tools(5s);
  REQUIRE(tools);
  CHECK(names(*tools).size() == 3);
  CHECK(client.era() == mcp_era::legacy);
  CHECK(server.sessions() == 1);
  auto lookup = (*tools)[0];
  auto text = client.call_tool(lookup, R"({"order_id":"7"})", 5s);
  REQUIRE(text);
  CHECK(*text == "Order shipped\nArrives Tuesday");
  // The probe, then the handshake, then the session's requests.
  const auto all = server.requests();
  REQUIRE(all.size() >= 5);
  CHECK(all[0].rpc_method == "tools/list");
  CHECK(all[0].header("mcp-protocol-version") == "2026-07-28");
  CHECK(all[1].rpc_method == "initialize");
  CHECK(all[1].body.find(R"("protocolVersion":"2025-11-25")")
        != std::string::npos);
  CHECK_FALSE(all[1].has_header("mcp-session-id"));
  CHECK(all[2].rpc_method == "notifications/initialized");
  for (size_t i = 2; i < all.size(); ++i) {
    CHECK(all[i].header("mcp-session-id") == "session-1");
    CHECK(all[i].header("mcp-protocol-version") == "2025-11-25");
    CHECK(all[i].header("authorization") == "Bearer tok");
  }
  // The era is remembered: no second modern probe.
  CHECK(server.requests_for("initialize").size() == 1);
}

TEST_CASE("mcp client opens a new session when the server forgot its own",
          "[mcp]") {
  fake_mcp server{fake_mcp::era::legacy};
  mcp_client client{server_at(server.url())};
  auto lookup = tool_named(client, "lookup_order");
  server.forget_sessions();
  auto text = client.call_tool(lookup, R"({"order_id":"7"})", 5s);
  REQUIRE(text);
  CHECK(server.sessions() == 2);
  CHECK(server.requests_for("tools/call").back().header("mcp-session-id")
        == "session-2");
}

TEST_CASE("mcp client shares the era between clients of one server", "[mcp]") {
  fake_mcp server{fake_mcp::era::legacy};
  auto memo = std::make_shared<sb::mcp_era_memo>(mcp_era::unknown);
  mcp_client first{server_at(server.url()), memo};
  REQUIRE(first.list_tools(5s));
  mcp_client second{server_at(server.url()), memo};
  auto lookup = tool_named(second, "lookup_order");
  REQUIRE(second.call_tool(lookup, R"({"order_id":"1"})", 5s));
  // Only the first client's first request probed the modern way.
  size_t modern = 0;
  for (const auto& r : server.requests())
    modern += r.header("mcp-protocol-version") == "2026-07-28";
  CHECK(modern == 1);
}

TEST_CASE("mcp client gives the tool's isError text as an error", "[mcp]") {
  fake_mcp server;
  mcp_client client{server_at(server.url())};
  auto lookup = tool_named(client, "lookup_order");
  server.set_mode(fake_mcp::mode::is_error);
  auto text = client.call_tool(lookup, R"({"order_id":"7"})", 5s);
  REQUIRE_FALSE(text);
  CHECK(sb::what(text.error()) == "order not found");
}

TEST_CASE("mcp client names JSON-RPC errors and bad arguments", "[mcp]") {
  fake_mcp server;
  mcp_client client{server_at(server.url())};
  sb::mcp_tool ghost{"orders", "no_such_tool", "", R"({"type":"object"})"};
  auto unknown = client.call_tool(ghost, "{}", 5s);
  REQUIRE_FALSE(unknown);
  CHECK(sb::what(unknown.error())
        == "JSON-RPC error -32602: Unknown tool: no_such_tool");
  auto bad = client.call_tool(ghost, "[1, 2]", 5s);
  REQUIRE_FALSE(bad);
  CHECK(sb::what(bad.error()) == "arguments are not a JSON object");
  CHECK(server.requests_for("tools/call").size() == 1);
}

TEST_CASE("mcp client failures are short and end within the timeout", "[mcp]") {
  fake_mcp server;
  mcp_client client{server_at(server.url())};
  auto lookup = tool_named(client, "lookup_order");
  struct failure {
    fake_mcp::mode mode;
    std::string error;
  };
  auto f = GENERATE(failure{fake_mcp::mode::hang, "timed out after 300 ms"},
                    failure{fake_mcp::mode::garbage, "not a JSON-RPC response"},
                    failure{fake_mcp::mode::http_500, "HTTP 500"});
  server.set_mode(f.mode);
  const auto start = clock_type::now();
  auto text = client.call_tool(lookup, R"({"order_id":"7"})", 300ms);
  REQUIRE_FALSE(text);
  CHECK(sb::what(text.error()) == f.error);
  CHECK(since(start) < 300ms + 700ms);
  if (f.mode == fake_mcp::mode::hang)
    CHECK(since(start) >= 290ms); // curl counts whole milliseconds
}

TEST_CASE("mcp client waits no longer than its timeout for a slow server",
          "[mcp]") {
  fake_mcp server;
  mcp_client client{server_at(server.url())};
  server.set_delay(2s);
  const auto start = clock_type::now();
  auto tools = client.list_tools(250ms);
  REQUIRE_FALSE(tools);
  CHECK(sb::what(tools.error()) == "timed out after 250 ms");
  CHECK(sb::has_code(tools.error(), sb::errc::timed_out));
  CHECK(since(start) < 250ms + 700ms);
}

TEST_CASE("mcp client reports a refused connection and a wrong token",
          "[mcp]") {
  sb::test::refusing_port port;
  mcp_client down{
    server_at("http://127.0.0.1:" + std::to_string(port.port()) + "/mcp")};
  auto tools = down.list_tools(2s);
  REQUIRE_FALSE(tools);
  CHECK(sb::what(tools.error()) == "connection refused");

  fake_mcp server;
  server.set_token("right");
  mcp_client wrong{server_at(server.url(), "wrong")};
  auto denied = wrong.list_tools(2s);
  REQUIRE_FALSE(denied);
  CHECK(sb::what(denied.error()) == "HTTP 401");
  // A credential problem is no reason to try the 2025 handshake.
  CHECK(server.requests_for("initialize").empty());
}
