// A line-oriented listener on a Unix stream socket (Boost.Asio
// local::stream_protocol): one request per line in, one reply per line out,
// answered in the order the requests arrived on each connection. It owns the
// socket file (refusing a live one, replacing a stale one, mode 0660,
// unlinked on destruction), each peer's credentials (SO_PEERCRED), the line
// length limit and a bounded pipeline per connection. It knows nothing of
// what the lines mean or of actors: every complete line goes to a
// line_handler. The admin socket (switchboardctl) is its user.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <caf/expected.hpp>

namespace sb {

/// The connecting process, as the kernel reports it (SO_PEERCRED) when the
/// connection is accepted. pid is -1 if the kernel would not say.
struct peer_info {
  int64_t pid = -1;
  uint32_t uid = 0;
  uint32_t gid = 0;
};

/// Answers one line. Copyable; callable from any thread; the first call
/// wins and later calls are ignored. `reply` is one line without its
/// newline (the server adds it; a CR or LF inside is sent as a space, which
/// keeps any JSON text valid). Calling it after the connection closed is
/// harmless. If every copy is destroyed unanswered, the client gets
/// line_server_options::dropped_reply instead.
using line_responder = std::function<void(std::string reply)>;

/// Called on the connection's strand (an I/O thread) for every complete
/// line, without its "\n" (or "\r\n"); empty lines are skipped. It must not
/// block: hand the work off and call `respond` later, or right away. An
/// exception it throws is logged and the client gets dropped_reply.
using line_handler = std::function<void(std::string line, const peer_info& peer,
                                        line_responder respond)>;

struct line_server_options {
  size_t max_line_bytes = 64 * 1024; // longer lines get too_long_reply
  size_t max_pipeline = 16;          // lines in flight per connection
  // A connection with nothing in flight and no complete line for this long
  // is closed. Waiting for the handler never times out.
  std::chrono::milliseconds idle_timeout{300000};
  // A client that does not take a reply within this long is dropped.
  std::chrono::milliseconds write_timeout{10000};
  uint32_t file_mode = 0660;      // of the socket file, set before listen
  std::string log_name = "admin"; // prefix of log lines
  // Sent for a dropped responder or a handler that threw.
  std::string dropped_reply =
    R"json({"ok":false,"error":"internal error"})json";
  // Sent for an overlong line, whose bytes are discarded up to the next
  // newline; the connection stays usable. "{max}" becomes max_line_bytes.
  std::string too_long_reply =
    R"json({"ok":false,"error":"line too long (max {max} bytes)"})json";
};

class line_server {
public:
  /// Binds `path` and starts accepting on `ioc` (the caller runs ioc's
  /// threads). An existing socket file nobody listens on (left by a crash)
  /// is replaced. Errors (errc::bad_config, the text names the path):
  /// "another switchboardd is listening on PATH" when a live socket is
  /// there; "PATH exists and is not a socket"; a path that is empty or
  /// longer than a socket address holds; bind, chmod or listen failing,
  /// with the OS reason. Start-up must fail on any of these.
  /// REQUIRES: handler is not empty.
  static caf::expected<std::unique_ptr<line_server>>
  start(boost::asio::io_context& ioc, std::string path, line_handler handler,
        line_server_options opts = {});

  /// Stops accepting and unlinks the socket file (only if it is still the
  /// one this server bound). Open connections finish their lines.
  ~line_server();

  line_server(const line_server&) = delete;
  line_server& operator=(const line_server&) = delete;

  /// The socket file's path, as given to start().
  const std::string& path() const;

  /// Stops accepting new connections (clients then get "connection
  /// refused"); open ones keep being served. Thread-safe, idempotent.
  void stop_accepting();

  /// Lines handed to the handler and not yet answered. Thread-safe.
  size_t in_flight() const;

  struct impl;

private:
  explicit line_server(std::shared_ptr<impl> p);
  std::shared_ptr<impl> impl_;
};

} // namespace sb
