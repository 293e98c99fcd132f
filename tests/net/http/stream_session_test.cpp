// Loopback tests for streamed responses (Server-Sent Events) on the HTTP
// listener: a real server on 127.0.0.1:0 run by two I/O threads, driven by
// a raw TCP client, since what is on the wire (no length, the close ending
// the body, nothing answered after the stream) is the subject. Every client
// operation runs on a private io_context for at most `deadline`, and the
// socket is closed past it, so a hung server fails a test instead of
// hanging it. Waits are on events with finite deadlines; only the
// connection count, which changes in destructors on I/O threads, is polled
// (bounded), as in http_server_test.
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <catch2/catch.hpp>

#include "net/http/http_server.hpp"
#include "tests/support/poll_until.hpp"
#include "tests/support/run_op.hpp"
#include "tests/support/watched_state.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

constexpr auto deadline = std::chrono::seconds(5);

// Raw TCP: everything the server sends is kept, byte for byte, in
// received().
class raw_client {
public:
  explicit raw_client(uint16_t port) {
    socket_.connect({asio::ip::make_address("127.0.0.1"), port});
  }

  void send(const std::string& raw) {
    REQUIRE_FALSE(run([&](auto done) {
      asio::async_write(socket_, asio::buffer(raw), std::move(done));
    }));
  }

  // Reads until `text` has arrived; false if the connection ended or the
  // deadline passed first.
  bool read_until(const std::string& text) {
    while (received_.find(text) == std::string::npos)
      if (read_some())
        return false;
    return true;
  }

  // Reads until the server closes; returns why reading stopped (eof for a
  // clean close).
  beast::error_code read_to_end() {
    for (;;)
      if (auto ec = read_some())
        return ec;
  }

  const std::string& received() const {
    return received_;
  }

  // What came after the response header that opens a stream.
  std::string stream_body() const {
    const auto end = received_.find("\r\n\r\n");
    return end == std::string::npos ? std::string() : received_.substr(end + 4);
  }

  void close() {
    beast::error_code ec;
    socket_.close(ec);
  }

private:
  beast::error_code read_some() {
    char chunk[4096];
    size_t n = 0;
    auto ec = run([&](auto done) {
      socket_.async_read_some(asio::buffer(chunk),
                              [&n, done](beast::error_code e, size_t k) {
                                n = k;
                                done(e);
                              });
    });
    received_.append(chunk, n);
    return ec;
  }

  template <class Start>
  beast::error_code run(Start start) {
    return sb::testing::run_op(
      ioc_, start, [this] { close(); }, deadline);
  }

  asio::io_context ioc_;
  tcp::socket socket_{ioc_};
  std::string received_;
};

std::string get(const std::string& target, const std::string& extra = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: test\r\n" + extra + "\r\n";
}

sb::http_response text(std::string body) {
  sb::http_response res;
  res.body = std::move(body);
  return res;
}

// What the application side saw, for the test thread to wait on. Declared
// before the fixture's io_context, so it outlives streams that end when
// the io_context is destroyed.
struct app_log : sb::testing::watched_state {
  std::vector<sb::http_request> requests;
  std::vector<sb::http_responder> held; // answers to /hold, for the test
  std::vector<std::weak_ptr<sb::event_stream>> streams;
  std::vector<std::string> closes; // on_closed reasons

  // /events: a stream that first sends `greeting` from inside the opener;
  // /throws: a stream whose opener throws; /hold: held for the test to
  // answer; anything else: its path as text, at once.
  sb::http_handler handler(std::string greeting = "retry: 2000\n\n") {
    return
      [this, greeting](sb::http_request&& req, sb::http_responder respond) {
        const auto path = req.path;
        record([&] { requests.push_back(std::move(req)); });
        if (path == "/events")
          respond(stream_response(greeting));
        else if (path == "/throws")
          respond(throwing_stream());
        else if (path == "/hold")
          record([&] { held.push_back(std::move(respond)); });
        else
          respond(text(path));
      };
  }

