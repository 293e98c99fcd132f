// paced_model: one session per connection, reading a request with Beast's
// parser and answering with a chunked NDJSON stream whose chunks are
// written on timers; the stamp is taken just before the first chunk's
// write is started.
#include "paced_model.hpp"

#include <atomic>
#include <optional>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace sb::bench {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

const char* const words[] = {" This", " is", " the", " bench", " model",
                             " speaking", " at", " a", " steady", " pace,",
                             " one", " token", " after", " another", "."};

std::string chunk(const std::string& content, bool done) {
  std::string line = done ? R"({"model":"bench","message":{"role":"assistant","content":""},"done":true})"
                          : R"({"model":"bench","message":{"role":"assistant","content":")"
                              + content + R"("},"done":false})";
  line += "\n";
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", line.size());
  return size + line + "\r\n" + (done ? "0\r\n\r\n" : "");
}

} // namespace

int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           std::chrono::steady_clock::now().time_since_epoch())
    .count();
}

int64_t read_stamp(const std::string& text) {
  auto at = text.find("At ");
  if (at == std::string::npos)
    return -1;
  at += 3;
  int64_t n = 0;
  size_t digits = 0;
  while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
    n = n * 10 + (text[at++] - '0');
    ++digits;
  }
  return digits > 0 ? n : -1;
}

struct paced_model::impl : std::enable_shared_from_this<impl> {
  explicit impl(paced_model_options o) : opts(o), acceptor(ioc) {}

  void do_accept();

  paced_model_options opts;
  asio::io_context ioc;
  tcp::acceptor acceptor;
  std::thread thread;
  std::atomic<uint64_t> cut{0};
};

namespace {

class session : public std::enable_shared_from_this<session> {
public:
  session(tcp::socket s, std::shared_ptr<paced_model::impl> m)
    : socket_(std::move(s)), timer_(socket_.get_executor()), model_(std::move(m)) {}

  void do_read() {
    parser_.emplace();
    parser_->body_limit(1 << 20);
    http::async_read(socket_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       if (!ec)
                         self->start_reply();
                     });
  }

private:
  void start_reply() {
    sent_ = 0;
    out_ = "HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\n"
           "Transfer-Encoding: chunked\r\n\r\n";
    write_then(model_->opts.first_token);
  }

  // Writes what is in out_, then waits `pause` before the next token.
  void write_then(std::chrono::milliseconds pause) {
    asio::async_write(socket_, asio::buffer(out_),
                      [self = shared_from_this(), pause](beast::error_code ec, size_t) {
                        if (ec) {
                          self->model_->cut.fetch_add(1);
                          return;
                        }
                        self->timer_.expires_after(pause);
                        self->timer_.async_wait([self](beast::error_code e) {
                          if (!e)
                            self->next_token();
                        });
                      });
  }

  void next_token() {
    const auto& o = model_->opts;
    if (sent_ == 0) {
      out_ = chunk("At " + std::to_string(steady_ns()) + "!", false);
    } else if (sent_ <= o.tokens) {
      out_ = chunk(words[(sent_ - 1) % std::size(words)], false);
    } else {
      out_ = chunk({}, true);
      asio::async_write(socket_, asio::buffer(out_),
                        [self = shared_from_this()](beast::error_code ec, size_t) {
                          if (!ec)
                            self->do_read();
                        });
      return;
    }
    ++sent_;
    write_then(o.between);
  }

  tcp::socket socket_;
  asio::steady_timer timer_;
  std::shared_ptr<paced_model::impl> model_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string out_;
  int sent_ = 0;
};

} // namespace

void paced_model::impl::do_accept() {
  acceptor.async_accept([self = shared_from_this()](beast::error_code ec,
                                                    tcp::socket s) {
    if (ec)
      return;
    std::make_shared<session>(std::move(s), self)->do_read();
    self->do_accept();
  });
}

paced_model::paced_model(paced_model_options opts)
  : impl_(std::make_shared<impl>(opts)) {
  tcp::endpoint ep{asio::ip::make_address("127.0.0.1"), 0};
  impl_->acceptor.open(ep.protocol());
  impl_->acceptor.set_option(asio::socket_base::reuse_address(true));
  impl_->acceptor.bind(ep);
  impl_->acceptor.listen();
  impl_->do_accept();
  impl_->thread = std::thread([p = impl_] { p->ioc.run(); });
}

paced_model::~paced_model() {
  impl_->ioc.stop();
  impl_->thread.join();
}

std::string paced_model::base_url() const {
  return "http://127.0.0.1:" + std::to_string(impl_->acceptor.local_endpoint().port());
}

uint64_t paced_model::cut_by_client() const {
  return impl_->cut.load();
}

} // namespace sb::bench
