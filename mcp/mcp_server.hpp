// switchboard as an MCP server: the protocol (JSON-RPC 2.0 as the Model
// Context Protocol uses it), transport-free. Dual-era, as the 2026-07-28
// revision's versioning page describes: a request whose params._meta
// carries io.modelcontextprotocol/protocolVersion 2026-07-28 is served
// statelessly (server/discover, per-request _meta, resultType); an
// `initialize` asking for 2025-11-25 (or an earlier revision we accept)
// opens the legacy era for that stdio process or HTTP session.
//
// Methods: server/discover, initialize, notifications/initialized, ping
// (legacy), tools/list, tools/call, resources/list,
// resources/templates/list, resources/read. The tools and their JSON
// Schemas are in mcp_tools.hpp; the resources are call transcripts,
// switchboard://calls/{CallSid}.
//
// The transports (cli/ctl: stdio; app/console: Streamable HTTP) parse a
// message with parse_mcp_message, check what their transport asks of it
// (HTTP: the MCP-Protocol-Version, Mcp-Method and Mcp-Name headers
// against the body), then hand it to mcp_server::handle.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "mcp/mcp_services.hpp"

namespace sb {

/// The protocol revisions: the modern one (per-request _meta) and the
/// legacy ones an `initialize` may ask for, newest first.
inline constexpr const char* mcp_modern_version = "2026-07-28";
inline constexpr const char* mcp_legacy_version = "2025-11-25";

/// JSON-RPC and MCP error codes.
namespace mcp_error {
inline constexpr int parse_error = -32700;
inline constexpr int invalid_request = -32600;
inline constexpr int method_not_found = -32601;
inline constexpr int invalid_params = -32602;
inline constexpr int internal_error = -32603;
inline constexpr int header_mismatch = -32020;
inline constexpr int missing_client_capability = -32021;
inline constexpr int unsupported_protocol_version = -32022;
} // namespace mcp_error

/// One incoming message, parsed once.
struct mcp_message {
  std::string id;     // the request id as JSON text ("7", "\"a\""); "" for
                      // a notification
  std::string method; // e.g. "tools/call"
  std::string params; // the params object as JSON text; "{}" when absent
  /// params._meta["io.modelcontextprotocol/protocolVersion"]; "" if none.
  std::string protocol_version;
  /// params.name (tools/call, prompts/get) or params.uri (resources/read);
  /// "" otherwise. What HTTP's Mcp-Name header must equal.
  std::string name;
  bool is_notification() const {
    return id.empty();
  }
};

/// What a transport sends back for one message.
struct mcp_answer {
  std::string body; // the JSON-RPC response; "" for a notification
  /// What Streamable HTTP answers with: 202 (a notification); 400 (a parse
  /// error, an invalid request, a request in no era, an unsupported
  /// version, a malformed or incomplete modern _meta); 404 (an unknown
  /// method in the modern era); else 200, errors a method answers
  /// included (an unknown tool, arguments failing the schema, an unknown
  /// call): a legacy HTTP client reads no body from a failed status.
  int http_status = 200;
};

/// Parses one JSON-RPC message. Errors come back as the answer to send
/// (parse error -32700; -32600 for a batch, a response, an id that is
/// not a string or an integer, params that are not an object, or a
/// message without jsonrpc "2.0" / method; -32602 for a params._meta or
/// protocol version of the wrong type): `answer` is set and the message
/// is not to be handled.
struct mcp_parsed {
  mcp_message message;
  std::optional<mcp_answer> answer;
};
mcp_parsed parse_mcp_message(std::string_view body);

/// An error response for `id` ("" = an id that could not be read: left
/// out, as MCP's schema has it, rather than null), with `data` (a JSON
/// object's text, "" = none).
mcp_answer mcp_error_answer(const std::string& id, int code,
                            std::string_view message, int http_status,
                            std::string_view data = {});

/// The legacy era's state: one per stdio process, one per HTTP session.
/// Empty until an `initialize` was answered.
struct mcp_legacy_session {
  std::string protocol_version; // what initialize agreed; "" = none yet
};

struct mcp_server_options {
  bool allow_actions = false; // [mcp] allow_actions
  std::string transport;      // "stdio" | "http", for logs
};

class mcp_server {
public:
  mcp_server(mcp_server_options options, mcp_services services);
  ~mcp_server();
  mcp_server(const mcp_server&) = delete;
  mcp_server& operator=(const mcp_server&) = delete;

  /// Handles one parsed message. `legacy` is the connection's legacy
  /// state (may be null where the transport keeps none: then only modern
  /// requests and `initialize` itself are served); an `initialize` sets
  /// it. `who` names the asker in logs ("stdio uid 1000", "http
  /// 127.0.0.1:5555"): every action tool call is logged with it. `done`
  /// is called exactly once, maybe on another thread (a database or
  /// admin answer's); a notification gets {"", 202} at once. Thread-safe:
  /// requests may be handled concurrently; `legacy` is written only by
  /// `initialize`, so a transport sharing one between threads serialises
  /// those.
  void handle(const mcp_message& message, mcp_legacy_session* legacy,
              std::string who, std::function<void(mcp_answer)> done);

private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

} // namespace sb