  sb::http_response stream_response(std::string greeting) {
    sb::http_response res;
    res.content_type = "text/event-stream";
    res.headers.emplace_back("Cache-Control", "no-store");
    res.open_stream = [this, greeting](std::weak_ptr<sb::event_stream> s) {
      if (!greeting.empty())
        s.lock()->send(greeting);
      record([&] { streams.push_back(s); });
      sb::event_stream_events events;
      events.on_closed = [this](std::string why) {
        record([&] { closes.push_back(std::move(why)); });
      };
      return events;
    };
    return res;
  }

  static sb::http_response throwing_stream() {
    sb::http_response res;
    res.content_type = "text/event-stream";
    res.open_stream =
      [](std::weak_ptr<sb::event_stream>) -> sb::event_stream_events {
      throw std::runtime_error("no feed");
    };
    return res;
  }

  bool wait_open(size_t n = 1) {
    return wait([&] { return streams.size() >= n; });
  }

  bool wait_closed(size_t n = 1) {
    return wait([&] { return closes.size() >= n; });
  }

  std::shared_ptr<sb::event_stream> stream(size_t i = 0) {
    std::lock_guard<std::mutex> lock(mutex);
    return streams.at(i).lock();
  }

  std::string closed(size_t i = 0) {
    std::lock_guard<std::mutex> lock(mutex);
    return closes.at(i);
  }
};

// The server under test, run by two I/O threads as in the daemon. The
// destructor stops ioc and joins before any member goes away. A test that
// looks at the log after the fixture is gone passes its own.
struct stream_fixture {
  app_log own_log;
  app_log& log;
  asio::io_context ioc;
  asio::executor_work_guard<asio::io_context::executor_type> work{
    ioc.get_executor()};
  std::unique_ptr<sb::http_server> server;
  std::vector<std::thread> threads;

  stream_fixture() : log(own_log) {
  }
  explicit stream_fixture(app_log& outer) : log(outer) {
  }

  void start(sb::http_server_options opts = {},
             std::string greeting = "retry: 2000\n\n") {
    auto started = sb::http_server::start(ioc, opts, log.handler(greeting));
    REQUIRE(started);
    server = std::move(*started);
    for (int i = 0; i < 2; ++i)
      threads.emplace_back([this] { ioc.run(); });
  }

  uint16_t port() const {
    return server->port();
  }

  // Bounded poll: see the file comment.
  bool connections_become(size_t n) {
    return sb::testing::poll_until([&] { return server->connections() == n; },
                                   deadline);
  }

  ~stream_fixture() {
    server.reset();
    work.reset();
    ioc.stop();
    for (auto& t : threads)
      t.join();
  }
};

// The header that opens a stream, as received: everything before the body.
std::string header_of(const std::string& received) {
  return received.substr(0, received.find("\r\n\r\n") + 4);
}

} // namespace

