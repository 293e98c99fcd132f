// Plain request/response values passed between the HTTP server and whatever
// handles requests. No Beast or CAF types: the handler side (app/) can be
// compiled without Beast.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace sb {

struct http_request {
  std::string method; // "GET", "POST", ...
  std::string target; // raw request-target as received: path + "?" + query
  std::string path;   // target before '?', not decoded
  std::string query;  // target after '?', may be empty
  std::string content_type;      // Content-Type header, or empty
  std::string authorization;     // Authorization header, or empty
  std::string twilio_signature;  // X-Twilio-Signature header, or empty
  std::string if_none_match;     // If-None-Match header, or empty
  std::string idempotency_token; // I-Twilio-Idempotency-Token, or empty
  // The operator console's (app/console): its session cookie, the CSRF
  // checks of its POSTs, and where an event stream resumes.
  std::string host;          // Host header, or empty
  std::string origin;        // Origin header, or empty
  std::string cookie;        // Cookie header, or empty
  std::string requested_by;  // X-Requested-By header, or empty
  std::string last_event_id; // Last-Event-ID header, or empty
  // MCP over HTTP (app/console/console_mcp): the request metadata headers
  // checked against the JSON-RPC body.
  std::string mcp_protocol_version; // MCP-Protocol-Version header, or empty
  std::string mcp_method;           // Mcp-Method header, or empty
  std::string mcp_name;             // Mcp-Name header, or empty
  std::string body;
  std::string remote_address; // peer "ip:port"
};

/// A response whose body is written as it comes (Server-Sent Events), as
/// the application sees it; implemented by the connection in
/// net/http/stream_session.cpp. Held through the weak_ptr it was given, which
/// expires once the connection is gone (after on_closed; a close of ours
/// waits up to http_server_options::stream_write_timeout for the peer's).
class event_stream {
public:
  virtual ~event_stream() = default;

  /// Any thread. Queues `bytes` after those already queued; false once the
  /// stream is closed. More than http_server_options::stream_max_queued_bytes
  /// waiting (a reader that stopped reading) closes the stream instead.
  virtual bool send(std::string bytes) = 0;

  /// Any thread. Ends the stream after the bytes already queued.
  /// Idempotent.
  virtual void close() = 0;
};

struct event_stream_events {
  /// Exactly once, on the connection's strand, when the stream ends for any
  /// reason ("closed by peer", "closed by us", "send queue full", "write
  /// error: ...", "server stopped"). Must not block.
  std::function<void(std::string why)> on_closed;
};

/// Called once, on the connection's strand, after the response's header
/// was queued; returns the stream's callbacks. Never called, and so no
/// on_closed, when the connection ends before the response's turn comes
/// or the request was a HEAD (which gets the header and a close): count
/// open streams from here, not from the handler. An exception it throws
/// is logged and ends the connection.
using event_stream_opener =
  std::function<event_stream_events(std::weak_ptr<event_stream>)>;

struct http_response {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers; // extra headers
  /// Set: a streamed response. The status line and headers are sent with
  /// `Connection: close` and neither Content-Length nor chunking (the body
  /// ends when the connection closes), `body` is ignored, and the
  /// connection belongs to the stream from then on: it takes no further
  /// requests (pipelined ones are dropped).
  event_stream_opener open_stream;
};

/// Completes one request. Callable from any thread, at most once; the server
/// posts the write onto the connection's strand. Calling it after the
/// connection closed is harmless.
using http_responder = std::function<void(http_response)>;

/// Called on an I/O thread for every complete request. It must not block:
/// hand the work off and call `respond` later (or right away).
using http_handler = std::function<void(http_request&&, http_responder)>;

} // namespace sb
