// The relay WebSocket client: Beast's asynchronous operations driven to
// completion on a private io_context, so each call blocks and has a
// deadline. Connecting and the upgrade are bounded by the tcp_stream's
// own expiry. Reads are bounded by a steady_timer instead: a tcp_stream
// expiry closes the socket, and a read that runs out of time must leave
// the session usable (the caller listens, then goes on or hangs up), so
// the read stays in flight past read_text() and the next call waits on
// it. Sends and the close run beside that read, and a tcp_stream expiry
// set then would reach the read too, so they take the timer as well and
// drop the connection when it fires. Every handler that points at a local
// runs before the function that owns the local returns.
#include "cli/sim/relay_client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "core/error.hpp"

namespace sb {

namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using std::chrono::milliseconds;

// Twilio's frames are small; a daemon frame beyond this is a bug.
constexpr size_t max_message_bytes = 1 << 20;

std::string ms_text(milliseconds ms) {
  return std::to_string(ms.count()) + " ms";
}

} // namespace

struct relay_client::impl {
  explicit impl(milliseconds t) : io_timeout(t) {
  }

  milliseconds io_timeout;
  net::io_context ioc;
  websocket::stream<beast::tcp_stream> ws{ioc};
  net::steady_timer timer{ioc};
  beast::flat_buffer buffer;
  int status = 0;
  bool open = false;
  // The read in flight, which may outlive the read_text() that began it.
  bool reading = false;
  bool read_done = false;
  beast::error_code read_ec;

  // Runs handlers until `done()` or until `limit` has passed; returns
  // done(). The timer's own handler has run when this returns.
  template <class Done>
  bool run_until(Done done, milliseconds limit) {
    bool expired = false;
    bool timer_ran = false;
    timer.expires_after(limit);
    timer.async_wait([&](const beast::error_code& ec) {
      timer_ran = true;
      expired = !ec;
    });
    ioc.restart();
    while (!done() && !expired)
      ioc.run_one();
    timer.cancel();
    while (!timer_ran)
      ioc.run_one();
    return done();
  }

  // Runs handlers until nothing is pending (a connect or an upgrade, whose
  // tcp_stream expiry guarantees they end).
  void run_all() {
    ioc.restart();
    ioc.run();
  }

  // Drops the connection: every pending operation ends with an error and
  // its handler runs here.
  void drop() {
    beast::error_code ignored;
    beast::get_lowest_layer(ws).socket().close(ignored);
    open = false;
    run_all();
  }

  void start_read() {
    reading = true;
    ws.async_read(buffer, [this](const beast::error_code& ec, size_t) {
      reading = false;
      read_done = true;
      read_ec = ec;
      if (ec)
        open = false;
    });
  }

  caf::error handshake(const std::string& host_header,
                       const std::string& target, const headers& extra);
};

relay_client::relay_client(milliseconds io_timeout)
  : impl_(std::make_unique<impl>(io_timeout)) {
  // nop
}

relay_client::~relay_client() {
  // Whatever is still pending must finish while impl_ is alive.
  impl_->drop();
}

int relay_client::handshake_status() const {
  return impl_->status;
}

bool relay_client::is_open() const {
  return impl_->open;
}

caf::expected<void>
relay_client::connect(const std::string& host, const std::string& port,
                      const std::string& target, const headers& extra) {
  auto& d = *impl_;
  auto where = host + ":" + port;
  // The system resolver bounds its own time (resolv.conf); the daemon is
  // normally an address anyway.
  beast::error_code ec;
  tcp::resolver resolver{d.ioc};
  auto endpoints = resolver.resolve(host, port, ec);
  if (ec)
    return make_error(errc::backend_failed,
                      "resolve " + where + ": " + ec.message());
  auto& stream = beast::get_lowest_layer(d.ws);
  stream.expires_after(d.io_timeout);
  stream.async_connect(endpoints, [&](const beast::error_code& e,
                                      const tcp::endpoint&) { ec = e; });
  d.run_all();
  if (ec == beast::error::timeout)
    return make_error(errc::timed_out, "connect " + where
                                         + ": no answer within "
                                         + ms_text(d.io_timeout));
  if (ec)
    return make_error(errc::backend_failed,
                      "connect " + where + ": " + ec.message());
  // Frames are small and timed: Nagle's algorithm would hold a prompt
  // back behind the setup frame's unacknowledged bytes.
  stream.socket().set_option(tcp::no_delay(true), ec);
  // The Host header as a browser writes it: the port only if not 80.
  auto host_name = host.find(':') != std::string::npos ? "[" + host + "]"
                                                       : host;
  if (auto err = d.handshake(port == "80" ? host_name : host_name + ":" + port,
                             target, extra)) {
    d.drop();
    return err;
  }
  return {};
}

