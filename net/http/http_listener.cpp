// The accept loop behind net/http/http_listener.hpp. Every acceptor
// operation runs on the listener's strand; each accepted connection gets a
// strand of its own and an http_session, which holds one connection_slot
// (the count against max_connections) until it ends or passes the socket to
// a WebSocket session. The handler calls live here because the handlers do:
// sessions only say which request, and never see the application's code
// throw.
#include "net/http/http_listener.hpp"

#include <exception>
#include <utility>

#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>

#include "core/error.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "net/http/http_convert.hpp"
#include "net/http/http_session.hpp"

namespace sb {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

constexpr auto accept_retry_delay = std::chrono::milliseconds(100);
// Refused connections are logged at most this often: a flood of them must
// not become a flood of log lines.
constexpr auto refusal_log_interval = std::chrono::seconds(10);

ws_session_options ws_options_of(const http_server_options& opts) {
  ws_session_options ws;
  ws.handshake_timeout = opts.ws_handshake_timeout;
  ws.idle_timeout = opts.ws_idle_timeout;
  ws.max_frame_bytes = opts.ws_max_frame_bytes;
  ws.send_queue_frames = opts.ws_send_queue_frames;
  return ws;
}

ws_verdict refusal_500() {
  ws_verdict refused;
  refused.refusal = plain_response(500, "internal error\n");
  return refused;
}

} // namespace

caf::expected<std::shared_ptr<http_listener>>
http_listener::open(asio::io_context& ioc, const http_server_options& opts,
                    http_handler handler, ws_upgrade_handler upgrade) {
  auto p = std::make_shared<http_listener>(ioc, opts, std::move(handler),
                                           std::move(upgrade));
  if (auto err = p->listen())
    return err;
  return p;
}

http_listener::http_listener(asio::io_context& ioc,
                             const http_server_options& opts,
                             http_handler handler, ws_upgrade_handler upgrade)
  : ioc_(ioc),
    options_(opts),
    ws_options_(ws_options_of(opts)),
    handler_(std::move(handler)),
    upgrade_(std::move(upgrade)),
    strand_(asio::make_strand(ioc)),
    acceptor_(strand_),
    retry_timer_(strand_),
    limiter_(opts.rate_limit_per_s, opts.rate_limit_burst,
             opts.rate_limit_loopback) {
}

caf::error http_listener::listen() {
  const auto where = options_.host + ":" + std::to_string(options_.port);
  auto error_at = [&](const char* step, const beast::error_code& ec) {
    return make_error(errc::bad_config, "server.listen " + where + ": cannot "
                                          + step + ": " + ec.message());
  };
  beast::error_code ec;
  tcp::resolver resolver(ioc_);
  const auto found = resolver.resolve(
    options_.host, std::to_string(options_.port),
    tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (!ec && found.empty())
    ec = asio::error::host_not_found;
  if (ec)
    return error_at("resolve", ec);
  const auto endpoint = found.begin()->endpoint();
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec)
    acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec)
    return error_at("open", ec);
  acceptor_.bind(endpoint, ec);
  if (ec)
    return error_at("bind", ec);
  acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return error_at("listen", ec);
  port_ = acceptor_.local_endpoint(ec).port();
  return {};
}

void http_listener::run() {
  // Every acceptor operation runs on its strand, this first one included.
  asio::post(strand_, [self = shared_from_this()] { self->do_accept(); });
}

void http_listener::stop() {
  asio::post(strand_, [self = shared_from_this()] { self->close_acceptor(); });
}

void http_listener::do_accept() {
  // Each connection gets a strand of its own, so its handlers never run
  // concurrently even when the caller runs ioc on several threads.
  acceptor_.async_accept(asio::make_strand(ioc_),
                         beast::bind_front_handler(&http_listener::on_accept,
                                                   shared_from_this()));
}

