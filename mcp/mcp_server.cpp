// The dual-era dispatcher. A request's era is decided before its method:
// modern when params._meta names a protocol version (which must be ours,
// with the client's capabilities beside it), legacy when the connection
// has been through `initialize`, and refused otherwise. The method then
// runs the same way in both eras; only the result's envelope differs
// (modern: resultType, the serverInfo _meta, and the caching hints of the
// cacheable results). Everything a request can get wrong is checked before
// a tool or resource handler runs, so an error changes nothing.
#include "mcp/mcp_server.hpp"

#include <atomic>
#include <utility>
#include <vector>

#include <rapidjson/document.h>

#include "core/error.hpp"
#include "core/log.hpp"
#include "mcp/mcp_resources.hpp"
#include "mcp/mcp_schema.hpp"
#include "mcp/mcp_tools.hpp"
#include "net/text/json_writer.hpp"

namespace sb {

namespace {

// What `initialize` may agree to, newest first: a client asking for one
// of these gets it, any other gets the first.
constexpr const char* legacy_versions[] = {"2025-11-25", "2025-06-18",
                                           "2025-03-26", "2024-11-05"};

constexpr const char* capabilities_key =
  "io.modelcontextprotocol/clientCapabilities";

constexpr const char* instructions =
  "switchboard answers phone calls with a voice model: these tools list "
  "live and past calls, read a call's transcript and timings, search what "
  "callers and the assistant said, summarise the service's state, and, "
  "when the operator allows actions, place, hang up, speak into and drain "
  "calls.";

enum class era { modern, legacy };

// Methods whose modern result is a CacheableResult (ttlMs, cacheScope).
bool cacheable(const std::string& method) {
  return method == "server/discover" || method == "tools/list"
         || method == "resources/list" || method == "resources/templates/list"
         || method == "resources/read";
}

std::string server_info() {
  return json_object([](json_writer& w) {
    write_field(w, "name", "switchboard");
    write_field(w, "version", SB_VERSION);
  });
}

// One request on its way through: who to answer and in which era.
struct request {
  std::string id;
  std::string method;
  era e = era::modern;
  rapidjson::Document params;
  std::function<void(mcp_answer)> reply; // calls done at most once
};

using request_ptr = std::shared_ptr<request>;

std::function<void(mcp_answer)> once(std::function<void(mcp_answer)> done) {
  auto used = std::make_shared<std::atomic<bool>>(false);
  return [used, done = std::move(done)](mcp_answer answer) {
    if (!used->exchange(true))
      done(std::move(answer));
  };
}

// `result` (an object's text) with the era's fields put first.
std::string enveloped(const request& r, const std::string& result) {
  if (r.e == era::legacy)
    return result;
  std::string fields = R"("resultType":"complete",)";
  if (cacheable(r.method))
    fields += R"("ttlMs":0,"cacheScope":"private",)";
  fields += R"("_meta":{"io.modelcontextprotocol/serverInfo":)" + server_info()
            + "}";
  if (result == "{}")
    return "{" + fields + "}";
  return "{" + fields + "," + result.substr(1);
}

void answer(const request& r, const std::string& result) {
  r.reply({R"({"jsonrpc":"2.0","id":)" + r.id + R"(,"result":)"
             + enveloped(r, result) + "}",
           200});
}

// A JSON-RPC error to a request whose era is known. Streamable HTTP's
// modern rules want 404 for an unknown method; everything else a method
// answers is a 200 carrying the error (a 400 would hide the error from a
// legacy HTTP client, which reads no body on a failed status).
void fail(const request& r, int code, const std::string& message,
          const std::string& data = {}) {
  int status = code == mcp_error::method_not_found && r.e == era::modern ? 404
                                                                         : 200;
  r.reply(mcp_error_answer(r.id, code, message, status, data));
}

void write_raw(json_writer& w, std::string_view json) {
  w.RawValue(json.data(), json.size(), rapidjson::kObjectType);
}

std::string string_param(const rapidjson::Value& params, const char* key) {
  auto it = params.FindMember(key);
  if (it == params.MemberEnd() || !it->value.IsString())
    return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

} // namespace

struct mcp_server::impl {
  struct checked_tool {
    const mcp_server_tool* tool;
    json_schema input;
  };

  mcp_server_options options;
  mcp_services services;
  std::vector<checked_tool> tools;

