// Message conversion for the public listener: a Beast request becomes the
// plain http_request the application sees (net/http/http_types.hpp), and the
// application's http_response becomes the Beast response that goes on the
// wire, with the rules every answer follows (Content-Length always, no
// chunking, no header injection), or, for a streamed response, the header
// that opens it. Also how a peer's address is written and whether it is
// loopback. Pure: no sockets and no I/O, so tests build messages by hand;
// http_session is the caller.
#pragma once

#include <string>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "net/http/http_types.hpp"

namespace sb {

using beast_request =
  boost::beast::http::request<boost::beast::http::string_body>;
using beast_response =
  boost::beast::http::response<boost::beast::http::string_body>;

/// An answer with `status` and `text` as its text/plain body.
http_response plain_response(unsigned status, std::string text);

/// The request as the application sees it: the method, the raw target and
/// its split at the first '?' into path and query (neither decoded), the
/// headers the application reads (Content-Type, Authorization,
/// X-Twilio-Signature, If-None-Match, I-Twilio-Idempotency-Token, Host,
/// Origin, Cookie, X-Requested-By, Last-Event-ID; empty when absent), the body,
/// moved out of `msg`, and `remote` (the peer's "ip:port", see endpoint_text).
http_request to_request(beast_request&& msg, const std::string& remote);

/// The response to write for `in`, answering a request of HTTP `version`
/// (10 or 11) that did (`head`) or did not use HEAD:
///   - a status outside 200..599 becomes 500 "internal error" (logged);
///   - Server: switchboard, and Content-Type unless `in`'s is empty;
///   - `in.headers` after those (a name set twice keeps the last value); one
///     with an empty name or a CR or LF anywhere is dropped (logged);
///   - never Transfer-Encoding; Content-Length always, but for 204, which
///     carries neither it nor a body; 304 carries no body;
///   - HEAD gets the headers GET would have, length included, and no body;
///   - Connection as `keep_alive` and the version need.
beast_response to_response(http_response&& in, unsigned version,
                           bool keep_alive, bool head);

/// The header of a streamed response (`in.open_stream` set), answering a
/// request of HTTP `version`: to_response's rules with `in.body` ignored,
/// `Connection: close`, and neither Content-Length nor Transfer-Encoding,
/// so the body runs until the connection closes.
beast_response to_stream_header(http_response&& in, unsigned version);

/// `res`'s status line and header fields, with the blank line that ends
/// them, as they go on the wire.
std::string header_text(const beast_response& res);

/// "ip:port", an IPv6 address in brackets: how log lines and
/// http_request::remote_address name a peer.
std::string endpoint_text(const boost::asio::ip::tcp::endpoint& ep);

/// 127.0.0.0/8, ::1, and 127.x mapped into IPv6 (a dual-stack listener):
/// the clients the rate limit exempts unless told otherwise.
bool is_loopback(const boost::asio::ip::address& a);

} // namespace sb
