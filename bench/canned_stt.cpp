// canned_stt: one session per connection, the paced_model pattern: a
// request read whole with Beast's parser (its body is read and dropped),
// the answer written from a timer, then the next request. Sessions hold a
// plain pointer to the server: the io_context owns every pending handler,
// and so every session, and it is destroyed (with them, unrun) before the
// rest of the server.
#include "canned_stt.hpp"

#include <atomic>
#include <optional>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "loopback_listener.hpp"

namespace sb::bench {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// The text as a JSON string's contents: the bench's own words, so only
// quotes and backslashes need escaping.
std::string json_text(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out;
}

} // namespace

struct canned_stt::impl {
  explicit impl(canned_stt_options o)
    : opts(std::move(o)),
      answer(R"({"text":")" + json_text(opts.text) + R"("})") {
  }

  // Destroyed in reverse: the listener first (its thread joined, then
  // every session, inside its io_context), before the options and the
  // counter.
  canned_stt_options opts;
  std::string answer;
  std::atomic<uint64_t> answered{0};
  std::unique_ptr<loopback_listener> listener;
};

namespace {

class session : public std::enable_shared_from_this<session> {
public:
  session(tcp::socket s, canned_stt::impl* server)
    : stream_(std::move(s)), timer_(stream_.get_executor()), server_(server) {
  }

  void do_read() {
    parser_.emplace();
    parser_->body_limit(16 << 20); // a whole 30 s utterance is ~1 MB
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       if (!ec)
                         self->on_request();
                     });
  }

private:
  void on_request() {
    const auto& req = parser_->get();
    res_ = {};
    res_.version(11);
    res_.keep_alive(req.keep_alive());
    if (req.method() == http::verb::get && req.target() == "/health") {
      res_.result(http::status::ok);
      res_.set(http::field::content_type, "application/json");
      res_.body() = R"({"status":"ok"})";
      return do_write();
    }
    if (req.method() != http::verb::post || req.target() != "/inference") {
      res_.result(http::status::not_found);
      res_.set(http::field::content_type, "text/plain");
      res_.body() = "no such route\n";
      return do_write();
    }
    res_.result(http::status::ok);
    res_.set(http::field::content_type, "application/json");
    res_.body() = server_->answer;
    // The recogniser's time, on a timer: the thread serves the others.
    timer_.expires_after(server_->opts.delay);
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec)
        return;
      self->server_->answered.fetch_add(1);
      self->do_write();
    });
  }

  void do_write() {
    res_.prepare_payload();
    http::async_write(
      stream_, res_, [self = shared_from_this()](beast::error_code ec, size_t) {
        if (!ec && self->res_.keep_alive())
          self->do_read();
      });
  }

  beast::tcp_stream stream_;
  asio::steady_timer timer_;
  canned_stt::impl* server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
};

} // namespace

canned_stt::canned_stt(canned_stt_options opts)
  : impl_(std::make_unique<impl>(std::move(opts))) {
  impl_->listener = std::make_unique<loopback_listener>(
    [server = impl_.get()](tcp::socket s) {
      std::make_shared<session>(std::move(s), server)->do_read();
    });
}

canned_stt::~canned_stt() = default;

std::string canned_stt::base_url() const {
  return impl_->listener->base_url();
}

uint64_t canned_stt::answered() const {
  return impl_->answered.load();
}

} // namespace sb::bench
