// switchboardctl's side of the admin socket: connect to the daemon's Unix
// socket, send one request line, read one reply line, all within a
// deadline. Knows the framing (one line each way) and how "nobody is
// listening" looks, nothing of what the lines mean.
#pragma once

#include <chrono>
#include <string>

namespace sb {

enum class exchange_status {
  ok,        // `reply` holds the daemon's line
  no_daemon, // no socket file, or nothing listening on it
  failed,    // anything else; `error` says what
};

struct exchange_result {
  exchange_status status = exchange_status::failed;
  std::string reply; // without its newline
  std::string error; // e.g. "Permission denied", "no reply within 10 s"
};

/// Connects to `socket_path`, writes `request` and a newline, and reads
/// one line back (at most 64 MiB). Blocks the calling thread for at most
/// `timeout` in all. Never throws.
/// REQUIRES: `request` holds no newline.
exchange_result exchange_line(const std::string& socket_path,
                              const std::string& request,
                              std::chrono::milliseconds timeout);

} // namespace sb
