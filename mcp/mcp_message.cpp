// JSON-RPC 2.0 framing as MCP uses it: one message in, its id kept as the
// JSON text it came as (so a string id goes back byte for byte and an
// integer id stays an integer), and error responses. MCP narrows JSON-RPC
// in three ways that show here: an id is a string or an integer, never
// null; params, when present, is an object; a response to an unreadable
// request leaves the id out rather than sending null.
#include <rapidjson/document.h>

#include "core/json_read.hpp"
#include "mcp/mcp_server.hpp"
#include "net/text/json_writer.hpp"

namespace sb {

namespace {

constexpr const char* version_key = "io.modelcontextprotocol/protocolVersion";

mcp_parsed refused(const std::string& id, int code, std::string_view why) {
  return {{}, mcp_error_answer(id, code, why, 400)};
}

// The id as JSON text: a string (quoted, escaped) or an integer; nullopt
// for anything else, null included.
std::optional<std::string> id_text(const rapidjson::Value& id) {
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  if (id.IsString())
    write_string(w, {id.GetString(), id.GetStringLength()});
  else if (id.IsInt64())
    w.Int64(id.GetInt64());
  else if (id.IsUint64())
    w.Uint64(id.GetUint64());
  else
    return std::nullopt;
  return json_text(buf);
}

std::string string_member(const rapidjson::Value& obj, const char* key) {
  auto it = obj.FindMember(key);
  if (it == obj.MemberEnd() || !it->value.IsString())
    return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

std::string value_text(const rapidjson::Value& value) {
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  value.Accept(w);
  return json_text(buf);
}

// params._meta's protocol version: "" when there is none; an error text
// when _meta or the version has the wrong type.
std::string read_version(const rapidjson::Value& params, std::string& out) {
  auto meta = params.FindMember("_meta");
  if (meta == params.MemberEnd())
    return {};
  if (!meta->value.IsObject())
    return "params._meta: must be an object";
  auto version = meta->value.FindMember(version_key);
  if (version == meta->value.MemberEnd())
    return {};
  if (!version->value.IsString() || version->value.GetStringLength() == 0)
    return std::string("params._meta: ") + version_key
           + " must be a non-empty string";
  out.assign(version->value.GetString(), version->value.GetStringLength());
  return {};
}

} // namespace

mcp_parsed parse_mcp_message(std::string_view body) {
  rapidjson::Document doc;
  if (!parse_whole_json(doc, body))
    return {{},
            mcp_error_answer({}, mcp_error::parse_error,
                             "Parse error: not one JSON value", 400)};
  if (doc.IsArray())
    return refused({}, mcp_error::invalid_request,
                   "Invalid Request: batches are not supported");
  if (!doc.IsObject())
    return refused({}, mcp_error::invalid_request,
                   "Invalid Request: not a JSON object");
  mcp_parsed parsed;
  auto& m = parsed.message;
  if (auto id = doc.FindMember("id"); id != doc.MemberEnd()) {
    auto text = id_text(id->value);
    if (!text)
      return refused({}, mcp_error::invalid_request,
                     "Invalid Request: id must be a string or an integer");
    m.id = std::move(*text);
  }
  if (string_member(doc, "jsonrpc") != "2.0")
    return refused(m.id, mcp_error::invalid_request,
                   "Invalid Request: jsonrpc must be \"2.0\"");
  auto method = doc.FindMember("method");
  if (method == doc.MemberEnd() || !method->value.IsString())
    return refused(m.id, mcp_error::invalid_request,
                   doc.HasMember("result") || doc.HasMember("error")
                     ? "Invalid Request: this server sends no requests, so "
                       "it takes no responses"
                     : "Invalid Request: method must be a string");
  m.method = string_member(doc, "method");
  auto params = doc.FindMember("params");
  if (params == doc.MemberEnd()) {
    m.params = "{}";
    return parsed;
  }
  if (!params->value.IsObject())
    return refused(m.id, mcp_error::invalid_request,
                   "Invalid Request: params must be an object");
  if (auto why = read_version(params->value, m.protocol_version); !why.empty())
    return refused(m.id, mcp_error::invalid_params, why);
  m.params = value_text(params->value);
  if (m.method == "resources/read")
    m.name = string_member(params->value, "uri");
  else if (m.method == "tools/call" || m.method == "prompts/get")
    m.name = string_member(params->value, "name");
  return parsed;
}

mcp_answer mcp_error_answer(const std::string& id, int code,
                            std::string_view message, int http_status,
                            std::string_view data) {
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  w.StartObject();
  write_field(w, "jsonrpc", "2.0");
  if (!id.empty()) {
    w.Key("id");
    w.RawValue(id.data(), id.size(), rapidjson::kStringType);
  }
  w.Key("error");
  w.StartObject();
  w.Key("code");
  w.Int(code);
  write_field(w, "message", message);
  if (!data.empty()) {
    w.Key("data");
    w.RawValue(data.data(), data.size(), rapidjson::kObjectType);
  }
  w.EndObject();
  w.EndObject();
  return {json_text(buf), http_status};
}

} // namespace sb
