// Tests for the MCP client's pure pieces: the SSE reader (fields, line
// endings, pieces split anywhere), finding our response in a JSON or SSE
// answer, the errors that mark a 2026-era server, resultType, tools/list
// and tools/call results, and x-mcp-header (the rules, the header lines,
// the Base64 form).
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include "backends/mcp/mcp_param_headers.hpp"
#include "backends/mcp/mcp_sse.hpp"
#include "backends/mcp/mcp_wire.hpp"
#include "core/error.hpp"

namespace {

namespace mcp = sb::mcp;

std::vector<std::string> events_of(const std::vector<std::string>& pieces) {
  mcp::sse_reader reader;
  std::vector<std::string> out;
  auto take = [&](std::string_view data) {
    out.emplace_back(data);
    return true;
  };
  for (const auto& p : pieces)
    reader.feed(p, take);
  reader.finish(take);
  return out;
}

rapidjson::Document json(const char* text) {
  rapidjson::Document doc;
  doc.Parse(text);
  REQUIRE_FALSE(doc.HasParseError());
  return doc;
}

std::string scan(const char* schema, std::vector<mcp::param_header>* out = {}) {
  std::vector<mcp::param_header> params;
  auto why = mcp::scan_param_headers(json(schema), params);
  if (out)
    *out = params;
  return why;
}

} // namespace

TEST_CASE("sse_reader joins data lines and skips the other fields", "[mcp]") {
  CHECK(events_of({"event: message\nid: 1\ndata: {\"a\":1}\n\n"
                   ": keep-alive\n\n"
                   "data: line one\ndata:line two\nretry: 10\n\n"})
        == std::vector<std::string>{R"({"a":1})", "line one\nline two"});
  // An event with no data is dropped; one without its blank line at the
  // end of the stream is still read.
  CHECK(events_of({"id: prime\ndata:\n\n", "data: last"})
        == std::vector<std::string>{"last"});
}

TEST_CASE("sse_reader reads every line ending, split anywhere", "[mcp]") {
  const std::string stream = "data: a\r\n\r\ndata: b\rdata: c\r\r"
                             "data: d\n\n";
  const std::vector<std::string> want{"a", "b\nc", "d"};
  for (size_t cut = 0; cut <= stream.size(); ++cut)
    CHECK(events_of({stream.substr(0, cut), stream.substr(cut)}) == want);
  std::vector<std::string> bytes;
  for (char c : stream)
    bytes.emplace_back(1, c);
  CHECK(events_of(bytes) == want);
}

TEST_CASE("sse_reader stops when told to", "[mcp]") {
  mcp::sse_reader reader;
  int seen = 0;
  CHECK_FALSE(reader.feed("data: 1\n\ndata: 2\n\n", [&](std::string_view) {
    ++seen;
    return false;
  }));
  CHECK(seen == 1);
}

TEST_CASE("read_response finds our response in JSON and in SSE", "[mcp]") {
  mcp::rpc_response r;
  REQUIRE_FALSE(mcp::read_response(
    "application/json", R"({"jsonrpc":"2.0","id":7,"result":{"x":1}})", 7, r));
  CHECK_FALSE(r.is_error);
  CHECK(r.result()["x"].GetInt() == 1);
  // Notifications, requests and another id's response are skipped.
  const std::string stream =
    "event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":"
    "\"notifications/progress\",\"params\":{}}\n\n"
    "data: {\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"ping\"}\n\n"
    "data: {\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{}}\n\n"
    "data: {\"jsonrpc\":\"2.0\",\"id\":8,\"error\":{\"code\":-32602,"
    "\"message\":\"Unknown tool: x\"}}\n\n";
  mcp::rpc_response e;
  REQUIRE_FALSE(
    mcp::read_response("text/event-stream; charset=utf-8", stream, 8, e));
  REQUIRE(e.is_error);
  CHECK(sb::what(mcp::error_of(e)) == "JSON-RPC error -32602: Unknown tool: x");
  // A batch holding it; an id-less error (ours could not be read).
  mcp::rpc_response b;
  CHECK_FALSE(mcp::read_response(
    "application/json", R"([{"jsonrpc":"2.0","id":1,"result":{}}])", 1, b));
  mcp::rpc_response n;
  CHECK_FALSE(mcp::read_response(
    "application/json",
    R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"P"}})", 4,
    n));
  CHECK(n.is_error);
}

