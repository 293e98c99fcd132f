// The facade behind net/http/http_server.hpp. The work is split by job as
// in Beast 1.74's examples: http_listener (accept loop, connection cap,
// what sessions share), http_session (one per connection: strand,
// timeouts, pipelining queue), http_convert (Beast messages to and from
// the plain http_request/http_response) and ws_session (an accepted
// upgrade). This file only starts the listener and answers for it.
#include "net/http/http_server.hpp"

#include <utility>

#include "core/error.hpp"
#include "net/http/http_listener.hpp"

namespace sb {

caf::expected<std::unique_ptr<http_server>>
http_server::start(boost::asio::io_context& ioc,
                   const http_server_options& opts, http_handler handler,
                   ws_upgrade_handler upgrade) {
  if (!handler)
    return make_error(errc::bad_config, "server.listen: no request handler");
  auto listener = http_listener::open(ioc, opts, std::move(handler),
                                      std::move(upgrade));
  if (!listener)
    return listener.error();
  (*listener)->run();
  return std::unique_ptr<http_server>(new http_server(std::move(*listener)));
}

http_server::http_server(std::shared_ptr<http_listener> listener)
  : listener_(std::move(listener)) {
}

http_server::~http_server() {
  // Posted, not run here: the acceptor belongs to its strand. If ioc is
  // stopped the close waits in the queue and the acceptor goes with ioc.
  stop_accepting();
}

uint16_t http_server::port() const {
  return listener_->port();
}

void http_server::stop_accepting() {
  listener_->stop();
}

size_t http_server::in_flight() const {
  return listener_->in_flight();
}

size_t http_server::connections() const {
  return listener_->connections();
}

} // namespace sb
