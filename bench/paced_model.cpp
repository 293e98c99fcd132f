// paced_model: one session per connection, reading a request with Beast's
// parser and answering with a chunked NDJSON stream whose chunks are
// written on timers; each stamp is taken just before its chunk's write is
// started. Sessions hold a plain pointer to the server: the io_context
// owns every pending handler, and so every session, and it is destroyed
// (with them, unrun) before the rest of the server.
#include "paced_model.hpp"

#include <atomic>
#include <cstdio>
#include <iterator>
#include <optional>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "loopback_listener.hpp"

namespace sb::bench {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

const char* const words[] = {" This",   " is",       " the", " bench",
                             " model",  " speaking", " at",  " a",
                             " steady", " pace,",    " one", " token",
                             " after",  " another",  "."};

// Unstamped, the first token is a whole sentence that takes about two
// seconds to say: the reply's next clause (ten tokens later) is there
// long before it has been heard, so the caller never hears the model's
// pace as a gap.
constexpr const char* unstamped_first = "Okay, let me look into that for you.";

// One NDJSON line as an HTTP chunk; the closing line also ends the body.
std::string chunk(const std::string& content, bool done) {
  std::string line =
    done
      ? R"({"model":"bench","message":{"role":"assistant","content":""},"done":true})"
      : R"({"model":"bench","message":{"role":"assistant","content":")"
          + content + R"("},"done":false})";
  line += "\n";
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", line.size());
  return size + line + "\r\n" + (done ? "0\r\n\r\n" : "");
}

int64_t number_after(const std::string& text, const char* marker) {
  auto at = text.find(marker);
  if (at == std::string::npos)
    return -1;
  at += std::char_traits<char>::length(marker);
  int64_t n = 0;
  size_t digits = 0;
  while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
    n = n * 10 + (text[at++] - '0');
    ++digits;
  }
  return digits > 0 ? n : -1;
}

} // namespace

int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           std::chrono::steady_clock::now().time_since_epoch())
    .count();
}

int64_t read_stamp(const std::string& text) {
  return number_after(text, "At ");
}

int64_t read_done_stamp(const std::string& text) {
  return number_after(text, "Done at ");
}

struct paced_model::impl {
  explicit impl(paced_model_options o) : opts(o) {
  }

  // Destroyed in reverse: the listener first (its thread joined, then
  // every session, inside its io_context), before opts and the counters.
  paced_model_options opts;
  std::atomic<uint64_t> cut{0};
  std::atomic<uint64_t> requests{0};
  std::unique_ptr<loopback_listener> listener;
};

namespace {

class session : public std::enable_shared_from_this<session> {
public:
  session(tcp::socket s, paced_model::impl* m)
    : socket_(std::move(s)), timer_(socket_.get_executor()), model_(m) {
  }

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
    model_->requests.fetch_add(1);
    sent_ = 0;
    out_ = "HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\n"
           "Transfer-Encoding: chunked\r\n\r\n";
    write_then(model_->opts.first_token);
  }

  // Writes what is in out_, then waits `pause` before the next token.
  void write_then(std::chrono::milliseconds pause) {
    asio::async_write(socket_, asio::buffer(out_),
                      [self = shared_from_this(), pause](beast::error_code ec,
                                                         size_t) {
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

  // The last token and the closing line in one write, as a model that
  // stops after its last token; then the connection waits for the next
  // request (keep-alive).
  void finish(std::string last) {
    out_ = std::move(last) + chunk({}, true);
    asio::async_write(socket_, asio::buffer(out_),
                      [self = shared_from_this()](beast::error_code ec,
                                                  size_t) {
                        if (ec)
                          self->model_->cut.fetch_add(1);
                        else
                          self->do_read();
                      });
  }

  void next_token() {
    const auto& o = model_->opts;
    int at = sent_++;
    auto first = o.stamped ? "At " + std::to_string(steady_ns()) + "!"
                           : std::string{unstamped_first};
    if (at == 0 && o.tokens == 0)
      return finish(chunk(first, false));
    if (at == 0)
      out_ = chunk(first, false);
    else if (at == o.tokens)
      return finish(chunk(o.stamped
                            ? " Done at " + std::to_string(steady_ns()) + "!"
                            : std::string{" Done."},
                          false));
    else
      out_ = chunk(words[(at - 1) % std::size(words)], false);
    write_then(o.between);
  }

  tcp::socket socket_;
  asio::steady_timer timer_;
  paced_model::impl* model_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string out_;
  int sent_ = 0;
};

} // namespace

paced_model::paced_model(paced_model_options opts)
  : impl_(std::make_unique<impl>(opts)) {
  impl_->listener = std::make_unique<loopback_listener>(
    [m = impl_.get()](tcp::socket s) {
      std::make_shared<session>(std::move(s), m)->do_read();
    });
}

paced_model::~paced_model() = default;

std::string paced_model::base_url() const {
  return impl_->listener->base_url();
}

uint64_t paced_model::cut_by_client() const {
  return impl_->cut.load();
}

uint64_t paced_model::requests() const {
  return impl_->requests.load();
}

} // namespace sb::bench