TEST_CASE("read_response says when there is no response", "[mcp]") {
  mcp::rpc_response r;
  CHECK(sb::what(mcp::read_response("text/html", "<html>502</html>", 1, r))
        == "not a JSON-RPC response");
  CHECK(sb::what(mcp::read_response(
          "application/json", R"({"jsonrpc":"2.0","id":2,"result":{}})", 1, r))
        == "not a JSON-RPC response");
  CHECK(sb::what(mcp::read_response("text/event-stream",
                                    "data: {\"jsonrpc\":\"2.0\",\"method\":"
                                    "\"notifications/message\"}\n\n",
                                    1, r))
        == "the event stream ended without a response");
}

TEST_CASE("modern errors are told from a 2025 server's refusals", "[mcp]") {
  auto error = [](int code, const char* data = "") {
    mcp::rpc_response r;
    std::string text = R"({"jsonrpc":"2.0","id":1,"error":{"code":)"
                       + std::to_string(code) + R"(,"message":"m")"
                       + (data[0] ? std::string(",\"data\":") + data : "")
                       + "}}";
    REQUIRE(mcp::read_message(text, 1, r));
    return r;
  };
  for (int code : {-32020, -32021, -32022, -32601, -32602})
    CHECK(mcp::is_modern_error(error(code)));
  CHECK_FALSE(mcp::is_modern_error(error(-32000)));
  CHECK_FALSE(
    mcp::offers_legacy(error(-32022, R"({"supported":["2026-07-28"]})")));
  CHECK(mcp::offers_legacy(
    error(-32022, R"({"supported":["2026-07-28","2025-11-25"]})")));
}

TEST_CASE("resultType must be complete or absent", "[mcp]") {
  CHECK_FALSE(mcp::check_complete(json(R"({})")));
  CHECK_FALSE(mcp::check_complete(json(R"({"resultType":"complete"})")));
  CHECK(
    sb::what(mcp::check_complete(json(R"({"resultType":"input_required"})")))
      .find("input_required")
    != std::string::npos);
  CHECK(sb::what(mcp::check_complete(json(R"({"resultType":"later"})")))
        == "unknown resultType");
}

TEST_CASE("tools/list pages are read, invalid tools left out", "[mcp]") {
  mcp::tools_page page;
  REQUIRE_FALSE(mcp::read_tools_page(json(R"({"tools":[
      {"name":"a","description":"A tool.","inputSchema":{"type":"object"}},
      {"description":"no name"},
      {"name":"b"},
      {"name":"c","inputSchema":{"type":"object","properties":{"x":
        {"type":"number","x-mcp-header":"X"}}}}],
      "nextCursor":""})"),
                                     page));
  REQUIRE(page.tools.size() == 2);
  CHECK(page.tools[0].name == "a");
  CHECK(page.tools[0].description == "A tool.");
  CHECK(page.tools[0].input_schema == R"({"type":"object"})");
  CHECK(page.tools[1].input_schema == R"({"type":"object"})");
  REQUIRE(page.rejected.size() == 1);
  CHECK(page.rejected[0].rfind("c: ", 0) == 0);
  // An empty cursor is a cursor: the listing goes on.
  REQUIRE(page.next_cursor);
  CHECK(page.next_cursor->empty());
  CHECK(mcp::read_tools_page(json(R"({"items":[]})"), page));
}

TEST_CASE("tools/call results become the model's text", "[mcp]") {
  auto text = mcp::read_call_result(json(R"({"content":[
    {"type":"text","text":"one"},{"type":"image","data":"x"},
    {"type":"text","text":"two"}],"structuredContent":{"n":1}})"));
  REQUIRE(text);
  CHECK(*text == "one\ntwo");
  auto structured = mcp::read_call_result(
    json(R"({"content":[],"structuredContent":{"n":[1,"é"]}})"));
  REQUIRE(structured);
  CHECK(*structured == R"({"n":[1,"é"]})");
  auto empty = mcp::read_call_result(json(R"({})"));
  REQUIRE(empty);
  CHECK(empty->empty());
  auto failed = mcp::read_call_result(json(
    R"({"content":[{"type":"text","text":"no such order"}],"isError":true})"));
  REQUIRE_FALSE(failed);
  CHECK(sb::what(failed.error()) == "no such order");
  CHECK(sb::what(mcp::read_call_result(json(R"({"isError":true})")).error())
        == "the tool failed");
}

