// The public HTTP/1.1 listener (Boost.Beast): keep-alive, body-size limit
// (413), header/body read timeouts, a bounded pipeline per connection, a
// cap on open connections, an optional per-client-IP request rate (429),
// and Content-Length on every response (Twilio cannot read chunked TwiML)
// but a streamed one. A streamed response (http_response::open_stream,
// Server-Sent Events) takes its connection over: its body is written as the
// application sends it until either side closes (net/http/stream_session.hpp).
// It also takes WebSocket upgrades (Twilio's ConversationRelay) when given
// a ws_upgrade_handler: the handler accepts or refuses each one, and an
// accepted connection becomes a WebSocket session (net/http/ws_types.hpp) that
// still counts as an open connection. Knows nothing of actors: every other
// complete request goes to an http_handler.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <caf/expected.hpp>

#include "net/http/http_types.hpp"
#include "net/http/ws_types.hpp"

namespace sb {

class http_listener; // net/http/http_listener.hpp

struct http_server_options {
  std::string host = "127.0.0.1";
  uint16_t port = 0; // 0 = any free port
  uint64_t max_body_bytes = 65536;
  std::chrono::milliseconds header_timeout{10000};
  std::chrono::milliseconds body_timeout{10000};
  std::chrono::milliseconds idle_timeout{60000}; // between keep-alive requests
  size_t max_pipeline = 8; // requests in flight per connection
  // Past this many open connections a new one is accepted and closed at
  // once (counted in switchboard_http_rejected_total).
  size_t max_connections = 20000;
  // Token bucket per client IP: `rate_limit_burst` requests at once, then
  // `rate_limit_per_s` a second; over it the answer is 429 with
  // Retry-After. 0 = off. Loopback clients are exempt unless
  // `rate_limit_loopback` (see net/http/rate_limiter.hpp).
  double rate_limit_per_s = 0;
  double rate_limit_burst = 100;
  bool rate_limit_loopback = false;
  // WebSocket sessions (see ws_channel, and ws_session_options in
  // net/http/ws_session.hpp): opening and closing handshake limit; idle limit
  // (a ping at half of it, the end at all of it); the largest message
  // taken (a larger one closes with 1009); frames waiting to be sent
  // before the session closes with 1008.
  std::chrono::milliseconds ws_handshake_timeout{10000};
  std::chrono::milliseconds ws_idle_timeout{60000};
  size_t ws_max_frame_bytes = 65536;
  size_t ws_send_queue_frames = 1024;
  // Streamed responses (http_response::open_stream, net/http/
  // stream_session.hpp): bytes sent and not yet written past which the
  // stream ends with "send queue full" (a reader that stopped reading);
  // how long one write may take before the stream ends (the same reader,
  // once the socket's buffers are full). A stream has no read or idle
  // timeout: it lasts as long as both sides keep it.
  size_t stream_max_queued_bytes = 1024 * 1024;
  std::chrono::milliseconds stream_write_timeout{10000};
};

class http_server {
public:
  /// Binds and starts accepting on `ioc` (the caller runs ioc's threads).
  /// A WebSocket upgrade request (GET with Upgrade: websocket) goes to
  /// `upgrade` when it is set, else to `handler` like any request. An
  /// upgrade is answered 400 and the connection closed when it does not
  /// stand alone: responses still owed ahead of it (pipelining) or bytes
  /// sent after it before the handshake's answer (RFC 6455 4.1). The rate
  /// limit applies to upgrades as to any request.
  /// Errors: errc::bad_config naming host:port and the OS reason when the
  /// address cannot be resolved or bound — start-up must fail, not limp on.
  static caf::expected<std::unique_ptr<http_server>>
  start(boost::asio::io_context& ioc, const http_server_options& opts,
        http_handler handler, ws_upgrade_handler upgrade = {});

  ~http_server();

  /// The bound port (useful when opts.port was 0).
  uint16_t port() const;

  /// Stops accepting new connections; open ones finish their requests.
  /// Open WebSocket sessions and streamed responses go on until they end
  /// (or ioc is destroyed: on_closed("server stopped")).
  /// Thread-safe.
  void stop_accepting();

  /// Number of requests handed to the handler whose answers are not yet
  /// written (or dropped with their connection): what a drain waits for.
  size_t in_flight() const;

  /// Number of connections open now (closed ones whose handler has not
  /// answered yet included, WebSocket sessions and streamed responses
  /// included).
  size_t connections() const;

private:
  explicit http_server(std::shared_ptr<http_listener> listener);
  std::shared_ptr<http_listener> listener_;
};

} // namespace sb
