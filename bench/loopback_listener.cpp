// loopback_listener: accept, hand over, accept again; an accept error
// (the io_context stopping) ends the loop.
#include "loopback_listener.hpp"

namespace sb::bench {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

loopback_listener::loopback_listener(serve_fn serve)
  : serve_(std::move(serve)) {
  tcp::endpoint ep{asio::ip::make_address("127.0.0.1"), 0};
  acceptor_.open(ep.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(ep);
  acceptor_.listen(asio::socket_base::max_listen_connections);
  do_accept();
  thread_ = std::thread([this] { ioc_.run(); });
}

loopback_listener::~loopback_listener() {
  ioc_.stop();
  thread_.join();
}

std::string loopback_listener::base_url() const {
  return "http://127.0.0.1:"
         + std::to_string(acceptor_.local_endpoint().port());
}

void loopback_listener::do_accept() {
  acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket s) {
    if (ec)
      return;
    s.set_option(tcp::no_delay(true), ec);
    serve_(std::move(s));
    do_accept();
  });
}

} // namespace sb::bench