TEST_CASE("request bodies carry _meta in the modern era only", "[mcp]") {
  const auto modern = mcp::request_body(
    3, "tools/call",
    [](sb::json_writer& w) { sb::write_field(w, "name", "a\"b"); }, true);
  auto doc = json(modern.c_str());
  CHECK(doc["id"].GetInt() == 3);
  CHECK(std::string(doc["params"]["name"].GetString()) == "a\"b");
  const auto& meta = doc["params"]["_meta"];
  CHECK(std::string(meta["io.modelcontextprotocol/protocolVersion"].GetString())
        == "2026-07-28");
  CHECK(
    std::string(meta["io.modelcontextprotocol/clientInfo"]["name"].GetString())
    == "switchboard");
  CHECK(meta["io.modelcontextprotocol/clientCapabilities"].IsObject());
  auto legacy = json(mcp::request_body(4, "tools/list", {}, false).c_str());
  CHECK_FALSE(legacy["params"].HasMember("_meta"));
  auto init = json(mcp::initialize_body(1).c_str());
  CHECK(std::string(init["params"]["protocolVersion"].GetString())
        == "2025-11-25");
  CHECK(json(mcp::initialized_body().c_str()).HasMember("id") == false);
}

TEST_CASE("x-mcp-header annotations are checked", "[mcp]") {
  std::vector<mcp::param_header> params;
  CHECK(scan(R"({"type":"object","properties":{
    "region":{"type":"string","x-mcp-header":"Region"},
    "where":{"type":"object","properties":{
      "zone":{"type":["integer","null"],"x-mcp-header":"Zone"}}},
    "tags":{"type":"array","default":{"x-mcp-header":"data, not a rule"}},
    "x-mcp-header":{"type":"string"}}})",
             &params)
        == "");
  REQUIRE(params.size() == 2);
  CHECK(params[0].path == std::vector<std::string>{"region"});
  CHECK(params[1].path == std::vector<std::string>{"where", "zone"});
  CHECK(params[1].name == "Zone");
  CHECK(scan(R"({"properties":{"a":{"type":"string","x-mcp-header":""}}})")
        != "");
  CHECK(scan(R"({"properties":{"a":{"type":"string","x-mcp-header":"A B"}}})")
        != "");
  CHECK(scan(R"({"properties":{"a":{"type":"number","x-mcp-header":"A"}}})")
        != "");
  CHECK(scan(R"({"properties":{"a":{"type":"string","x-mcp-header":"A"},
                               "b":{"type":"string","x-mcp-header":"a"}}})")
        != "");
  CHECK(scan(R"({"properties":{"a":{"type":"array","items":
               {"type":"string","x-mcp-header":"A"}}}})")
        != "");
  CHECK(scan(R"({"anyOf":[{"properties":{"a":{"type":"string",
               "x-mcp-header":"A"}}}]})")
        != "");
  CHECK(scan(R"({"type":"object","x-mcp-header":"Root"})") != "");
}

TEST_CASE("x-mcp-header values become header lines", "[mcp]") {
  std::vector<mcp::param_header> params;
  REQUIRE(scan(R"({"properties":{
    "s":{"type":"string","x-mcp-header":"S"},
    "i":{"type":"integer","x-mcp-header":"I"},
    "b":{"type":"boolean","x-mcp-header":"B"},
    "n":{"type":"string","x-mcp-header":"N"},
    "o":{"type":"object","properties":{"z":{"type":"integer",
      "x-mcp-header":"Z"}}}}})",
               &params)
            .empty());
  CHECK(mcp::param_header_lines(
          params, json(R"({"s":"us-west1","i":-7,"b":true,"n":null,
                           "o":{"z":4.0}})"))
        == std::vector<std::string>{"Mcp-Param-S: us-west1", "Mcp-Param-I: -7",
                                    "Mcp-Param-B: true", "Mcp-Param-Z: 4"});
  CHECK(mcp::param_header_lines(params, json(R"({"o":5})")).empty());
}

TEST_CASE("header values that are not plain ASCII are sent in Base64",
          "[mcp]") {
  CHECK(mcp::header_value("us-west1") == "us-west1");
  CHECK(mcp::header_value("a b") == "a b");
  CHECK(mcp::header_value("Hello, 世界") == "=?base64?SGVsbG8sIOS4lueVjA==?=");
  CHECK(mcp::header_value(" padded ") == "=?base64?IHBhZGRlZCA=?=");
  CHECK(mcp::header_value("line1\nline2") == "=?base64?bGluZTEKbGluZTI=?=");
  CHECK(mcp::header_value("=?base64?literal?=")
        == "=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?=");
  CHECK(mcp::header_value("") == "=?base64??=");
}
