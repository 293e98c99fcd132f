// The listener's count of one open connection, held by whichever session
// owns the socket: an http_session, then the ws_session it hands an
// accepted upgrade to. Counting by ownership keeps the count right however
// a connection ends, and lets it pass with the socket.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>

namespace sb {

/// One connection counted in the listener's open-connection count (held
/// against http_server_options::max_connections) and in the
/// switchboard_http_connections gauge. Whichever session owns the socket
/// holds the slot; destroying it ends the count. Move-only; a moved-from
/// slot counts nothing.
class connection_slot {
public:
  /// Counts one connection in `*count` and in the gauge.
  /// REQUIRES: count != nullptr (it must outlive the slot: pass a pointer
  /// that shares ownership of whatever holds the counter).
  explicit connection_slot(std::shared_ptr<std::atomic<size_t>> count);
  connection_slot(connection_slot&&) noexcept = default;
  connection_slot(const connection_slot&) = delete;
  connection_slot& operator=(const connection_slot&) = delete;
  connection_slot& operator=(connection_slot&&) = delete;
  ~connection_slot();

private:
  std::shared_ptr<std::atomic<size_t>> count_;
};

} // namespace sb
