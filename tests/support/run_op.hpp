// One asynchronous client operation in a loopback test, bounded: a test
// client runs its own io_context only while one of its operations is in
// flight, so a server that never answers fails the test instead of hanging
// it. (Beast's timeout options act on asynchronous operations only, and
// Asio's blocking reads ignore SO_RCVTIMEO.)
#pragma once

#include <chrono>
#include <optional>

#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/error.hpp>

namespace sb::testing {

/// Runs the operation `start(handler)` starts on `ioc` until it completes
/// or `limit` passes; past it `stop()` (which closes the socket) makes the
/// operation end, and the result is asio::error::timed_out.
/// REQUIRES: the operation is the only work on `ioc`.
template <class Start, class Stop>
boost::beast::error_code
run_op(boost::asio::io_context& ioc, Start start, Stop stop,
       std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  std::optional<boost::beast::error_code> result;
  ioc.restart();
  start([&result](boost::beast::error_code ec, auto&&...) { result = ec; });
  ioc.run_for(limit);
  if (result)
    return *result;
  stop();
  ioc.restart();
  ioc.run_for(limit);
  return boost::asio::error::timed_out;
}

} // namespace sb::testing
