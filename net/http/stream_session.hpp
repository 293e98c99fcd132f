// The server side of one streamed response (Server-Sent Events) on the
// public listener, for net/http/http_session.cpp: when a response with
// http_response::open_stream comes to its turn, the HTTP session hands the
// socket, its header and the connection's slot (net/http/connection_slot.hpp)
// to start_stream_session, which owns the connection from then on. Knows
// nothing of actors; the application sees only event_stream
// (net/http/http_types.hpp).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include <boost/asio/ip/tcp.hpp>

#include "net/http/connection_slot.hpp"
#include "net/http/http_types.hpp"

namespace sb {

/// The session's limits; http_server_options::stream_* are the source.
struct stream_session_options {
  // Each write (the header, then the application's bytes) must finish in
  // this long; one that cannot (a peer that stopped reading with full
  // buffers) ends the stream. Also bounds the wait for the peer's close
  // after ours.
  std::chrono::milliseconds write_timeout{10000};
  // Bytes taken by send() and not yet written; more ends the stream with
  // "send queue full".
  size_t max_queued_bytes = 1024 * 1024;
};

/// Takes over `socket`, whose request the HTTP session has answered with a
/// streamed response; the socket's executor must be the connection's
/// strand. Queues `header` (status line and fields, see to_stream_header),
/// then calls `open` on the strand and writes what the application sends,
/// in order, until the stream ends. Nothing the peer sends is read as a
/// request: a read stays pending only to notice the peer going away. There
/// is no idle limit (the application sends heartbeats). An exception from
/// `open` is logged and ends the connection at once, with no on_closed.
/// The session keeps itself alive through its pending operations; `slot`
/// lives as long as it does. `remote` is the peer's "ip:port", for log
/// lines.
/// REQUIRES: no other operation runs on `socket`.
void start_stream_session(boost::asio::ip::tcp::socket&& socket,
                          std::string header,
                          const stream_session_options& opts,
                          std::string remote, connection_slot slot,
                          event_stream_opener open);

} // namespace sb
