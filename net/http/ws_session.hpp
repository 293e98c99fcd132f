// The server side of one WebSocket on the public listener, for
// net/http/http_session.cpp: the HTTP session reads an upgrade request, the
// application accepts it, and start_ws_session takes the socket over, with
// the connection's slot (net/http/connection_slot.hpp). Knows nothing of
// actors; the application sees only net/http/ws_types.hpp.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "net/http/connection_slot.hpp"
#include "net/http/ws_types.hpp"

namespace sb {

/// The session's limits; http_server_options::ws_* are the source.
struct ws_session_options {
  // Opening and closing handshakes, each; a close() also has this long to
  // drain the frames queued before it.
  std::chrono::milliseconds handshake_timeout{10000};
  // With nothing received for half of it, the session pings; with nothing
  // for all of it (a pong counts), the session ends.
  std::chrono::milliseconds idle_timeout{60000};
  size_t max_frame_bytes = 65536;  // a larger message closes with 1009
  size_t send_queue_frames = 1024; // see ws_channel::send_text
};

/// Takes over `socket`, whose WebSocket upgrade request `req` the HTTP
/// session has read and the application accepted; the socket's executor
/// must be the connection's strand. Answers the handshake (Server:
/// switchboard), then calls `open` on the strand and reads messages until
/// the session ends. A failed handshake ends it without calling `open`
/// (Beast answers a malformed upgrade with 400). The session keeps itself
/// alive through its pending operations; `slot` and one count in the
/// switchboard_relay_sessions gauge live as long as it does. `remote` is
/// the peer's "ip:port", for log lines.
/// REQUIRES: nothing of the request is left unread in front of the
/// WebSocket's first frame, and no other operation runs on `socket`.
void start_ws_session(
  boost::asio::ip::tcp::socket&& socket,
  boost::beast::http::request<boost::beast::http::string_body>&& req,
  const ws_session_options& opts, std::string remote, connection_slot slot,
  ws_opener open);

} // namespace sb
