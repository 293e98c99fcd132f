// `ceiling`: the least an HTTP/1.1 server built on Boost.Beast can do per
// webhook, measured by bench/run next to switchboardd as the upper bound a
// daemon on this stack could reach on the same machine. It reads each whole
// request (header and body) with Beast's parser, as the daemon does, and
// answers every request, whatever its method or path, with one constant
// TwiML document. Its responses are serialised once at start-up, so what is
// left per request is the parse and one write. Keep-alive as HTTP/1.1 says:
// "Connection: close" (or HTTP/1.0 without keep-alive) is answered and the
// connection closed. A malformed or oversized request closes the connection
// without an answer: wrk never sends one, and a ceiling needs no error pages.
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// About the size (~500 bytes) and shape of the daemon's reply to a turn.
constexpr std::string_view twiml_body =
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response>"
  "<Say voice=\"Polly.Aditi\" language=\"hi-IN\">I understand you said: hello. "
  "How else can I help you?</Say>"
  "<Gather input=\"speech\" "
  "action=\"http://127.0.0.1:8000/voice/process-speech\" method=\"POST\" "
  "speechTimeout=\"3\" language=\"hi-IN\" "
  "speechModel=\"experimental_conversations\" enhanced=\"true\" "
  "hints=\"hello, help, goodbye, bye, namaste, haan, nahi, account, order, "
  "payment, dhanyavaad\"/>"
  "</Response>";

// As the daemon's default server.max_body_bytes.
constexpr uint64_t max_body_bytes = 65536;

// The three answers a request can get, serialised by Beast once.
struct answers {
  std::string keep_alive_11; // HTTP/1.1, connection stays open
  std::string keep_alive_10; // HTTP/1.0 client that asked for keep-alive
  std::string close;         // the client asked to close
};

std::string serialise(unsigned version, bool keep_alive) {
  http::response<http::string_body> res{http::status::ok, version};
  res.set(http::field::content_type, "text/xml");
  res.body() = std::string(twiml_body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  std::ostringstream out;
  out << res;
  return out.str();
}

// One connection: read a request, write the constant answer, repeat. Only
// one operation of a connection is ever pending, so its handlers never run
// concurrently even with several io threads, and no strand is needed.
class session : public std::enable_shared_from_this<session> {
public:
  session(tcp::socket socket, const answers& a)
    : socket_(std::move(socket)), answers_(a) {
  }

  void do_read() {
    // A fresh parser per request: Beast parsers read one message each.
    parser_.emplace();
    parser_->body_limit(max_body_bytes);
    http::async_read(socket_, buffer_, *parser_,
                     beast::bind_front_handler(&session::on_read,
                                               shared_from_this()));
  }

private:
  void on_read(beast::error_code ec, std::size_t) {
    if (ec)
      return close();
    const auto& req = parser_->get();
    keep_alive_ = req.keep_alive();
    const std::string& out = !keep_alive_         ? answers_.close
                             : req.version() < 11 ? answers_.keep_alive_10
                                                  : answers_.keep_alive_11;
    asio::async_write(socket_, asio::buffer(out),
                      beast::bind_front_handler(&session::on_write,
                                                shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    if (ec || !keep_alive_)
      return close();
    do_read();
  }

  void close() {
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
  }

  tcp::socket socket_;
  const answers& answers_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool keep_alive_ = false;
};

class listener : public std::enable_shared_from_this<listener> {
public:
  listener(asio::io_context& ioc, tcp::acceptor acceptor, const answers& a)
    : ioc_(ioc), acceptor_(std::move(acceptor)), answers_(a) {
  }

  void do_accept() {
    acceptor_.async_accept(ioc_, beast::bind_front_handler(&listener::on_accept,
                                                           shared_from_this()));
  }

private:
  void on_accept(beast::error_code ec, tcp::socket socket) {
    if (!acceptor_.is_open())
      return;
    if (!ec)
      std::make_shared<session>(std::move(socket), answers_)->do_read();
    do_accept();
  }

  asio::io_context& ioc_;
  tcp::acceptor acceptor_;
  const answers& answers_;
};

struct options {
  std::string host = "127.0.0.1";
  unsigned port = 0;
  unsigned threads = 2;
};

void usage(std::ostream& out) {
  out << "usage: ceiling [--host ADDR] [--port N] [--threads N]\n"
         "\n"
         "A minimal Boost.Beast HTTP/1.1 server (keep-alive) that answers\n"
         "every request with the same small TwiML document: the upper bound\n"
         "bench/run measures switchboardd against.\n"
         "\n"
         "  --host ADDR   address to listen on (default 127.0.0.1)\n"
         "  --port N      port, 0..65535; 0 picks a free one (default 0)\n"
         "  --threads N   io threads, 1..64 (default 2)\n"
         "  --help        this text\n"
         "\n"
         "Prints \"ceiling: listening on HOST:PORT\" once it accepts; stops\n"
         "on SIGINT or SIGTERM.\n";
}

bool parse_number(const char* text, unsigned lo, unsigned hi, unsigned& out) {
  char* end = nullptr;
  unsigned long v = std::strtoul(text, &end, 10);
  if (end == text || *end != '\0' || v < lo || v > hi)
    return false;
  out = static_cast<unsigned>(v);
  return true;
}

// Returns the exit status to stop with, or nothing to go on.
std::optional<int> parse_args(int argc, char** argv, options& opts) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      usage(std::cout);
      return 0;
    }
    if (i + 1 >= argc) {
      std::cerr << "ceiling: " << arg << ": unknown option or missing value\n";
      usage(std::cerr);
      return 2;
    }
    const char* value = argv[++i];
    if (arg == "--host") {
      opts.host = value;
    } else if (arg == "--port") {
      if (!parse_number(value, 0, 65535, opts.port)) {
        std::cerr << "ceiling: --port: expected 0..65535, got '" << value
                  << "'\n";
        return 2;
      }
    } else if (arg == "--threads") {
      if (!parse_number(value, 1, 64, opts.threads)) {
        std::cerr << "ceiling: --threads: expected 1..64, got '" << value
                  << "'\n";
        return 2;
      }
    } else {
      std::cerr << "ceiling: " << arg << ": unknown option\n";
      usage(std::cerr);
      return 2;
    }
  }
  return std::nullopt;
}

