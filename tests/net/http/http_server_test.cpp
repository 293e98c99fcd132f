// Loopback tests for the HTTP listener: a real server on 127.0.0.1:0 run by
// two I/O threads, driven by a small client that speaks raw HTTP so tests
// can pipeline, send malformed or partial requests and watch for the close.
// Nothing sleeps: every wait is on an event with a finite deadline.
#include "net/http/http_server.hpp"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "tests/support/poll_until.hpp"

namespace {

// in_flight() counts a request until its answer is written (or dropped
// with the connection), which happens on the connection's strand just
// after the client may have read it.
bool in_flight_drops_to_zero(const sb::http_server& server) {
  return sb::testing::poll_until([&] { return server.in_flight() == 0; },
                                 std::chrono::seconds(5));
}

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using response_type = http::response<http::string_body>;

constexpr auto deadline = std::chrono::seconds(5);

// One client connection. Each call runs a private io_context until its
// operation ends or the deadline passes, so a hung server fails the test
// instead of hanging it.
class test_client {
public:
  explicit test_client(uint16_t port) {
    stream_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }

  void send(const std::string& raw) {
    beast::error_code result;
    stream_.expires_after(deadline);
    asio::async_write(stream_, asio::buffer(raw),
                      [&](beast::error_code ec, size_t) { result = ec; });
    run();
    REQUIRE_FALSE(result);
  }

  // `head`: the response answers a HEAD, so its length announces no body.
  response_type read(bool head = false) {
    http::response_parser<http::string_body> parser;
    parser.body_limit(16 * 1024 * 1024);
    parser.skip(head);
    beast::error_code result;
    stream_.expires_after(deadline);
    http::async_read(stream_, buffer_, parser,
                     [&](beast::error_code ec, size_t) { result = ec; });
    run();
    INFO(result.message());
    REQUIRE_FALSE(result);
    return parser.release();
  }

  // Reads until the server closes or the deadline passes; returns why the
  // reading stopped and puts any bytes received in `got`.
  beast::error_code read_to_end(std::string& got) {
    beast::error_code result;
    stream_.expires_after(deadline);
    for (;;) {
      size_t n = 0;
      stream_.async_read_some(buffer_.prepare(4096),
                              [&](beast::error_code ec, size_t k) {
                                result = ec;
                                n = k;
                              });
      run();
      buffer_.commit(n);
      if (result)
        break;
    }
    got = beast::buffers_to_string(buffer_.data());
    return result;
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

private:
  void run() {
    ioc_.restart();
    ioc_.run();
  }

  asio::io_context ioc_;
  beast::tcp_stream stream_{ioc_};
  beast::flat_buffer buffer_;
};

// Collects what the handler receives so the test thread can answer later,
// from its own thread, in any order.
struct inbox {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<sb::http_request> requests;
  std::vector<sb::http_responder> responders;

  sb::http_handler handler() {
    return [this](sb::http_request&& req, sb::http_responder respond) {
      std::lock_guard<std::mutex> lock(mutex);
      requests.push_back(std::move(req));
      responders.push_back(std::move(respond));
      changed.notify_all();
    };
  }

  // True once `n` requests arrived; false if the deadline passed first.
  bool wait_for(size_t n) {
    std::unique_lock<std::mutex> lock(mutex);
    return changed.wait_for(lock, deadline,
                            [&] { return requests.size() >= n; });
  }

  size_t count() {
    std::lock_guard<std::mutex> lock(mutex);
    return requests.size();
  }
};

sb::http_response text(std::string body, unsigned status = 200) {
  sb::http_response res;
  res.status = status;
  res.body = std::move(body);
  return res;
}

// Answers at once with the request's fields, one per line.
sb::http_handler echo_handler() {
  return [](sb::http_request&& req, sb::http_responder respond) {
    auto res = text(req.method + "\n" + req.target + "\n" + req.path + "\n"
                    + req.query + "\n" + req.body + "\n" + req.remote_address);
    res.headers.emplace_back("X-Test", "yes");
    respond(std::move(res));
  };
}

// The last line of an echo body: the peer address the server saw.
std::string echoed_peer(const response_type& res) {
  return res.body().substr(res.body().rfind('\n') + 1);
}

std::string get(const std::string& target, const std::string& extra = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: test\r\n" + extra + "\r\n";
}

std::string post(const std::string& body, const std::string& extra = "") {
  return "POST /voice HTTP/1.1\r\nHost: test\r\nContent-Length: "
         + std::to_string(body.size()) + "\r\n" + extra + "\r\n" + body;
}

// The server under test, run by two I/O threads as in the daemon. The
// destructor stops ioc and joins before any member goes away.
struct server_fixture {
  asio::io_context ioc;
  asio::executor_work_guard<asio::io_context::executor_type> work{
    ioc.get_executor()};
  inbox box;
  std::unique_ptr<sb::http_server> server;
  std::vector<std::thread> threads;

