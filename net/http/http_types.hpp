// Plain request/response values passed between the HTTP server and whatever
// handles requests. No Beast or CAF types: the handler side (app/) can be
// compiled without Beast.
#pragma once

#include <functional>
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
  std::string body;
  std::string remote_address; // peer "ip:port"
};

struct http_response {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers; // extra headers
};

/// Completes one request. Callable from any thread, at most once; the server
/// posts the write onto the connection's strand. Calling it after the
/// connection closed is harmless.
using http_responder = std::function<void(http_response)>;

/// Called on an I/O thread for every complete request. It must not block:
/// hand the work off and call `respond` later (or right away).
using http_handler = std::function<void(http_request&&, http_responder)>;

} // namespace sb
