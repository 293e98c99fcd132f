// json_responder: one session per connection (read with Beast's parser,
// answer, read again), as paced_model's sessions, without timers. The
// stamps are taken in the completion handlers: "read" once Beast has the
// whole request, "written" once the answer's last byte was handed to the
// kernel.
#include "json_responder.hpp"

#include <optional>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "loopback_listener.hpp"
#include "paced_model.hpp"

namespace sb::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct json_responder::impl {
  explicit impl(handler h) : answer(std::move(h)) {
  }
  handler answer;
  mutable std::mutex mtx;
  std::vector<responder_exchange> done;
  std::unique_ptr<loopback_listener> listener;
};

namespace {

class session : public std::enable_shared_from_this<session> {
public:
  session(tcp::socket s, json_responder::impl* r)
    : socket_(std::move(s)), responder_(r) {
  }

  void do_read() {
    parser_.emplace();
    parser_->body_limit(8 << 20);
    http::async_read(socket_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       if (!ec)
                         self->answer();
                     });
  }

private:
  void answer() {
    exchange_ = {};
    exchange_.read_ns = steady_ns();
    auto req = parser_->release();
    exchange_.target = std::string(req.target());
    exchange_.body = std::move(req.body());
    auto a = responder_->answer(exchange_.target, exchange_.body);
    response_ = {};
    response_.result(static_cast<http::status>(a.status));
    response_.version(11);
    response_.keep_alive(true);
    if (!a.body.empty())
      response_.set(http::field::content_type, a.content_type);
    response_.body() = std::move(a.body);
    response_.prepare_payload();
    http::async_write(
      socket_, response_,
      [self = shared_from_this()](beast::error_code ec, size_t) {
        if (ec)
          return;
        self->exchange_.written_ns = steady_ns();
        {
          std::lock_guard<std::mutex> lock(self->responder_->mtx);
          self->responder_->done.push_back(std::move(self->exchange_));
        }
        self->do_read();
      });
  }

  tcp::socket socket_;
  json_responder::impl* responder_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  responder_exchange exchange_;
};

} // namespace

json_responder::json_responder(handler h)
  : impl_(std::make_unique<impl>(std::move(h))) {
  impl_->listener = std::make_unique<loopback_listener>(
    [r = impl_.get()](tcp::socket s) {
      std::make_shared<session>(std::move(s), r)->do_read();
    });
}

json_responder::~json_responder() {
  // The listener (its thread and every session) goes before the rest.
  impl_->listener.reset();
}

std::string json_responder::base_url() const {
  return impl_->listener->base_url();
}

std::vector<responder_exchange> json_responder::exchanges() const {
  std::lock_guard<std::mutex> lock(impl_->mtx);
  return impl_->done;
}

} // namespace sb::bench