  void start(sb::http_handler handler, sb::http_server_options opts = {}) {
    auto started = sb::http_server::start(ioc, opts, std::move(handler));
    REQUIRE(started);
    server = std::move(*started);
    for (int i = 0; i < 2; ++i)
      threads.emplace_back([this] { ioc.run(); });
  }

  uint16_t port() const {
    return server->port();
  }

  ~server_fixture() {
    server.reset();
    work.reset();
    ioc.stop();
    for (auto& t : threads)
      t.join();
  }
};

void require_plain_length(const response_type& res) {
  CHECK(res.count(http::field::transfer_encoding) == 0);
  REQUIRE(res.count(http::field::content_length) == 1);
  CHECK(res[http::field::content_length] == std::to_string(res.body().size()));
  CHECK(res[http::field::server] == "switchboard");
}

} // namespace

TEST_CASE_METHOD(server_fixture, "a GET is answered synchronously",
                 "[http_server]") {
  start(echo_handler());
  REQUIRE(port() != 0);
  test_client client(port());
  client.send(get("/voice?CallSid=CA1&x=%20"));
  auto res = client.read();
  CHECK(res.result_int() == 200);
  CHECK(res.body().rfind("GET\n/voice?CallSid=CA1&x=%20\n/voice\n"
                         "CallSid=CA1&x=%20\n\n127.0.0.1:",
                         0)
        == 0);
  CHECK(res[http::field::content_type] == "text/plain; charset=utf-8");
  CHECK(res["X-Test"] == "yes");
  require_plain_length(res);
  CHECK(in_flight_drops_to_zero(*server));
}

TEST_CASE_METHOD(server_fixture, "a POST is answered later from another thread",
                 "[http_server]") {
  start(box.handler());
  test_client client(port());
  client.send(post("CallSid=CA1&From=%2B1",
                   "Content-Type: application/x-www-form-urlencoded\r\n"
                   "X-Twilio-Signature: c2ln\r\n"
                   "Authorization: Basic dTpw\r\n"));
  REQUIRE(box.wait_for(1));
  const auto& req = box.requests[0];
  CHECK(req.method == "POST");
  CHECK(req.path == "/voice");
  CHECK(req.query.empty());
  CHECK(req.body == "CallSid=CA1&From=%2B1");
  CHECK(req.content_type == "application/x-www-form-urlencoded");
  CHECK(req.twilio_signature == "c2ln");
  CHECK(req.authorization == "Basic dTpw");
  CHECK(server->in_flight() == 1);
  auto respond = box.responders[0];
  std::thread answerer([respond] {
    sb::http_response res = text("<Response/>");
    res.content_type = "text/xml";
    respond(std::move(res));
  });
  answerer.join();
  auto res = client.read();
  CHECK(res.result_int() == 200);
  CHECK(res.body() == "<Response/>");
  CHECK(res[http::field::content_type] == "text/xml");
  require_plain_length(res);
  CHECK(in_flight_drops_to_zero(*server));
}

TEST_CASE_METHOD(server_fixture,
                 "keep-alive serves three requests on one "
                 "connection",
                 "[http_server]") {
  start(echo_handler());
  test_client client(port());
  std::vector<std::string> peers;
  for (int i = 0; i < 3; ++i) {
    client.send(get("/r" + std::to_string(i)));
    auto res = client.read();
    CHECK(res.result_int() == 200);
    CHECK(res.keep_alive());
    CHECK(res.body().rfind("GET\n/r" + std::to_string(i), 0) == 0);
    peers.push_back(echoed_peer(res));
  }
  CHECK(peers[0] == peers[1]);
  CHECK(peers[1] == peers[2]);
}

TEST_CASE_METHOD(server_fixture, "pipelined responses keep request order",
                 "[http_server]") {
  start(box.handler());
  test_client client(port());
  client.send(get("/first") + get("/second"));
  REQUIRE(box.wait_for(2));
  CHECK(box.requests[0].path == "/first");
  CHECK(box.requests[1].path == "/second");
  box.responders[1](text("second"));
  box.responders[0](text("first"));
  CHECK(client.read().body() == "first");
  CHECK(client.read().body() == "second");
}

TEST_CASE_METHOD(server_fixture,
                 "requests split and joined anywhere in "
                 "the stream are each read whole",
                 "[http_server]") {
  // The server parses what one read brought and reads asynchronously only
  // what is missing; cuts inside the header, inside the body, and a second
  // request glued to the end of the first must all come out the same.
  start(echo_handler());
  test_client client(port());
  const auto first = post("hello=world&CallSid=CA1");
  const auto second = post("second=body");
  client.send(first.substr(0, 7));
  client.send(first.substr(7, 30));
  client.send(first.substr(37, first.size() - 37 - 5));
  client.send(first.substr(first.size() - 5) + second
              + get("/third").substr(0, 9));
  client.send(get("/third").substr(9));
  auto a = client.read();
  CHECK(a.result_int() == 200);
  CHECK(a.body().rfind("POST\n/voice\n/voice\n\nhello=world&CallSid=CA1\n", 0)
        == 0);
  auto b = client.read();
  CHECK(b.body().rfind("POST\n/voice\n/voice\n\nsecond=body\n", 0) == 0);
  auto c = client.read();
  CHECK(c.body().rfind("GET\n/third\n", 0) == 0);
}

TEST_CASE_METHOD(server_fixture,
                 "a full pipeline pauses reading until a "
                 "response is written",
                 "[http_server]") {
  sb::http_server_options opts;
  opts.max_pipeline = 2;
  start(box.handler(), opts);
  test_client client(port());
  client.send(get("/1") + get("/2") + get("/3"));
  REQUIRE(box.wait_for(2));
  // Cannot prove a negative without waiting; this only catches a server
  // that had already read the third request.
  CHECK(box.count() == 2);
  box.responders[0](text("1"));
  CHECK(client.read().body() == "1");
  REQUIRE(box.wait_for(3));
  box.responders[2](text("3"));
  box.responders[1](text("2"));
  CHECK(client.read().body() == "2");
  CHECK(client.read().body() == "3");
}

TEST_CASE_METHOD(server_fixture, "a body over max_body_bytes gets 413",
                 "[http_server]") {
  sb::http_server_options opts;
  opts.max_body_bytes = 1024;
  start(box.handler(), opts);
  test_client client(port());
  SECTION("announced by Content-Length") {
    client.send(post(std::string(5000, 'a')));
  }
  SECTION("sent chunked") {
    std::string chunk = "200\r\n" + std::string(512, 'a') + "\r\n";
    client.send("POST /voice HTTP/1.1\r\nHost: test\r\n"
                "Transfer-Encoding: chunked\r\n\r\n"
                + chunk + chunk + chunk + chunk + "0\r\n\r\n");
  }
  auto res = client.read();
  CHECK(res.result_int() == 413);
  CHECK_FALSE(res.keep_alive());
  require_plain_length(res);
  std::string rest;
  CHECK(client.read_to_end(rest) == asio::error::eof);
  CHECK(rest.empty());
  CHECK(box.count() == 0);
}

TEST_CASE_METHOD(server_fixture, "a body at max_body_bytes is accepted",
                 "[http_server]") {
  sb::http_server_options opts;
  opts.max_body_bytes = 1024;
  start(echo_handler(), opts);
  test_client client(port());
  client.send(post(std::string(1024, 'a')));
  CHECK(client.read().result_int() == 200);
}

TEST_CASE_METHOD(server_fixture, "a malformed request gets 400 and a close",
                 "[http_server]") {
  start(box.handler());
  test_client client(port());
  SECTION("bad request line") {
    client.send("NOT HTTP AT ALL\r\n\r\n");
  }
  SECTION("bad header line") {
    client.send("GET / HTTP/1.1\r\nHost test\r\n\r\n");
  }
  auto res = client.read();
  CHECK(res.result_int() == 400);
  require_plain_length(res);
  std::string rest;
  CHECK(client.read_to_end(rest) == asio::error::eof);
  CHECK(box.count() == 0);
}

TEST_CASE_METHOD(server_fixture, "a dropped responder answers 503",
                 "[http_server]") {
  start([](sb::http_request&&, sb::http_responder) {});
  test_client client(port());
  client.send(get("/lost"));
  auto res = client.read();
  CHECK(res.result_int() == 503);
  CHECK(res.body() == "service unavailable\n");
  require_plain_length(res);
  CHECK(in_flight_drops_to_zero(*server));
}

TEST_CASE_METHOD(server_fixture, "a second answer to one request is ignored",
                 "[http_server]") {
  start(box.handler());
  test_client client(port());
  client.send(get("/a"));
  REQUIRE(box.wait_for(1));
  box.responders[0](text("a"));
  box.responders[0](text("again"));
  CHECK(client.read().body() == "a");
  client.send(get("/b"));
  REQUIRE(box.wait_for(2));
  box.responders[1](text("b"));
  CHECK(client.read().body() == "b");
  CHECK(in_flight_drops_to_zero(*server));
}

TEST_CASE_METHOD(server_fixture, "an answer after the client left is harmless",
                 "[http_server]") {
  start(box.handler());
  {
    test_client client(port());
    client.send(get("/gone"));
    REQUIRE(box.wait_for(1));
    client.close();
  }
  box.responders[0](text("too late"));
  CHECK(in_flight_drops_to_zero(*server));
  // The server still serves others.
  test_client other(port());
  other.send(get("/next"));
  REQUIRE(box.wait_for(2));
  box.responders[1](text("next"));
  CHECK(other.read().body() == "next");
}

TEST_CASE_METHOD(server_fixture,
                 "a partial header is closed by the header "
                 "timeout",
                 "[http_server]") {
  sb::http_server_options opts;
  opts.header_timeout = std::chrono::milliseconds(200);
  start(box.handler(), opts);
  test_client client(port());
  const auto began = std::chrono::steady_clock::now();
  client.send("GET / HTTP/1.1\r\nHost: te");
  std::string got;
  const auto why = client.read_to_end(got);
  CHECK((why == asio::error::eof || why == asio::error::connection_reset));
  CHECK(got.empty());
  CHECK(std::chrono::steady_clock::now() - began < deadline);
  CHECK(box.count() == 0);
}

TEST_CASE_METHOD(server_fixture,
                 "an idle keep-alive connection is closed "
                 "by the idle timeout",
                 "[http_server]") {
  sb::http_server_options opts;
  opts.idle_timeout = std::chrono::milliseconds(200);
  start(echo_handler(), opts);
  test_client client(port());
  client.send(get("/once"));
  CHECK(client.read().result_int() == 200);
  std::string got;
  const auto why = client.read_to_end(got);
  CHECK((why == asio::error::eof || why == asio::error::connection_reset));
  CHECK(got.empty());
}

TEST_CASE_METHOD(server_fixture, "a header over 8 KiB gets 431",
                 "[http_server]") {
  start(box.handler());
  test_client client(port());
  client.send(get("/", "X-Big: " + std::string(9000, 'a') + "\r\n"));
  auto res = client.read();
  CHECK(res.result_int() == 431);
  require_plain_length(res);
  CHECK(box.count() == 0);
}

TEST_CASE_METHOD(server_fixture, "HEAD gets the length but no body",
                 "[http_server]") {
  start(echo_handler());
  test_client client(port());
  client.send("HEAD /h HTTP/1.1\r\nHost: test\r\n\r\n");
  auto head = client.read(true);
  CHECK(head.result_int() == 200);
  CHECK(head[http::field::content_length] != "0");
  // Body bytes sent by mistake would corrupt this next response.
  client.send(get("/g"));
  CHECK(client.read().body().rfind("GET\n/g\n", 0) == 0);
}

TEST_CASE_METHOD(server_fixture,
                 "HTTP/1.0 and Connection: close end the "
                 "connection after the response",
                 "[http_server]") {
  start(echo_handler());
  test_client client(port());
  SECTION("HTTP/1.0") {
    client.send("GET /old HTTP/1.0\r\n\r\n");
  }
  SECTION("Connection: close") {
    client.send(get("/new", "Connection: close\r\n"));
  }
  auto res = client.read();
  CHECK(res.result_int() == 200);
  CHECK_FALSE(res.keep_alive());
  require_plain_length(res);
  std::string rest;
  CHECK(client.read_to_end(rest) == asio::error::eof);
  CHECK(rest.empty());
}

TEST_CASE_METHOD(server_fixture,
                 "Expect: 100-continue gets an interim "
                 "response",
                 "[http_server]") {
  start(echo_handler());
  test_client client(port());
  client.send("POST /voice HTTP/1.1\r\nHost: test\r\nContent-Length: 3\r\n"
              "Expect: 100-continue\r\n\r\n");
  CHECK(client.read().result_int() == 100);
  client.send("a=b");
  auto res = client.read();
  CHECK(res.result_int() == 200);
  CHECK(res.body().rfind("POST\n/voice\n/voice\n\na=b\n", 0) == 0);
}

TEST_CASE_METHOD(server_fixture,
                 "responses always carry Content-Length, "
                 "never chunked",
                 "[http_server]") {
  const std::string big(200 * 1024, 'x');
  start([big](sb::http_request&&, sb::http_responder respond) {
    auto res = text(big);
    res.headers.emplace_back("Transfer-Encoding", "chunked");
    res.headers.emplace_back("X-Evil", "a\r\nSet-Cookie: b");
    respond(std::move(res));
  });
  test_client client(port());
  client.send(get("/big"));
  auto res = client.read();
  CHECK(res.result_int() == 200);
  CHECK(res.body() == big);
  CHECK(res.count("X-Evil") == 0);
  CHECK(res.count(http::field::set_cookie) == 0);
  require_plain_length(res);
}

TEST_CASE_METHOD(server_fixture, "stop_accepting keeps open connections",
                 "[http_server]") {
  start(echo_handler());
  test_client client(port());
  client.send(get("/before"));
  CHECK(client.read().result_int() == 200);
  server->stop_accepting();
  client.send(get("/after"));
  CHECK(client.read().body().rfind("GET\n/after", 0) == 0);
  // The close is posted; retry until the port refuses, within the deadline.
  bool refused = false;
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (!refused && std::chrono::steady_clock::now() < until) {
    asio::io_context ioc;
    tcp::socket probe(ioc);
    beast::error_code ec;
    probe.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port()),
                  ec);
    refused = ec == asio::error::connection_refused;
  }
  CHECK(refused);
}

