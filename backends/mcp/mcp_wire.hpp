// The JSON-RPC text of MCP over Streamable HTTP, both eras, without any
// I/O: the request bodies the client sends (modern, 2026-07-28: every
// request names its protocol version, the client and its capabilities in
// params._meta; legacy, 2025-11-25: the initialize handshake, then bare
// requests), and the reading of what comes back: a JSON body or an SSE
// stream holding the response whose id is ours, its error, and the
// results of tools/list and tools/call.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <rapidjson/document.h>

#include "backends/mcp/mcp_tool.hpp"
#include "net/text/json_writer.hpp"

namespace sb::mcp {

/// The protocol revisions this client speaks: the modern one it tries
/// first, and the legacy one it offers in initialize.
constexpr const char* modern_version = "2026-07-28";
constexpr const char* legacy_version = "2025-11-25";

/// Whether a legacy server's initialize answer may name `version`: the
/// revisions whose tools/list and tools/call are the ones read here.
bool speaks_legacy_version(std::string_view version);

/// Writes the fields of a request's params (the modern era adds _meta).
using params_writer = std::function<void(json_writer&)>;

/// {"jsonrpc":"2.0","id":id,"method":method,"params":{…}}; `modern` adds
/// params._meta (protocol version, clientInfo {name: "switchboard",
/// version}, clientCapabilities {}).
std::string request_body(int64_t id, std::string_view method,
                         const params_writer& params, bool modern);

/// The legacy handshake: initialize offering legacy_version, and the
/// notifications/initialized that follows its answer.
std::string initialize_body(int64_t id);
std::string initialized_body();

/// One JSON-RPC response, as read from an answer.
struct rpc_response {
  rapidjson::Document message; // the response object
  bool is_error = false;       // "error" rather than "result"
  int64_t code = 0;            // is_error: the error's code and message
  std::string text;

  /// REQUIRES: !is_error
  const rapidjson::Value& result() const {
    return message["result"];
  }
};

/// Finds the response to request `id` in an answer's body: a JSON object
/// (or a batch array holding it) when `content_type` is application/json
/// or anything but an event stream, else the SSE events' data, skipping
/// notifications, requests and others' responses. An error response
/// without an id (the server could not read ours) counts as ours.
/// Errors (errc::backend_failed): "not a JSON-RPC response", "the event
/// stream ended without a response".
caf::error read_response(std::string_view content_type, std::string_view body,
                         int64_t id, rpc_response& out);

/// Whether `text` (one JSON value) is the response to `id`; fills `out`.
bool read_message(std::string_view text, int64_t id, rpc_response& out);

/// "JSON-RPC error <code>: <message>" (errc::backend_failed).
/// REQUIRES: response.is_error
caf::error error_of(const rpc_response& response);

/// Whether an error answered over HTTP 4xx is one only a modern server
/// gives (header mismatch, missing capability, unsupported version, an
/// unknown method, malformed _meta): the server speaks 2026-07-28, so the
/// client must not fall back to the legacy handshake.
bool is_modern_error(const rpc_response& response);

/// Whether an unsupported-version error lists a legacy revision this
/// client speaks among the server's versions.
bool offers_legacy(const rpc_response& response);

/// A result's resultType: absent or "complete" is fine; "input_required"
/// (the server wants the user's input) and anything else are errors.
caf::error check_complete(const rapidjson::Value& result);

/// One page of tools/list.
struct tools_page {
  std::vector<mcp_tool> tools;       // server left "" for the caller
  std::vector<std::string> rejected; // "name: why", left out
  std::optional<std::string> next_cursor;
};

/// Reads a tools/list result. A tool without a string name is skipped; one
/// whose input schema has an invalid x-mcp-header annotation is rejected
/// (mcp_param_headers.hpp). Error: no "tools" array.
caf::error read_tools_page(const rapidjson::Value& result, tools_page& out);

/// A tools/call result as the model reads it: its text content blocks
/// joined by "\n", or, with none, structuredContent as JSON text. With
/// isError true, an error whose text is that content ("the tool failed"
/// when it has none).
caf::expected<std::string> read_call_result(const rapidjson::Value& result);

/// `value` as JSON text.
std::string to_json(const rapidjson::Value& value);

} // namespace sb::mcp
