// A small blocking WebSocket client (Beast, plain TCP) for the simulator's
// single calls over ConversationRelay and Media Streams: it opens the
// socket Twilio would open to the daemon, sends and reads text frames,
// and closes. Every operation has a
// finite deadline. A read that runs out of time leaves the socket open
// and the frame still on its way: the next read_text() picks it up, so a
// caller can listen for a while and then go on talking or hang up
// cleanly. Not thread-safe: one client, one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <caf/expected.hpp>

namespace sb {

/// One message from the peer, or the peer's close.
struct ws_message {
  bool closed = false;      // the peer closed the WebSocket
  std::string text;         // the message (empty when closed)
  bool binary = false;      // a binary message (Twilio never sends one)
  uint16_t close_code = 0;  // closed: the peer's code; 1005 if it gave none
  std::string close_reason; // closed: the peer's reason, may be empty
};

class relay_client {
public:
  /// `io_timeout` bounds connecting (resolve, TCP, upgrade), each send
  /// and the closing handshake.
  explicit relay_client(
    std::chrono::milliseconds io_timeout = std::chrono::seconds(10));

  /// Drops the connection without a closing handshake if still open.
  ~relay_client();
  relay_client(const relay_client&) = delete;
  relay_client& operator=(const relay_client&) = delete;

  using headers = std::vector<std::pair<std::string, std::string>>;

  /// Connects to host:port over TCP and upgrades with a GET of `target`,
  /// sending `extra` headers too (e.g. X-Twilio-Signature); the Host header
  /// is host[:port]. Errors: errc::unauthorized if the daemon answers the
  /// upgrade with 401 or 403 and errc::backend_failed for any other
  /// refusal, both "handshake refused: HTTP <status>"; errc::timed_out;
  /// errc::backend_failed for resolve and connect failures.
  /// REQUIRES: not connected (a client connects once).
  caf::expected<void> connect(const std::string& host, const std::string& port,
                              const std::string& target,
                              const headers& extra = {});

  /// The HTTP status of the upgrade's answer: 101 once connected, the
  /// refusal's status (403...) after a refused handshake, 0 before any.
  int handshake_status() const;

  /// True from a successful connect until a close, a failure or the
  /// peer's close.
  bool is_open() const;

  /// Sends one text message. Errors: errc::backend_failed if not open or
  /// the write fails; errc::timed_out (the connection is then dropped).
  caf::expected<void> send_text(std::string_view text);

  /// The next message, or the peer's close (ws_message::closed, after
  /// which is_open() is false). A zero `timeout` takes only a message that
  /// has already arrived. Errors: errc::timed_out if none arrives within
  /// `timeout` (the connection stays open and the read goes on in the
  /// next call); errc::backend_failed if not open or the connection
  /// fails.
  caf::expected<ws_message> read_text(std::chrono::milliseconds timeout);

  /// Closes with `code` and `reason`, waiting for the peer's close frame.
  /// Messages still arriving are dropped. A no-op when not open. Errors:
  /// errc::timed_out or errc::backend_failed; the connection is dropped
  /// either way.
  caf::expected<void> close(uint16_t code = 1000, std::string_view reason = {});

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace sb
