// mcp_wire: the bodies are written with RapidJSON's writer (a tool's
// name and the model's arguments are text from elsewhere), and answers
// are read leniently where the spec lets servers differ (a batch array,
// an error without an id, no resultType from a legacy server) and
// strictly where a wrong reading would mislead the model.
#include "backends/mcp/mcp_wire.hpp"

#include <rapidjson/stringbuffer.h>

#include "backends/mcp/mcp_param_headers.hpp"
#include "backends/mcp/mcp_sse.hpp"
#include "core/error.hpp"
#include "core/json_read.hpp"

namespace sb::mcp {

namespace {

using rapidjson::Value;

constexpr const char* legacy_versions[] = {"2025-11-25", "2025-06-18",
                                           "2025-03-26"};

// The errors a 2026-07-28 server answers over HTTP 4xx (basic/index.mdx
// "Error Codes", streamable-http.mdx "Backward Compatibility").
constexpr int64_t header_mismatch = -32020;
constexpr int64_t missing_capability = -32021;
constexpr int64_t unsupported_version = -32022;
constexpr int64_t method_not_found = -32601;
constexpr int64_t invalid_params = -32602;

void write_client_info(json_writer& w) {
  w.StartObject();
  write_field(w, "name", "switchboard");
  write_field(w, "version", SB_VERSION);
  w.EndObject();
}

void write_meta(json_writer& w) {
  w.Key("_meta");
  w.StartObject();
  write_field(w, "io.modelcontextprotocol/protocolVersion", modern_version);
  w.Key("io.modelcontextprotocol/clientInfo");
  write_client_info(w);
  w.Key("io.modelcontextprotocol/clientCapabilities");
  w.StartObject();
  w.EndObject();
  w.EndObject();
}

bool is_string(const Value& v, const char* key) {
  return v.IsObject() && v.HasMember(key) && v[key].IsString();
}

std::string_view string_of(const Value& v) {
  return {v.GetString(), v.GetStringLength()};
}

bool id_matches(const Value& msg, int64_t id) {
  if (!msg.HasMember("id") || msg["id"].IsNull())
    return msg.HasMember("error"); // an error about an unreadable request
  return msg["id"].IsInt64() && msg["id"].GetInt64() == id;
}

void fill(rpc_response& out) {
  const Value& msg = out.message;
  out.is_error = msg.HasMember("error");
  if (!out.is_error)
    return;
  const Value& err = msg["error"];
  out.code = err.IsObject() && err.HasMember("code") && err["code"].IsInt64()
               ? err["code"].GetInt64()
               : 0;
  out.text = is_string(err, "message") ? std::string(string_of(err["message"]))
                                       : std::string("(no message)");
}

// A response object: "result" or an error object, never a request.
bool is_response(const Value& v) {
  return v.IsObject() && !v.HasMember("method")
         && (v.HasMember("result")
             || (v.HasMember("error") && v["error"].IsObject()));
}

caf::error not_json_rpc() {
  return make_error(errc::backend_failed, "not a JSON-RPC response");
}

caf::error read_stream(std::string_view body, int64_t id, rpc_response& out) {
  sse_reader reader;
  bool found = false;
  auto on_event = [&](std::string_view data) {
    found = read_message(data, id, out);
    return !found;
  };
  if (reader.feed(body, on_event))
    reader.finish(on_event);
  if (found)
    return caf::none;
  return make_error(errc::backend_failed,
                    "the event stream ended without a response");
}

} // namespace

bool speaks_legacy_version(std::string_view version) {
  for (const char* v : legacy_versions)
    if (version == v)
      return true;
  return false;
}

std::string request_body(int64_t id, std::string_view method,
                         const params_writer& params, bool modern) {
  return json_object([&](json_writer& w) {
    write_field(w, "jsonrpc", "2.0");
    w.Key("id");
    w.Int64(id);
    write_field(w, "method", method);
    w.Key("params");
    w.StartObject();
    if (params)
      params(w);
    if (modern)
      write_meta(w);
    w.EndObject();
  });
}

std::string initialize_body(int64_t id) {
  return request_body(
    id, "initialize",
    [](json_writer& w) {
      write_field(w, "protocolVersion", legacy_version);
      w.Key("capabilities");
      w.StartObject();
      w.EndObject();
      w.Key("clientInfo");
      write_client_info(w);
    },
    false);
}

std::string initialized_body() {
  return json_object([](json_writer& w) {
    write_field(w, "jsonrpc", "2.0");
    write_field(w, "method", "notifications/initialized");
  });
}

bool read_message(std::string_view text, int64_t id, rpc_response& out) {
  rapidjson::Document doc;
  if (!parse_whole_json(doc, text))
    return false;
  if (doc.IsArray()) {
    for (auto& item : doc.GetArray())
      if (is_response(item) && id_matches(item, id)) {
        out.message.CopyFrom(item, out.message.GetAllocator());
        fill(out);
        return true;
      }
    return false;
  }
  if (!is_response(doc) || !id_matches(doc, id))
    return false;
  out.message.Swap(doc);
  fill(out);
  return true;
}

caf::error read_response(std::string_view content_type, std::string_view body,
                         int64_t id, rpc_response& out) {
  if (content_type.rfind("text/event-stream", 0) == 0)
    return read_stream(body, id, out);
  return read_message(body, id, out) ? caf::none : not_json_rpc();
}

caf::error error_of(const rpc_response& response) {
  return make_error(errc::backend_failed, "JSON-RPC error "
                                            + std::to_string(response.code)
                                            + ": " + response.text);
}

bool is_modern_error(const rpc_response& response) {
  switch (response.code) {
    case header_mismatch:
    case missing_capability:
    case unsupported_version:
    case method_not_found:
    case invalid_params: return response.is_error;
    default: return false;
  }
}

bool offers_legacy(const rpc_response& response) {
  if (!response.is_error || response.code != unsupported_version)
    return false;
  const Value& err = response.message["error"];
  if (!err.HasMember("data") || !err["data"].IsObject()
      || !err["data"].HasMember("supported")
      || !err["data"]["supported"].IsArray())
    return false;
  for (const auto& v : err["data"]["supported"].GetArray())
    if (v.IsString() && speaks_legacy_version(string_of(v)))
      return true;
  return false;
}

caf::error check_complete(const rapidjson::Value& result) {
  if (!result.IsObject())
    return make_error(errc::backend_failed, "result is not an object");
  if (!result.HasMember("resultType"))
    return caf::none;
  const Value& type = result["resultType"];
  if (type.IsString() && string_of(type) == "complete")
    return caf::none;
  if (type.IsString() && string_of(type) == "input_required")
    return make_error(errc::backend_failed,
                      "the server asked for input (input_required), which "
                      "switchboard cannot give");
  return make_error(errc::backend_failed, "unknown resultType");
}

caf::error read_tools_page(const rapidjson::Value& result, tools_page& out) {
  if (!result.IsObject() || !result.HasMember("tools")
      || !result["tools"].IsArray())
    return make_error(errc::backend_failed, "tools/list result has no tools");
  for (const auto& t : result["tools"].GetArray()) {
    if (!is_string(t, "name"))
      continue;
    mcp_tool tool;
    tool.name = string_of(t["name"]);
    if (is_string(t, "description"))
      tool.description = string_of(t["description"]);
    const bool has_schema = t.HasMember("inputSchema")
                            && t["inputSchema"].IsObject();
    tool.input_schema = has_schema ? to_json(t["inputSchema"])
                                   : R"({"type":"object"})";
    std::vector<param_header> params;
    if (has_schema)
      if (auto why = scan_param_headers(t["inputSchema"], params);
          !why.empty()) {
        out.rejected.push_back(tool.name + ": " + why);
        continue;
      }
    out.tools.push_back(std::move(tool));
  }
  out.next_cursor.reset();
  if (is_string(result, "nextCursor"))
    out.next_cursor = std::string(string_of(result["nextCursor"]));
  return caf::none;
}

caf::expected<std::string> read_call_result(const rapidjson::Value& result) {
  std::string text;
  bool any_text = false;
  if (result.HasMember("content") && result["content"].IsArray())
    for (const auto& block : result["content"].GetArray()) {
      if (!is_string(block, "type") || string_of(block["type"]) != "text"
          || !is_string(block, "text"))
        continue;
      if (any_text)
        text += '\n';
      text += string_of(block["text"]);
      any_text = true;
    }
  if (!any_text && result.HasMember("structuredContent"))
    text = to_json(result["structuredContent"]);
  const bool failed = result.HasMember("isError") && result["isError"].IsBool()
                      && result["isError"].GetBool();
  if (failed)
    return make_error(errc::backend_failed,
                      text.empty() ? std::string("the tool failed") : text);
  return text;
}

std::string to_json(const rapidjson::Value& value) {
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  value.Accept(w);
  return json_text(buf);
}

} // namespace sb::mcp
