// The public listener's accepting side and what its connections share, in
// the shape of Beast 1.74's chat-multi listener (with its shared_state
// folded in): the acceptor and its accept loop on a strand of their own,
// the cap on open connections, and for every http_session the options,
// the application's two handlers, the per-IP rate limiter and the count of
// requests in flight. Each session holds the listener by shared_ptr, so it
// outlives the http_server facade while any connection is open.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/error.hpp>
#include <caf/expected.hpp>

#include "net/http/http_server.hpp"
#include "net/http/rate_limiter.hpp"
#include "net/http/ws_session.hpp"

namespace sb {

class http_listener : public std::enable_shared_from_this<http_listener> {
public:
  /// Resolves and binds opts.host:opts.port and listens; accepting starts
  /// with run(). Errors: errc::bad_config naming host:port and the step
  /// (resolve, open, bind, listen) with the OS reason.
  /// REQUIRES: `handler` is set.
  static caf::expected<std::shared_ptr<http_listener>>
  open(boost::asio::io_context& ioc, const http_server_options& opts,
       http_handler handler, ws_upgrade_handler upgrade);

  /// Use open(); public only for make_shared.
  http_listener(boost::asio::io_context& ioc, const http_server_options& opts,
                http_handler handler, ws_upgrade_handler upgrade);

  /// Starts the accept loop on the listener's strand. Call once.
  void run();

  /// Closes the acceptor on its strand (posted, so thread-safe); open
  /// connections go on. Idempotent.
  void stop();

  /// The bound port. Thread-safe (fixed once open() returned).
  uint16_t port() const;
  /// See http_server::in_flight and connections. Thread-safe.
  size_t in_flight() const;
  size_t connections() const;

  // For the sessions; every one is thread-safe.

  const http_server_options& options() const;
  const ws_session_options& ws_options() const;

  /// Whether an upgrade request goes to the upgrade handler (else it is
  /// handled like any request).
  bool takes_upgrades() const;

  /// The rate limit for one request from `ip` now; see rate_limiter::allow.
  bool allow(const std::string& ip, bool loopback, long& retry_after_s);

  /// Hands a request to the application. An exception the handler throws
  /// is logged and swallowed (it must not unwind into Asio); the
  /// responder's copies are gone by then, which is what answers the client.
  void call_handler(http_request&& req, http_responder respond);

  /// Counts one request in in_flight() until the returned token is
  /// destroyed (the session holds it until the answer is written).
  std::shared_ptr<void> count_in_flight();

  /// The application's answer to an upgrade request. A handler that throws,
  /// or accepts without an open callback, is logged and turned into a
  /// refusal with 500. REQUIRES: takes_upgrades().
  ws_verdict call_upgrade_handler(http_request&& req);

private:
  caf::error listen();
  void do_accept();
  void on_accept(boost::beast::error_code ec,
                 boost::asio::ip::tcp::socket socket);
  void refuse(boost::asio::ip::tcp::socket& socket);
  void close_acceptor();

  boost::asio::io_context& ioc_;
  const http_server_options options_;
  const ws_session_options ws_options_;
  const http_handler handler_;
  const ws_upgrade_handler upgrade_; // may be empty
  const boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_timer_;
  uint16_t port_ = 0;
  std::atomic<size_t> in_flight_{0};
  std::atomic<size_t> connections_{0};
  rate_limiter limiter_;
  // Touched only on strand_ (refuse()).
  uint64_t refused_unlogged_ = 0;
  std::chrono::steady_clock::time_point refusal_logged_{};
};

} // namespace sb