void http_listener::on_accept(beast::error_code ec, tcp::socket socket) {
  if (!acceptor_.is_open())
    return; // stop() or ~http_server closed it
  if (ec) {
    // Out of descriptors, typically: retrying at once would spin on an
    // error that repeats, so pause first.
    SB_LOG_WARNING("http: accept: " << ec.message());
    retry_timer_.expires_after(accept_retry_delay);
    retry_timer_.async_wait([self = shared_from_this()](beast::error_code e) {
      if (!e && self->acceptor_.is_open())
        self->do_accept();
    });
    return;
  }
  // Past the cap the connection is accepted and closed at once rather than
  // left unaccepted or answered 503: an unaccepted connection fills the
  // kernel's backlog until new clients (Twilio included) hang in connect,
  // and a 503 would hold a descriptor while the request is read and
  // answered, the very resource that is short. Closing frees it at once,
  // the client sees the refusal immediately, and the accept loop keeps
  // draining the backlog.
  if (connections_.load() >= options_.max_connections) {
    refuse(socket);
  } else {
    // The slot shares ownership of this listener, whose counter it holds.
    connection_slot slot(
      std::shared_ptr<std::atomic<size_t>>(shared_from_this(), &connections_));
    std::make_shared<http_session>(std::move(socket), shared_from_this(),
                                   std::move(slot))
      ->run();
  }
  do_accept();
}

void http_listener::refuse(tcp::socket& socket) {
  beast::error_code ec;
  socket.close(ec);
  metrics::daemon().refused_connections.inc();
  ++refused_unlogged_;
  const auto now = std::chrono::steady_clock::now();
  const bool logged_before = refusal_logged_ != decltype(refusal_logged_){};
  if (logged_before && now - refusal_logged_ < refusal_log_interval)
    return;
  SB_LOG_WARNING("http: server.max_connections ("
                 << options_.max_connections << ") reached: closed "
                 << refused_unlogged_ << " new connection(s) at accept");
  refused_unlogged_ = 0;
  refusal_logged_ = now;
}

void http_listener::close_acceptor() {
  beast::error_code ec;
  acceptor_.close(ec);
}

uint16_t http_listener::port() const {
  return port_;
}

size_t http_listener::in_flight() const {
  return in_flight_.load();
}

size_t http_listener::connections() const {
  return connections_.load();
}

const http_server_options& http_listener::options() const {
  return options_;
}

const ws_session_options& http_listener::ws_options() const {
  return ws_options_;
}

bool http_listener::takes_upgrades() const {
  return static_cast<bool>(upgrade_);
}

bool http_listener::allow(const std::string& ip, bool loopback,
                          long& retry_after_s) {
  return limiter_.allow(ip, loopback, std::chrono::steady_clock::now(),
                        retry_after_s);
}

void http_listener::call_handler(http_request&& req, http_responder respond) {
  // Exceptions must not unwind into Asio. The handler's copies of the
  // responder are gone once it has thrown, so the client still gets 503.
  try {
    handler_(std::move(req), std::move(respond));
  } catch (const std::exception& e) {
    SB_LOG_ERROR("http: request handler threw: " << e.what());
  } catch (...) {
    SB_LOG_ERROR("http: request handler threw a non-exception");
  }
}

std::shared_ptr<void> http_listener::count_in_flight() {
  in_flight_.fetch_add(1);
  return std::shared_ptr<void>(nullptr, [self = shared_from_this()](void*) {
    self->in_flight_.fetch_sub(1);
  });
}

ws_verdict http_listener::call_upgrade_handler(http_request&& req) {
  // Exceptions must not unwind into Asio: a throw is a refusal with 500.
  try {
    auto verdict = upgrade_(req);
    if (!verdict.accept || verdict.open)
      return verdict;
    SB_LOG_ERROR("http: upgrade handler accepted without an open callback");
  } catch (const std::exception& e) {
    SB_LOG_ERROR("http: upgrade handler threw: " << e.what());
  } catch (...) {
    SB_LOG_ERROR("http: upgrade handler threw a non-exception");
  }
  return refusal_500();
}

} // namespace sb