  impl(mcp_server_options opts, mcp_services svc)
    : options(std::move(opts)), services(std::move(svc)) {
    for (const auto& t : mcp_tool_table()) {
      // The table is the program's own text: a schema the validator cannot
      // read is a bug the tests catch, never an operator's mistake.
      auto schema = json_schema::parse(t.input_schema);
      if (schema)
        tools.push_back({&t, std::move(*schema)});
      else
        SB_LOG_ERROR("mcp: tool " << t.name << ": " << what(schema.error()));
    }
  }

  void initialize(const request_ptr& r, mcp_legacy_session* legacy);
  void discover(const request_ptr& r);
  void list_tools(const request_ptr& r);
  void call_tool(const request_ptr& r, const std::string& who);
  void list_resources(const request_ptr& r);
  void read_resource(const request_ptr& r);
  void dispatch(const request_ptr& r, mcp_legacy_session* legacy,
                const std::string& who);
  bool check_modern(const request_ptr& r, const std::string& version);
};

void mcp_server::impl::initialize(const request_ptr& r,
                                  mcp_legacy_session* legacy) {
  auto asked = string_param(r->params, "protocolVersion");
  if (asked.empty()) {
    r->reply(mcp_error_answer(r->id, mcp_error::invalid_params,
                              "params.protocolVersion: required", 200));
    return;
  }
  std::string agreed = legacy_versions[0];
  for (auto v : legacy_versions)
    if (asked == v)
      agreed = v;
  if (legacy != nullptr)
    legacy->protocol_version = agreed;
  r->e = era::legacy;
  answer(*r, json_object([&](json_writer& w) {
    write_field(w, "protocolVersion", agreed);
    w.Key("capabilities");
    write_raw(w, R"({"tools":{"listChanged":false},"resources":{}})");
    w.Key("serverInfo");
    write_raw(w, server_info());
    write_field(w, "instructions", instructions);
  }));
}

void mcp_server::impl::discover(const request_ptr& r) {
  answer(*r, json_object([](json_writer& w) {
    w.Key("supportedVersions");
    w.StartArray();
    w.String(mcp_modern_version);
    w.String(mcp_legacy_version);
    w.EndArray();
    w.Key("capabilities");
    write_raw(w, R"({"tools":{},"resources":{}})");
    write_field(w, "instructions", instructions);
  }));
}

void mcp_server::impl::list_tools(const request_ptr& r) {
  // One page holds every tool: no cursor was ever given out to come back.
  if (r->params.HasMember("cursor")) {
    fail(*r, mcp_error::invalid_params, "cursor: tools/list has a single page");
    return;
  }
  answer(*r, "{\"tools\":" + mcp_tools_json(options.allow_actions) + "}");
}

void mcp_server::impl::call_tool(const request_ptr& r, const std::string& who) {
  auto& params = r->params;
  auto name_it = params.FindMember("name");
  if (name_it == params.MemberEnd() || !name_it->value.IsString()) {
    fail(*r, mcp_error::invalid_params, "name: required, a string");
    return;
  }
  std::string name{name_it->value.GetString(),
                   name_it->value.GetStringLength()};
  const checked_tool* found = nullptr;
  for (const auto& t : tools)
    if (t.tool->name == name)
      found = &t;
  if (found == nullptr || (found->tool->action && !options.allow_actions)) {
    fail(*r, mcp_error::invalid_params,
         "name: unknown tool '" + name + "'"
           + (found ? " (actions are off: [mcp] allow_actions)" : ""));
    return;
  }
  rapidjson::Value empty{rapidjson::kObjectType};
  auto args_it = params.FindMember("arguments");
  const auto& args = args_it == params.MemberEnd() ? empty : args_it->value;
  if (auto why = found->input.check(args, "arguments"); !why.empty()) {
    fail(*r, mcp_error::invalid_params, why);
    return;
  }
  found->tool->handler({args, services, who}, [r](mcp_call_outcome o) {
    if (o.rpc_code != 0) {
      fail(*r, o.rpc_code, o.rpc_message);
      return;
    }
    const bool failed = o.structured.empty();
    answer(*r, json_object([&](json_writer& w) {
      w.Key("content");
      w.StartArray();
      w.StartObject();
      write_field(w, "type", "text");
      write_field(w, "text", failed ? o.tool_error : o.structured);
      w.EndObject();
      w.EndArray();
      if (failed) {
        w.Key("isError");
        w.Bool(true);
        return;
      }
      w.Key("structuredContent");
      write_raw(w, o.structured);
    }));
  });
}

namespace {

// Hands a resource method's outcome to the request.
mcp_method_done method_answer(const request_ptr& r) {
  return [r](mcp_method_result m) {
    if (m.rpc_code != 0)
      fail(*r, m.rpc_code, m.rpc_message, m.rpc_data);
    else
      answer(*r, m.result);
  };
}

} // namespace

void mcp_server::impl::list_resources(const request_ptr& r) {
  auto cursor = r->params.FindMember("cursor");
  if (cursor != r->params.MemberEnd() && !cursor->value.IsString()) {
    fail(*r, mcp_error::invalid_params, "cursor: must be a string");
    return;
  }
  list_call_resources(services, string_param(r->params, "cursor"),
                      method_answer(r));
}

void mcp_server::impl::read_resource(const request_ptr& r) {
  read_call_resource(services, string_param(r->params, "uri"),
                     method_answer(r));
}

// A request carrying a modern version: ours, and with the capabilities
// every modern request must declare. False when it was answered here.
bool mcp_server::impl::check_modern(const request_ptr& r,
                                    const std::string& version) {
  if (version != mcp_modern_version) {
    auto data = json_object([&](json_writer& w) {
      w.Key("supported");
      w.StartArray();
      w.String(mcp_modern_version);
      w.String(mcp_legacy_version);
      w.EndArray();
      write_field(w, "requested", version);
    });
    r->reply(mcp_error_answer(r->id, mcp_error::unsupported_protocol_version,
                              "Unsupported protocol version", 400, data));
    return false;
  }
  const auto& meta = r->params["_meta"];
  auto caps = meta.FindMember(capabilities_key);
  if (caps == meta.MemberEnd() || !caps->value.IsObject()) {
    r->reply(mcp_error_answer(r->id, mcp_error::invalid_params,
                              std::string("params._meta: ") + capabilities_key
                                + " is required (an object)",
                              400));
    return false;
  }
  return true;
}

void mcp_server::impl::dispatch(const request_ptr& r,
                                mcp_legacy_session* legacy,
                                const std::string& who) {
  const auto& m = r->method;
  if (m == "server/discover" && r->e == era::modern)
    discover(r);
  else if (m == "ping" && r->e == era::legacy)
    answer(*r, "{}");
  else if (m == "tools/list")
    list_tools(r);
  else if (m == "tools/call")
    call_tool(r, who);
  else if (m == "resources/list")
    list_resources(r);
  else if (m == "resources/templates/list")
    answer(*r, call_resource_templates());
  else if (m == "resources/read")
    read_resource(r);
  else if (m == "initialize")
    initialize(r, legacy);
  else
    fail(*r, mcp_error::method_not_found, "Method not found: " + m);
}

mcp_server::mcp_server(mcp_server_options options, mcp_services services)
  : impl_(std::make_shared<impl>(std::move(options), std::move(services))) {
}

mcp_server::~mcp_server() = default;

void mcp_server::handle(const mcp_message& message, mcp_legacy_session* legacy,
                        std::string who, std::function<void(mcp_answer)> done) {
  auto reply = once(std::move(done));
  // A notification is never answered (notifications/initialized included:
  // the handshake's state is set when initialize is answered).
  if (message.is_notification()) {
    reply({{}, 202});
    return;
  }
  auto r = std::make_shared<request>();
  r->id = message.id;
  r->method = message.method;
  r->reply = std::move(reply);
  r->params.Parse(message.params.data(), message.params.size());
  if (r->params.HasParseError() || !r->params.IsObject())
    r->params.SetObject();
  SB_LOG_DEBUG("mcp: " << message.method << " from " << who);
  if (message.method == "initialize")
    r->e = era::legacy;
  else if (!message.protocol_version.empty()) {
    if (!impl_->check_modern(r, message.protocol_version))
      return;
  } else if (legacy != nullptr && !legacy->protocol_version.empty())
    r->e = era::legacy;
  else {
    r->reply(mcp_error_answer(r->id, mcp_error::invalid_request,
                              "send initialize first, or params._meta with "
                              "io.modelcontextprotocol/protocolVersion",
                              400));
    return;
  }
  impl_->dispatch(r, legacy, who);
}

} // namespace sb
