// One HTTP/1.1 connection on the public listener, in the shape of Beast
// 1.74's advanced_server http_session: the socket and a strand, a parser
// per request with its header and body limits and timeouts, and an ordered,
// bounded queue of responses, so pipelined requests are answered in the
// order they arrived even when their handlers answer out of order. It asks
// the listener (net/http/http_listener.hpp) for the rate limit and the
// handlers, and converts messages with net/http/http_convert.hpp. An
// accepted WebSocket upgrade passes the socket and the connection's slot
// to a ws_session, as Beast's chat-multi http_session does; a streamed
// response passes them to a stream_session when its turn comes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>

#include "net/http/connection_slot.hpp"
#include "net/http/http_convert.hpp"
#include "net/http/http_server.hpp"
#include "net/http/ws_types.hpp"

namespace sb {

class http_listener;

class http_session : public std::enable_shared_from_this<http_session> {
public:
  /// Takes the accepted `socket`, whose executor must be a strand of its
  /// own, and `slot`, the connection's count, which it holds until it ends.
  http_session(boost::asio::ip::tcp::socket&& socket,
               std::shared_ptr<http_listener> listener, connection_slot slot);

  /// Starts reading requests on the connection's strand.
  void run();

  /// Any thread: moves the answer to request `seq` onto the strand, which
  /// alone touches the queue. Called exactly once per request.
  void deliver(uint64_t seq, http_response res);

private:
  // One queued response, in request order. `ready` is empty until the
  // handler answers; `open_stream` is set when the answer is a streamed
  // response (`ready` then holds its header).
  struct pending_response {
    unsigned version = 11;
    bool keep_alive = false;
    bool head = false;
    std::optional<beast_response> ready;
    event_stream_opener open_stream;
    // A request handed to the application: counted in the listener's
    // in_flight() until this entry goes (its answer written, or dropped
    // with the connection), so a drain waits for the bytes, not only for
    // the answer to be decided.
    std::shared_ptr<void> in_flight;
  };

  const http_server_options& options() const;
  template <class Fn>
  auto bind_self(Fn fn);

  // Reading: wait for the next request, parse what is buffered, read the
  // rest of the header and the body (with 100 Continue when asked).
  void do_read();
  void do_wait();
  void on_wait(boost::beast::error_code ec, size_t n);
  void start_request();
  bool parse_buffered(boost::beast::error_code& ec);
  void do_read_header();
  void on_read_header(boost::beast::error_code ec, size_t n);
  void do_continue();
  void on_continue(boost::beast::error_code ec, size_t n);
  void do_read_body();
  void on_read_body(boost::beast::error_code ec, size_t n);
  void on_read_error(boost::beast::error_code ec, const char* what);

  // Dispatching: a complete request to the handler, the rate limit or the
  // upgrade handler, each answer to its place in the queue.
  void dispatch_request();
  void reject_over_rate(uint64_t seq, long retry_after_s);
  void dispatch_upgrade(uint64_t seq, beast_request&& msg);
  void hand_over(beast_request&& msg, ws_opener open,
                 const std::optional<ws_limits>& limits);
  void on_response(uint64_t seq, http_response res);
  void hand_over_stream();
  void respond_error(unsigned status, std::string text);

  // Writing and closing: responses in order, then a half-close and drain.
  void do_write();
  void on_write(boost::beast::error_code ec, size_t n);
  void do_close();
  void do_drain();
  void on_drain(boost::beast::error_code ec, size_t n);
  void close_now();
  void fail(boost::beast::error_code ec, const char* what);

  boost::beast::tcp_stream stream_;
  const boost::asio::any_io_executor strand_;
  const std::shared_ptr<http_listener> listener_;
  const size_t max_pipeline_;
  connection_slot slot_; // passes to the ws_session on an upgrade
  std::string remote_;
  std::string peer_ip_; // the rate limit's key
  bool peer_loopback_ = false;
  boost::beast::flat_buffer buffer_;
  std::optional<
    boost::beast::http::request_parser<boost::beast::http::string_body>>
    parser_;
  std::deque<pending_response> queue_; // front is request front_seq_
  uint64_t front_seq_ = 0;
  uint64_t next_seq_ = 0;
  bool first_request_ = true;
  bool reading_ = false; // a read chain is running
  bool writing_ = false; // an async write is in progress
  bool closing_ = false; // no more requests will be read
  bool closed_ = false;  // the socket is closed
};

} // namespace sb
