// What the application sees of a WebSocket accepted on the public listener
// (net/http/http_server.hpp): the channel it sends on, the events it receives
// and its answer to an upgrade request. No Beast or CAF types, so app/ code can
// include it; the session behind ws_channel is net/http/ws_session.cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "net/http/http_types.hpp"

namespace sb {

/// One accepted WebSocket, as the application sees it. Implemented by the
/// session in net/http/ws_session.cpp; the application holds it only through
/// the weak_ptr it was given, which expires when the session ends.
class ws_channel {
public:
  virtual ~ws_channel() = default;

  /// Any thread. Queues one text frame after those already queued. Returns
  /// false and drops the frame once the channel is closing/closed. If
  /// `send_queue_frames` frames are already waiting (queued or being
  /// written: a peer that stopped reading), the frame is dropped, so are
  /// the frames still waiting, the connection is closed with code 1008
  /// "send queue full", and false is returned. A frame that races a close()
  /// from another thread may be dropped although true was returned.
  /// REQUIRES: `frame` is UTF-8 (the peer may close on invalid text).
  virtual bool send_text(std::string frame) = 0;

  /// Any thread. Sends a close frame with `code`/`reason` after the frames
  /// already queued, then ends the session (on_closed follows). Idempotent;
  /// later send_text calls return false. The reason is cut to the 123 bytes
  /// a close frame can carry. The whole close, draining included, is
  /// bounded by ws_handshake_timeout; past it the socket is closed.
  /// REQUIRES: `code` may be sent in a close frame (1000-1003, 1007-1011,
  /// 3000-4999).
  virtual void close(uint16_t code, std::string reason) = 0;
};

/// What the session tells the application. Both run on the session's strand
/// and must not block; an exception on_text throws is logged and closes the
/// session (1011 "internal error"). No on_text follows close() or the
/// session's own decision to close. The session drops both callbacks when
/// it ends; until then it owns them, so they should hold the channel by
/// weak_ptr (a shared_ptr there would keep a session whose io_context is
/// destroyed alive, and its on_closed would never come).
struct ws_events {
  /// Each complete text message, in order.
  std::function<void(std::string text)> on_text;
  /// Exactly once, when the session ends for ANY reason, with why:
  ///   "closed by peer (code N)"      the peer's close frame (1005: no code)
  ///   "closed by us (code N: text)"  after close(code, text)
  ///   "idle timeout"                 no data, not even a pong
  ///   "message too large"            over ws_max_frame_bytes (sent 1009)
  ///   "binary frame"                 (sent 1003)
  ///   "send queue full"              (sent 1008)
  ///   "on_text failed"               on_text threw (sent 1011)
  ///   "read error: ...", "write error: ..."  the connection broke
  ///   "server stopped"               the io_context was destroyed with the
  ///       session open: this one comes from the session's destructor, so
  ///       the callback must be safe to run then.
  /// The channel is closed (send_text returns false) by the time it runs.
  std::function<void(std::string why)> on_closed;
};

/// Called once per accepted upgrade; see ws_verdict::open.
using ws_opener = std::function<ws_events(std::weak_ptr<ws_channel>)>;

/// A socket's own limits, where they differ from the listener's
/// (http_server_options::ws_*): each WebSocket protocol has its own.
struct ws_limits {
  std::chrono::milliseconds idle_timeout{60000};
  size_t max_frame_bytes = 65536;
  size_t send_queue_frames = 1024;
};

/// The application's answer to an upgrade request.
struct ws_verdict {
  bool accept = false;
  /// !accept: sent as the HTTP answer (e.g. 403), then the connection
  /// closes.
  http_response refusal;
  /// accept: called once, on the session's strand, after the WebSocket
  /// handshake succeeded and before any event; the weak_ptr is the session
  /// (expires when it ends). Returns the event callbacks. Never called if
  /// the handshake fails (then no event comes either). If it throws, the
  /// session closes with 1011 and no event comes. REQUIRES: set when
  /// `accept` (otherwise the request is answered 500).
  ws_opener open;
  /// accept: this socket's limits; empty: the listener's.
  std::optional<ws_limits> limits;
};

/// Called on an I/O thread for a request that asks for a WebSocket upgrade.
/// Must not block. An exception it throws is logged and answered 500.
using ws_upgrade_handler = std::function<ws_verdict(const http_request&)>;

} // namespace sb