TEST_CASE_METHOD(stream_fixture,
                 "stream: the header has no length and says Connection: "
                 "close, bytes arrive in order, close() ends the body",
                 "[stream]") {
  start();
  raw_client client(port());
  client.send(get("/events", "Origin: http://test\r\n"
                             "Cookie: sb_session=00ff\r\n"
                             "X-Requested-By: switchboard-console\r\n"
                             "Last-Event-ID: 17\r\n"));
  REQUIRE(log.wait_open());
  const auto& req = log.requests.at(0);
  CHECK(req.host == "test");
  CHECK(req.origin == "http://test");
  CHECK(req.cookie == "sb_session=00ff");
  CHECK(req.requested_by == "switchboard-console");
  CHECK(req.last_event_id == "17");

  auto stream = log.stream();
  REQUIRE(stream);
  std::string sent = "retry: 2000\n\n"; // the opener's
  for (int i = 0; i < 200; ++i) {
    const auto event = "id: " + std::to_string(i) + "\ndata: {}\n\n";
    REQUIRE(stream->send(event));
    sent += event;
  }
  CHECK(server->connections() == 1);
  stream->close();
  stream->close(); // idempotent
  CHECK_FALSE(stream->send("late"));
  stream.reset();

  CHECK(client.read_to_end() == asio::error::eof);
  const auto header = header_of(client.received());
  INFO(header);
  CHECK(header.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(header.find("Content-Type: text/event-stream\r\n")
        != std::string::npos);
  CHECK(header.find("Cache-Control: no-store\r\n") != std::string::npos);
  CHECK(header.find("Connection: close\r\n") != std::string::npos);
  CHECK(header.find("Content-Length") == std::string::npos);
  CHECK(header.find("Transfer-Encoding") == std::string::npos);
  CHECK(client.stream_body() == sent);
  REQUIRE(log.wait_closed());
  CHECK(log.closed() == "closed by us");
  client.close();
  CHECK(connections_become(0));
}

TEST_CASE_METHOD(stream_fixture,
                 "stream: a client that goes away ends it as closed by peer",
                 "[stream]") {
  start();
  raw_client client(port());
  client.send(get("/events"));
  REQUIRE(log.wait_open());
  REQUIRE(client.read_until("retry: 2000\n\n"));
  auto stream = log.stream();
  REQUIRE(stream);
  client.close();
  REQUIRE(log.wait_closed());
  CHECK(log.closed() == "closed by peer");
  CHECK_FALSE(stream->send("data: gone\n\n"));
  stream.reset();
  CHECK(connections_become(0));
  CHECK(log.closes.size() == 1);
}

TEST_CASE_METHOD(stream_fixture,
                 "stream: a client that stops reading is cut off at "
                 "stream_max_queued_bytes",
                 "[stream]") {
  sb::http_server_options opts;
  opts.stream_max_queued_bytes = 64 * 1024;
  start(opts);
  raw_client client(port()); // never reads
  client.send(get("/events"));
  REQUIRE(log.wait_open());
  auto stream = log.stream();
  REQUIRE(stream);
  // Once the kernel's buffers are full, writes stop and the queue grows
  // past the limit.
  const std::string chunk(16 * 1024, 'x');
  bool refused = false;
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (!refused && std::chrono::steady_clock::now() < until)
    refused = !stream->send(chunk);
  REQUIRE(refused);
  REQUIRE(log.wait_closed());
  CHECK(log.closed() == "send queue full");
  CHECK_FALSE(stream->send("x"));
  stream.reset();
  client.close();
  CHECK(connections_become(0));
}

TEST_CASE_METHOD(stream_fixture,
                 "stream: a write that cannot finish in "
                 "stream_write_timeout ends it",
                 "[stream]") {
  sb::http_server_options opts;
  opts.stream_max_queued_bytes = 64 * 1024 * 1024;
  opts.stream_write_timeout = std::chrono::milliseconds(200);
  start(opts);
  raw_client client(port()); // never reads
  client.send(get("/events"));
  REQUIRE(log.wait_open());
  auto stream = log.stream();
  REQUIRE(stream);
  // More than loopback's socket buffers hold: the write stalls.
  REQUIRE(stream->send(std::string(48 * 1024 * 1024, 'x')));
  stream.reset();
  REQUIRE(log.wait_closed());
  INFO(log.closed());
  CHECK(log.closed().rfind("write error: ", 0) == 0);
  client.close();
  CHECK(connections_become(0));
}

TEST_CASE_METHOD(stream_fixture,
                 "stream: a quiet stream outlives the idle and header "
                 "timeouts",
                 "[stream]") {
  sb::http_server_options opts;
  opts.idle_timeout = std::chrono::milliseconds(100);
  opts.header_timeout = std::chrono::milliseconds(100);
  opts.body_timeout = std::chrono::milliseconds(100);
  start(opts, "");
  raw_client streaming(port());
  streaming.send(get("/events"));
  REQUIRE(log.wait_open());
  REQUIRE(streaming.read_until("\r\n\r\n"));
  // A keep-alive connection opened after the stream is closed by the idle
  // timeout: the stream has been quiet longer than that when it sends.
  raw_client idle(port());
  idle.send(get("/once"));
  CHECK(idle.read_to_end() == asio::error::eof);
  REQUIRE(idle.received().find("/once") != std::string::npos);
  auto stream = log.stream();
  REQUIRE(stream);
  REQUIRE(stream->send(": heartbeat\n\n"));
  CHECK(streaming.read_until(": heartbeat\n\n"));
  CHECK(log.closes.empty());
}

TEST_CASE_METHOD(stream_fixture,
                 "stream: a response owed ahead of it goes first, and a "
                 "request pipelined after it is not answered",
                 "[stream]") {
  start();
  raw_client client(port());
  client.send(get("/hold") + get("/events") + get("/after"));
  REQUIRE(log.wait([&] { return log.held.size() == 1; }));
  // The stream's answer waits for /hold's: the opener runs in its turn.
  log.held.at(0)(text("held answer"));
  // A responder holds its connection, which must not outlive the server's
  // io_context (the log does).
  log.record([&] { log.held.clear(); });
  REQUIRE(log.wait_open());
  auto stream = log.stream();
  REQUIRE(stream);
  REQUIRE(stream->send("data: 1\n\n"));
  stream->close();
  stream.reset();
  CHECK(client.read_to_end() == asio::error::eof);
  const auto& got = client.received();
  INFO(got);
  const auto held = got.find("held answer");
  const auto streamed = got.find("text/event-stream");
  REQUIRE(held != std::string::npos);
  REQUIRE(streamed != std::string::npos);
  CHECK(held < streamed);
  CHECK(got.find("/after") == std::string::npos);
  CHECK(got.substr(got.size() - 22) == "retry: 2000\n\ndata: 1\n\n");
  // Two responses' headers, no third.
  size_t status_lines = 0;
  for (auto at = got.find("HTTP/1.1 "); at != std::string::npos;
       at = got.find("HTTP/1.1 ", at + 1))
    ++status_lines;
  CHECK(status_lines == 2);
  client.close();
  CHECK(connections_become(0));
}

TEST_CASE_METHOD(stream_fixture,
                 "stream: HEAD gets the header and a close, no stream",
                 "[stream]") {
  start();
  raw_client client(port());
  client.send("HEAD /events HTTP/1.1\r\nHost: test\r\n\r\n");
  CHECK(client.read_to_end() == asio::error::eof);
  const auto& got = client.received();
  CHECK(got.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(got.find("Connection: close\r\n") != std::string::npos);
  CHECK(client.stream_body().empty());
  CHECK(log.streams.empty());
  client.close();
  CHECK(connections_become(0));
}

TEST_CASE_METHOD(stream_fixture,
                 "stream: an opener that throws ends the connection",
                 "[stream]") {
  start();
  raw_client client(port());
  client.send(get("/throws"));
  const auto why = client.read_to_end();
  CHECK((why == asio::error::eof || why == asio::error::connection_reset));
  CHECK(client.stream_body().empty());
  client.close();
  CHECK(connections_become(0));
  // The server still serves others.
  raw_client other(port());
  other.send(get("/next", "Connection: close\r\n"));
  CHECK(other.read_to_end() == asio::error::eof);
  CHECK(other.received().find("/next") != std::string::npos);
}

TEST_CASE("stream: streams still open when the io_context goes are told "
          "the server stopped",
          "[stream]") {
  app_log log;
  std::optional<raw_client> client;
  {
    stream_fixture f(log);
    f.start();
    client.emplace(f.port());
    client->send(get("/events"));
    REQUIRE(log.wait_open());
    REQUIRE(log.closes.empty());
  }
  REQUIRE(log.closes.size() == 1);
  CHECK(log.closes[0] == "server stopped");
  CHECK(log.streams.at(0).expired());
}
