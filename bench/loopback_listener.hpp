// The listening half of the bench's local servers (paced_model,
// canned_stt): a socket on 127.0.0.1 and a free port, and one I/O thread
// that accepts and hands each connection (TCP_NODELAY set: small writes
// go out at once) to the server's `serve`, which starts a session on the
// same thread. Sessions live in the io_context's pending handlers;
// destroying the listener stops the thread and then the io_context, and
// with it every session, unrun.
#pragma once

#include <functional>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace sb::bench {

class loopback_listener {
public:
  using serve_fn = std::function<void(boost::asio::ip::tcp::socket)>;

  /// Listens and starts the thread. Throws boost::system::system_error if
  /// it cannot listen (a bench program, where that ends the run).
  explicit loopback_listener(serve_fn serve);
  ~loopback_listener();
  loopback_listener(const loopback_listener&) = delete;
  loopback_listener& operator=(const loopback_listener&) = delete;

  /// "http://127.0.0.1:<port>"
  std::string base_url() const;

private:
  void do_accept();

  serve_fn serve_;
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::acceptor acceptor_{ioc_};
  std::thread thread_;
};

} // namespace sb::bench