TEST_CASE("binding a port in use fails with the address", "[http_server]") {
  asio::io_context ioc;
  auto first = sb::http_server::start(ioc, {}, echo_handler());
  REQUIRE(first);
  sb::http_server_options opts;
  opts.port = (*first)->port();
  auto second = sb::http_server::start(ioc, opts, echo_handler());
  REQUIRE_FALSE(second);
  const auto why = sb::what(second.error());
  INFO(why);
  const auto where = "127.0.0.1:" + std::to_string(opts.port);
  CHECK(why.find(where) != std::string::npos);
  CHECK(why.find("cannot bind") != std::string::npos);
  CHECK(second.error().code() == static_cast<uint8_t>(sb::errc::bad_config));
}

namespace {

// Waits (bounded) until the server counts `n` open connections: the count
// changes on I/O threads, with no event a test could wait on.
bool wait_connections(const sb::http_server& server, size_t n) {
  return sb::testing::poll_until([&] { return server.connections() == n; },
                                 deadline);
}

} // namespace

TEST_CASE_METHOD(server_fixture,
                 "past max_connections a new connection is "
                 "closed at once and the open ones go on",
                 "[http_server]") {
  sb::http_server_options opts;
  opts.max_connections = 2;
  start(echo_handler(), opts);
  test_client first(port());
  test_client second(port());
  REQUIRE(wait_connections(*server, 2));
  test_client third(port());
  third.send(get("/refused"));
  std::string got;
  const auto why = third.read_to_end(got);
  CHECK((why == asio::error::eof || why == asio::error::connection_reset));
  CHECK(got.empty());
  first.send(get("/still"));
  CHECK(first.read().body().rfind("GET\n/still", 0) == 0);
  // A freed slot is taken again.
  second.close();
  REQUIRE(wait_connections(*server, 1));
  test_client fourth(port());
  fourth.send(get("/again"));
  CHECK(fourth.read().result_int() == 200);
  CHECK(server->connections() == 2);
}

