// Which I/O errors mean a connection ended the way connections normally do,
// for every listener in net/ (the public HTTP and WebSocket sessions in
// net/http, the admin socket's line sessions in net/line): the peer left or
// closed, a deadline passed, or we closed the socket ourselves. Sessions
// log every other error and stay quiet about these; on a public port they
// would bury real faults. Header-only, so net/http and net/line share it
// without a library between them.
#pragma once

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/websocket/error.hpp>
#include <boost/system/error_code.hpp>

namespace sb {

/// True for the ends every connection may meet: ours (operation_aborted,
/// bad_descriptor, not_connected after a close), the peer's (eof, reset,
/// aborted, broken pipe, HTTP end of stream or a message cut short, a
/// WebSocket close) and a deadline (Beast's timeout). A listener that never
/// sees the protocol-level codes (the line server) is not harmed by them.
inline bool is_routine_end(const boost::system::error_code& ec) {
  namespace asio = boost::asio;
  namespace beast = boost::beast;
  return ec == asio::error::operation_aborted || ec == asio::error::eof
         || ec == asio::error::connection_reset
         || ec == asio::error::connection_aborted
         || ec == asio::error::broken_pipe || ec == asio::error::not_connected
         || ec == asio::error::bad_descriptor || ec == beast::error::timeout
         || ec == beast::http::error::end_of_stream
         || ec == beast::http::error::partial_message
         || ec == beast::websocket::error::closed;
}

} // namespace sb