caf::error relay_client::impl::handshake(const std::string& host_header,
                                         const std::string& target,
                                         const headers& extra) {
  // Deadlines come from this class, not from the stream's own timeouts.
  ws.set_option(websocket::stream_base::timeout{
    websocket::stream_base::none(), websocket::stream_base::none(), false});
  ws.set_option(
    websocket::stream_base::decorator([extra](websocket::request_type& req) {
      for (const auto& [name, value] : extra)
        req.set(name, value);
    }));
  ws.read_message_max(max_message_bytes);
  websocket::response_type res;
  beast::error_code ec;
  auto& stream = beast::get_lowest_layer(ws);
  stream.expires_after(io_timeout);
  ws.async_handshake(res, host_header, target,
                     [&](const beast::error_code& e) { ec = e; });
  run_all();
  stream.expires_never();
  if (ec == websocket::error::upgrade_declined) {
    status = res.result_int();
    return make_error(status == 401 || status == 403 ? errc::unauthorized
                                                     : errc::backend_failed,
                      "handshake refused: HTTP " + std::to_string(status));
  }
  if (ec == beast::error::timeout)
    return make_error(errc::timed_out,
                      "handshake: no answer within " + ms_text(io_timeout));
  if (ec)
    return make_error(errc::backend_failed, "handshake: " + ec.message());
  status = res.result_int();
  open = true;
  ws.text(true);
  return caf::none;
}

caf::expected<void> relay_client::send_text(std::string_view text) {
  auto& d = *impl_;
  if (!d.open)
    return make_error(errc::backend_failed, "send: the socket is not open");
  bool done = false;
  beast::error_code ec;
  d.ws.async_write(net::buffer(text.data(), text.size()),
                   [&](const beast::error_code& e, size_t) {
                     ec = e;
                     done = true;
                   });
  if (!d.run_until([&] { return done; }, d.io_timeout)) {
    d.drop();
    return make_error(errc::timed_out,
                      "send: not written within " + ms_text(d.io_timeout));
  }
  if (ec) {
    d.drop();
    return make_error(errc::backend_failed, "send: " + ec.message());
  }
  return {};
}

caf::expected<ws_message> relay_client::read_text(milliseconds timeout) {
  auto& d = *impl_;
  if (!d.read_done && !d.reading) {
    if (!d.open)
      return make_error(errc::backend_failed, "read: the socket is not open");
    d.start_read();
  }
  if (!d.read_done && timeout.count() <= 0) {
    // Only what has already arrived: handlers that are ready run, none is
    // waited for.
    d.ioc.restart();
    d.ioc.poll();
  }
  if (!d.read_done && timeout.count() <= 0)
    return make_error(errc::timed_out, "read: no message waiting");
  if (!d.read_done && !d.run_until([&] { return d.read_done; }, timeout))
    return make_error(errc::timed_out,
                      "read: no message within " + ms_text(timeout));
  d.read_done = false;
  ws_message out;
  if (d.read_ec == websocket::error::closed) {
    out.closed = true;
    auto reason = d.ws.reason();
    out.close_code = reason.code == websocket::close_code::none
                       ? 1005 // RFC 6455 7.1.5: no status code received
                       : static_cast<uint16_t>(reason.code);
    out.close_reason.assign(reason.reason.data(), reason.reason.size());
    return out;
  }
  if (d.read_ec) {
    auto why = d.read_ec.message();
    d.drop();
    return make_error(errc::backend_failed, "read: " + why);
  }
  out.binary = !d.ws.got_text();
  out.text = beast::buffers_to_string(d.buffer.data());
  d.buffer.consume(d.buffer.size());
  return out;
}

caf::expected<void> relay_client::close(uint16_t code,
                                        std::string_view reason) {
  auto& d = *impl_;
  if (!d.open) {
    d.drop(); // a read may still be in flight on a failed stream
    return {};
  }
  d.open = false;
  bool done = false;
  beast::error_code ec;
  // A close reason holds at most 123 bytes (RFC 6455 5.5: 125 in all).
  reason = reason.substr(0, 123);
  websocket::close_reason why{static_cast<websocket::close_code>(code),
                              beast::string_view{reason.data(), reason.size()}};
  d.ws.async_close(why, [&](const beast::error_code& e) {
    ec = e;
    done = true;
  });
  // A read in flight gives way to the close and ends as operation_aborted.
  bool finished = d.run_until([&] { return done && !d.reading; }, d.io_timeout);
  d.read_done = false;
  if (!finished) {
    d.drop();
    return make_error(errc::timed_out,
                      "close: the closing handshake took more than "
                        + ms_text(d.io_timeout));
  }
  if (ec) {
    d.drop();
    return make_error(errc::backend_failed, "close: " + ec.message());
  }
  return {};
}

} // namespace sb