TEST_CASE_METHOD(server_fixture,
                 "over the per-IP rate a request gets 429 "
                 "with Retry-After, in pipeline order",
                 "[http_server]") {
  sb::http_server_options opts;
  opts.rate_limit_per_s = 0.5;
  opts.rate_limit_burst = 2;
  opts.rate_limit_loopback = true;
  start(echo_handler(), opts);
  test_client client(port());
  client.send(get("/1") + get("/2") + get("/3") + get("/4"));
  CHECK(client.read().result_int() == 200);
  CHECK(client.read().result_int() == 200);
  for (int i = 0; i < 2; ++i) {
    auto res = client.read();
    CHECK(res.result_int() == 429);
    CHECK(res[http::field::retry_after] == "2");
    CHECK(res.keep_alive());
    require_plain_length(res);
  }
  // Another connection from the same address shares the bucket.
  test_client other(port());
  other.send(get("/5"));
  CHECK(other.read().result_int() == 429);
}

TEST_CASE_METHOD(server_fixture,
                 "loopback clients are not rate-limited "
                 "unless asked",
                 "[http_server]") {
  sb::http_server_options opts;
  opts.rate_limit_per_s = 1;
  opts.rate_limit_burst = 1;
  start(echo_handler(), opts);
  test_client client(port());
  for (int i = 0; i < 5; ++i) {
    client.send(get("/" + std::to_string(i)));
    CHECK(client.read().result_int() == 200);
  }
}