std::optional<tcp::acceptor> open_acceptor(asio::io_context& ioc,
                                           const options& opts) {
  beast::error_code ec;
  auto address = asio::ip::make_address(opts.host, ec);
  if (ec) {
    std::cerr << "ceiling: --host: '" << opts.host << "': " << ec.message()
              << "\n";
    return std::nullopt;
  }
  tcp::endpoint endpoint{address, static_cast<unsigned short>(opts.port)};
  tcp::acceptor acceptor{ioc};
  const char* step = "open";
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) {
    step = "set_option";
    acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  }
  if (!ec) {
    step = "bind";
    acceptor.bind(endpoint, ec);
  }
  if (!ec) {
    step = "listen";
    acceptor.listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    std::cerr << "ceiling: " << step << " " << opts.host << ":" << opts.port
              << ": " << ec.message() << "\n";
    return std::nullopt;
  }
  return acceptor;
}

} // namespace

int main(int argc, char** argv) {
  options opts;
  if (auto status = parse_args(argc, argv, opts))
    return *status;

  const answers a{serialise(11, true), serialise(10, true),
                  serialise(11, false)};
  asio::io_context ioc{static_cast<int>(opts.threads)};
  // Before listening, so that whoever sees the port open can stop it.
  asio::signal_set signals{ioc, SIGINT, SIGTERM};
  signals.async_wait([&ioc](beast::error_code, int) { ioc.stop(); });
  auto acceptor = open_acceptor(ioc, opts);
  if (!acceptor)
    return 1;
  const auto port = acceptor->local_endpoint().port();
  std::make_shared<listener>(ioc, std::move(*acceptor), a)->do_accept();

  std::cout << "ceiling: listening on " << opts.host << ":" << port
            << std::endl;
  std::vector<std::thread> threads;
  for (unsigned i = 1; i < opts.threads; ++i)
    threads.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : threads)
    t.join();
  return 0;
}
