// net/routine_end.hpp, which net/http and net/line share: tested here, in
// the suite that already builds against Beast.
#include "net/routine_end.hpp"

#include <catch2/catch.hpp>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;

} // namespace

TEST_CASE("routine ends: the peer leaving, our close, a deadline",
          "[routine_end]") {
  for (auto ec : {make_error_code(asio::error::operation_aborted),
                  make_error_code(asio::error::eof),
                  make_error_code(asio::error::connection_reset),
                  make_error_code(asio::error::connection_aborted),
                  make_error_code(asio::error::broken_pipe),
                  make_error_code(asio::error::not_connected),
                  make_error_code(asio::error::bad_descriptor),
                  make_error_code(beast::error::timeout),
                  make_error_code(beast::http::error::end_of_stream),
                  make_error_code(beast::http::error::partial_message),
                  make_error_code(beast::websocket::error::closed)}) {
    INFO(ec.message());
    CHECK(sb::is_routine_end(ec));
  }
}

TEST_CASE("faults are not routine ends", "[routine_end]") {
  for (auto ec : {boost::system::error_code{},
                  make_error_code(asio::error::no_descriptors),
                  make_error_code(asio::error::access_denied),
                  make_error_code(beast::http::error::bad_method),
                  make_error_code(beast::http::error::body_limit),
                  make_error_code(beast::websocket::error::buffer_overflow)}) {
    INFO(ec.message());
    CHECK_FALSE(sb::is_routine_end(ec));
  }
}
