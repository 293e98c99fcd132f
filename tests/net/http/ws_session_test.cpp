// Loopback tests for WebSocket sessions on the HTTP listener: a real server
// on 127.0.0.1:0 run by two I/O threads, driven by a real Beast WebSocket
// client and a raw HTTP client. Every client operation runs on a private
// io_context for at most `deadline` and the socket is closed past it (Beast's
// timeout options act on asynchronous operations only, and Asio's blocking
// reads ignore SO_RCVTIMEO), so a hung server fails a test instead of
// hanging it. Waits are on events with finite deadlines; only the
// connection count and the gauge, which change in destructors on I/O
// threads, are polled (bounded), as in http_server_test.
#include <atomic>
#include <chrono>
#include <functional>
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
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <catch2/catch.hpp>

#include "core/metrics.hpp"
#include "net/http/http_server.hpp"
#include "net/http/ws_types.hpp"
#include "tests/support/poll_until.hpp"
#include "tests/support/run_op.hpp"
#include "tests/support/watched_state.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

constexpr auto deadline = std::chrono::seconds(5);

tcp::endpoint loopback(uint16_t port) {
  return {asio::ip::make_address("127.0.0.1"), port};
}

// A ConversationRelay-like client: sends X-Twilio-Signature on the upgrade.
class ws_client {
public:
  explicit ws_client(uint16_t port, std::string signature = "c2lnbmF0dXJl") {
    beast::get_lowest_layer(ws_).socket().connect(loopback(port));
    ws_.set_option(websocket::stream_base::decorator(
      [signature](websocket::request_type& req) {
        req.set("X-Twilio-Signature", signature);
      }));
  }

  beast::error_code handshake(const std::string& target,
                              websocket::response_type& res) {
    return run([&](auto done) {
      ws_.async_handshake(res, "127.0.0.1", target, std::move(done));
    });
  }

  beast::error_code write(const std::string& data, bool text = true) {
    ws_.text(text);
    return run(
      [&](auto done) { ws_.async_write(asio::buffer(data), std::move(done)); });
  }

  beast::error_code read(std::string& message) {
    beast::flat_buffer buffer;
    auto ec = run([&](auto done) { ws_.async_read(buffer, std::move(done)); });
    message = beast::buffers_to_string(buffer.data());
    return ec;
  }

  // Reads until the session ends; returns why and counts the messages.
  beast::error_code read_to_end(size_t& messages) {
    messages = 0;
    for (;;) {
      std::string message;
      auto ec = read(message);
      if (ec)
        return ec;
      ++messages;
    }
  }

  beast::error_code close(uint16_t code, const std::string& reason) {
    return run([&](auto done) {
      ws_.async_close(websocket::close_reason(
                        static_cast<websocket::close_code>(code),
                        beast::string_view(reason.data(), reason.size())),
                      std::move(done));
    });
  }

  // The close frame the server sent, once a read ended with closed.
  const websocket::close_reason& reason() const {
    return ws_.reason();
  }

  // After a refused handshake: reads the socket itself until the server
  // closes it and returns why reading stopped.
  beast::error_code socket_to_end() {
    auto& stream = beast::get_lowest_layer(ws_);
    for (;;) {
      char buf[4096];
      auto ec = run([&](auto done) {
        stream.async_read_some(asio::buffer(buf), std::move(done));
      });
      if (ec)
        return ec;
    }
  }

  // The server drains a closing connection until its client closes too.
  void close_socket() {
    beast::get_lowest_layer(ws_).close();
  }

private:
  template <class Start>
  beast::error_code run(Start start) {
    return sb::testing::run_op(
      ioc_, start, [this] { beast::get_lowest_layer(ws_).close(); }, deadline);
  }

  asio::io_context ioc_;
  websocket::stream<beast::tcp_stream> ws_{ioc_};
};

// Raw HTTP, to pipeline and to send bytes a WebSocket client would not.
class http_client {
public:
  explicit http_client(uint16_t port) {
    stream_.socket().connect(loopback(port));
  }

  void send(const std::string& raw) {
    REQUIRE_FALSE(run([&](auto done) {
      asio::async_write(stream_, asio::buffer(raw), std::move(done));
    }));
  }

  http::response<http::string_body> read() {
    http::response_parser<http::string_body> parser;
    auto ec = run([&](auto done) {
      http::async_read(stream_, buffer_, parser, std::move(done));
    });
    INFO(ec.message());
    REQUIRE_FALSE(ec);
    return parser.release();
  }

  // Why reading stopped once the server closed (eof, or a reset).
  beast::error_code read_to_end() {
    for (;;) {
      size_t n = 0;
      auto ec = run([&](auto done) {
        stream_.async_read_some(buffer_.prepare(4096),
                                [&n, done](beast::error_code e, size_t k) {
                                  n = k;
                                  done(e);
                                });
      });
      buffer_.commit(n);
      if (ec)
        return ec;
    }
  }

  void close() {
    stream_.close();
  }

private:
  template <class Start>
  beast::error_code run(Start start) {
    return sb::testing::run_op(
      ioc_, start, [this] { stream_.close(); }, deadline);
  }

  asio::io_context ioc_;
  beast::tcp_stream stream_{ioc_};
  beast::flat_buffer buffer_;
};

std::string upgrade_request(const std::string& target) {
  return "GET " + target
         + " HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\n"
           "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
}

sb::http_response text_response(unsigned status, std::string body) {
  sb::http_response res;
  res.status = status;
  res.body = std::move(body);
  return res;
}

// Answers at once with the request's method and target.
void echo(sb::http_request&& req, sb::http_responder respond) {
  respond(text_response(200, req.method + "\n" + req.target + "\n"));
}

// What the application side saw, for the test thread to wait on. Declared
// before the fixture's io_context, so it outlives sessions that end when
// the io_context is destroyed.
struct app_log : sb::testing::watched_state {
  std::vector<sb::http_request> upgrades; // as the upgrade handler saw them
  std::vector<std::weak_ptr<sb::ws_channel>> channels;
  std::vector<std::string> texts;
  std::vector<std::string> closes;     // on_closed reasons
  std::vector<sb::http_request> plain; // seen by the normal handler
  std::vector<sb::http_responder> responders;

  // Accepts every upgrade and records the session's events.
  sb::ws_upgrade_handler accept_all() {
    return [this](const sb::http_request& req) {
      record([&] { upgrades.push_back(req); });
      sb::ws_verdict verdict;
      verdict.accept = true;
      verdict.open = [this](std::weak_ptr<sb::ws_channel> channel) {
        record([&] { channels.push_back(channel); });
        sb::ws_events events;
        events.on_text = [this](std::string t) {
          record([&] { texts.push_back(std::move(t)); });
        };
        events.on_closed = [this](std::string why) {
          record([&] { closes.push_back(std::move(why)); });
        };
        return events;
      };
      return verdict;
    };
  }

  // Holds every plain request's responder for the test to answer.
  sb::http_handler hold_all() {
    return [this](sb::http_request&& req, sb::http_responder respond) {
      record([&] {
        plain.push_back(std::move(req));
        responders.push_back(std::move(respond));
      });
    };
  }

  bool wait_open(size_t n = 1) {
    return wait([&] { return channels.size() >= n; });
  }

  bool wait_closed(size_t n = 1) {
    return wait([&] { return closes.size() >= n; });
  }

  std::shared_ptr<sb::ws_channel> channel(size_t i = 0) {
    std::lock_guard<std::mutex> lock(mutex);
    return channels.at(i).lock();
  }
};

double relay_sessions() {
  return sb::metrics::daemon().relay_sessions.value();
}

// Bounded poll: see the file comment.
template <class Pred>
bool eventually(Pred pred) {
  return sb::testing::poll_until(pred, deadline);
}

// The server under test, run by two I/O threads as in the daemon. The
// destructor stops ioc and joins before any member goes away.
struct ws_fixture {
  app_log log;
  const double relay_before = relay_sessions();
  asio::io_context ioc;
  asio::executor_work_guard<asio::io_context::executor_type> work{
    ioc.get_executor()};
  std::unique_ptr<sb::http_server> server;
  std::vector<std::thread> threads;

  void start(sb::ws_upgrade_handler upgrade, sb::http_server_options opts = {},
             sb::http_handler handler = echo) {
    auto started = sb::http_server::start(ioc, opts, std::move(handler),
                                          std::move(upgrade));
    REQUIRE(started);
    server = std::move(*started);
    for (int i = 0; i < 2; ++i)
      threads.emplace_back([this] { ioc.run(); });
  }

  uint16_t port() const {
    return server->port();
  }

  // Every session and connection is gone, and the counts with them.
  void require_all_ended() {
    CHECK(eventually([&] { return server->connections() == 0; }));
    CHECK(eventually([&] { return relay_sessions() == relay_before; }));
  }

  ~ws_fixture() {
    server.reset();
    work.reset();
    ioc.stop();
    for (auto& t : threads)
      t.join();
  }
};

} // namespace

TEST_CASE_METHOD(ws_fixture,
                 "ws: a refused upgrade gets the handler's "
                 "answer and the connection closes",
                 "[ws]") {
  start([this](const sb::http_request& req) {
    log.record([&] { log.upgrades.push_back(req); });
    sb::ws_verdict verdict;
    verdict.refusal = text_response(403, "forbidden\n");
    return verdict;
  });
  ws_client client(port(), "abc+/=");
  websocket::response_type res;
  CHECK(client.handshake("/relay/CA123?x=1", res)
        == websocket::error::upgrade_declined);
  CHECK(res.result_int() == 403);
  CHECK(res.body() == "forbidden\n");
  CHECK_FALSE(res.keep_alive());
  CHECK(res[http::field::server] == "switchboard");
  REQUIRE(log.wait([&] { return log.upgrades.size() == 1; }));
  const auto& req = log.upgrades[0];
  CHECK(req.method == "GET");
  CHECK(req.target == "/relay/CA123?x=1");
  CHECK(req.path == "/relay/CA123");
  CHECK(req.query == "x=1");
  CHECK(req.twilio_signature == "abc+/=");
  CHECK(req.remote_address.rfind("127.0.0.1:", 0) == 0);
  CHECK(client.socket_to_end() == asio::error::eof);
  client.close_socket();
  require_all_ended();
  CHECK(log.channels.empty());
}

TEST_CASE_METHOD(ws_fixture,
                 "ws: an upgrade handler that throws or accepts "
                 "without open gets 500",
                 "[ws]") {
  std::atomic<bool> throws{true};
  start([&throws](const sb::http_request&) -> sb::ws_verdict {
    if (throws.load())
      throw std::runtime_error("boom");
    sb::ws_verdict verdict;
    verdict.accept = true;
    return verdict;
  });
  for (bool t : {true, false}) {
    throws.store(t);
    ws_client client(port());
    websocket::response_type res;
    CHECK(client.handshake("/relay/x", res)
          == websocket::error::upgrade_declined);
    CHECK(res.result_int() == 500);
    client.close_socket();
  }
  require_all_ended();
}

TEST_CASE_METHOD(ws_fixture,
                 "ws: an accepted session carries text both "
                 "ways in order",
                 "[ws]") {
  start(log.accept_all());
  ws_client client(port());
  websocket::response_type res;
  REQUIRE_FALSE(client.handshake("/relay/CA1", res));
  CHECK(res.result_int() == 101);
  CHECK(res[http::field::server] == "switchboard");
  REQUIRE(log.wait_open());
  CHECK(log.upgrades.at(0).target == "/relay/CA1");
  CHECK(log.upgrades.at(0).twilio_signature == "c2lnbmF0dXJl");
  CHECK(server->connections() == 1);
  CHECK(relay_sessions() == relay_before + 1);

  for (const char* m : {"one", "two", "three"})
    REQUIRE_FALSE(client.write(m));
  REQUIRE(log.wait([&] { return log.texts.size() >= 3; }));
  CHECK(log.texts == std::vector<std::string>{"one", "two", "three"});

  // From a thread that is not an I/O thread, as an actor would.
  constexpr int count = 50;
  auto channel = log.channel();
  REQUIRE(channel);
  int taken = 0; // Catch2 assertions are for the test thread only
  std::thread sender([channel, &taken] {
    for (int i = 0; i < count; ++i)
      taken += channel->send_text("frame " + std::to_string(i)) ? 1 : 0;
  });
  sender.join();
  CHECK(taken == count);
  for (int i = 0; i < count; ++i) {
    std::string got;
    REQUIRE_FALSE(client.read(got));
    CHECK(got == "frame " + std::to_string(i));
  }
  channel.reset();
  // Under the lock: the session ends (on an I/O thread) once the client
  // goes at the end of the test.
  CHECK(log.wait([&] { return log.closes.empty(); }));
}

TEST_CASE_METHOD(ws_fixture,
                 "ws: close from the server follows the queued "
                 "frames and ends the session once",
                 "[ws]") {
  start(log.accept_all());
  ws_client client(port());
  websocket::response_type res;
  REQUIRE_FALSE(client.handshake("/relay/CA1", res));
  REQUIRE(log.wait_open());
  auto channel = log.channel();
  REQUIRE(channel);
  CHECK(channel->send_text("last words"));
  channel->close(1000, "bye");
  channel->close(1011, "again"); // idempotent
  CHECK_FALSE(channel->send_text("too late"));
  channel.reset();
  std::string got;
  REQUIRE_FALSE(client.read(got));
  CHECK(got == "last words");
  CHECK(client.read(got) == websocket::error::closed);
  CHECK(client.reason().code == 1000);
  CHECK(std::string(client.reason().reason) == "bye");
  REQUIRE(log.wait_closed());
  require_all_ended();
  REQUIRE(log.closes.size() == 1);
  CHECK(log.closes[0] == "closed by us (code 1000: bye)");
  CHECK(log.channels.at(0).expired());
}

TEST_CASE_METHOD(ws_fixture,
                 "ws: a close from the peer ends the session "
                 "once",
                 "[ws]") {
  start(log.accept_all());
  ws_client client(port());
  websocket::response_type res;
  REQUIRE_FALSE(client.handshake("/relay/CA1", res));
  REQUIRE(log.wait_open());
  // Beast answers the close frame: the client's close completes cleanly.
  CHECK_FALSE(client.close(1000, "done"));
  REQUIRE(log.wait_closed());
  require_all_ended();
  REQUIRE(log.closes.size() == 1);
  CHECK(log.closes[0] == "closed by peer (code 1000)");
  CHECK(log.channels.at(0).expired());
}

TEST_CASE_METHOD(ws_fixture,
                 "ws: a message over ws_max_frame_bytes closes "
                 "with 1009",
                 "[ws]") {
  sb::http_server_options opts;
  opts.ws_max_frame_bytes = 1024;
  start(log.accept_all(), opts);
  ws_client client(port());
  websocket::response_type res;
  REQUIRE_FALSE(client.handshake("/relay/CA1", res));
  REQUIRE(log.wait_open());
  REQUIRE_FALSE(client.write(std::string(1024, 'a'))); // at the limit: taken
  REQUIRE_FALSE(client.write(std::string(4096, 'b')));
  // Beast's teardown after a failed read closes the socket without waiting
  // for the client's answer to its close frame, so the client may see the
  // close frame and then a reset instead of a clean end.
  std::string got;
  const auto ec = client.read(got);
  CHECK((ec == websocket::error::closed || ec == asio::error::not_connected
         || ec == asio::error::connection_reset
         || ec == asio::error::broken_pipe));
  CHECK(client.reason().code == 1009);
  REQUIRE(log.wait_closed());
  require_all_ended();
  REQUIRE(log.texts.size() == 1);
  CHECK(log.texts[0].size() == 1024);
  REQUIRE(log.closes.size() == 1);
  CHECK(log.closes[0] == "message too large");
}

TEST_CASE_METHOD(ws_fixture, "ws: a binary message closes with 1003", "[ws]") {
  start(log.accept_all());
  ws_client client(port());
  websocket::response_type res;
  REQUIRE_FALSE(client.handshake("/relay/CA1", res));
  REQUIRE(log.wait_open());
  REQUIRE_FALSE(client.write(std::string("\x01\x02\x03", 3), false));
  std::string got;
  CHECK(client.read(got) == websocket::error::closed);
  CHECK(client.reason().code == 1003);
  CHECK(std::string(client.reason().reason) == "text frames only");
  REQUIRE(log.wait_closed());
  require_all_ended();
  CHECK(log.texts.empty());
  REQUIRE(log.closes.size() == 1);
  CHECK(log.closes[0] == "binary frame");
}

TEST_CASE_METHOD(ws_fixture, "ws: an on_text that throws closes with 1011",
                 "[ws]") {
  start([this](const sb::http_request&) {
    sb::ws_verdict verdict;
    verdict.accept = true;
    verdict.open = [this](std::weak_ptr<sb::ws_channel>) {
      sb::ws_events events;
      events.on_text = [](std::string) { throw std::runtime_error("bad"); };
      events.on_closed = [this](std::string why) {
        log.record([&] { log.closes.push_back(std::move(why)); });
      };
      return events;
    };
    return verdict;
  });
  ws_client client(port());
  websocket::response_type res;
  REQUIRE_FALSE(client.handshake("/relay/CA1", res));
  REQUIRE_FALSE(client.write("hello"));
  std::string got;
  CHECK(client.read(got) == websocket::error::closed);
  CHECK(client.reason().code == 1011);
  REQUIRE(log.wait_closed());
  require_all_ended();
  REQUIRE(log.closes.size() == 1);
  CHECK(log.closes[0] == "on_text failed");
}

TEST_CASE_METHOD(ws_fixture,
                 "ws: a peer that stops reading fills the send "
                 "queue and is closed with 1008",
                 "[ws]") {
  sb::http_server_options opts;
  opts.ws_send_queue_frames = 16;
  start(log.accept_all(), opts);
  ws_client client(port());
  websocket::response_type res;
  REQUIRE_FALSE(client.handshake("/relay/CA1", res));
  REQUIRE(log.wait_open());
  auto channel = log.channel();
  REQUIRE(channel);
  // The client reads nothing meanwhile. Far fewer frames than the bound
  // fill the queue and the socket buffers.
  const std::string frame(256 * 1024, 'x');
  int sent = 0;
  while (sent < 4096 && channel->send_text(frame))
    ++sent;
  CHECK(sent < 4096);
  CHECK(sent >= 16);
  CHECK_FALSE(channel->send_text("after"));
  channel.reset();
  // Now reading: what was already on its way, then the close frame.
  size_t messages = 0;
  CHECK(client.read_to_end(messages) == websocket::error::closed);
  CHECK(messages <= static_cast<size_t>(sent));
  CHECK(client.reason().code == 1008);
  CHECK(std::string(client.reason().reason) == "send queue full");
  REQUIRE(log.wait_closed());
  require_all_ended();
  REQUIRE(log.closes.size() == 1);
  CHECK(log.closes[0] == "send queue full");
}

TEST_CASE_METHOD(ws_fixture,
                 "ws: a peer that answers no ping is dropped "
                 "after the idle timeout",
                 "[ws]") {
  sb::http_server_options opts;
  opts.ws_idle_timeout = std::chrono::milliseconds(400);
  start(log.accept_all(), opts);
  ws_client client(port());
  websocket::response_type res;
  REQUIRE_FALSE(client.handshake("/relay/CA1", res));
  REQUIRE(log.wait_open());
  // The client's stream is never read, so it never answers the ping.
  const auto opened = std::chrono::steady_clock::now();
  REQUIRE(log.wait_closed());
  CHECK(std::chrono::steady_clock::now() - opened
        >= std::chrono::milliseconds(300));
  require_all_ended();
  REQUIRE(log.closes.size() == 1);
  CHECK(log.closes[0] == "idle timeout");
  std::string got;
  const auto ec = client.read(got);
  CHECK(ec);
  CHECK(ec != asio::error::timed_out);
}

TEST_CASE_METHOD(ws_fixture,
                 "ws: plain requests are served alongside "
                 "sessions",
                 "[ws]") {
  start(log.accept_all());
  ws_client first(port());
  ws_client second(port());
  websocket::response_type res;
  REQUIRE_FALSE(first.handshake("/relay/CA1", res));
  REQUIRE_FALSE(second.handshake("/relay/CA2", res));
  REQUIRE(log.wait_open(2));
  CHECK(relay_sessions() == relay_before + 2);
  http_client plain(port());
  plain.send("GET /voice?a=1 HTTP/1.1\r\nHost: t\r\n\r\n");
  auto answer = plain.read();
  CHECK(answer.result_int() == 200);
  CHECK(answer.body() == "GET\n/voice?a=1\n");
  CHECK(server->connections() == 3);
  REQUIRE_FALSE(first.write("still here"));
  REQUIRE(log.wait([&] { return !log.texts.empty(); }));
  CHECK(log.texts[0] == "still here");
  CHECK_FALSE(first.close(1000, ""));
  CHECK_FALSE(second.close(1001, "going away"));
  plain.send("GET /bye HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  CHECK(plain.read().result_int() == 200);
  plain.close();
  REQUIRE(log.wait_closed(2));
  require_all_ended();
}

TEST_CASE_METHOD(ws_fixture,
                 "ws: without an upgrade handler an upgrade "
                 "reaches the normal handler",
                 "[ws]") {
  start({});
  ws_client client(port());
  websocket::response_type res;
  CHECK(client.handshake("/relay/CA1", res)
        == websocket::error::upgrade_declined);
  CHECK(res.result_int() == 200);
  CHECK(res.body() == "GET\n/relay/CA1\n");
  CHECK(relay_sessions() == relay_before);
}

TEST_CASE_METHOD(ws_fixture,
                 "ws: an upgrade behind an unanswered request "
                 "gets 400 and the connection closes",
                 "[ws]") {
  start(log.accept_all(), {}, log.hold_all());
  http_client client(port());
  // One write: the server reads both requests at once.
  client.send("GET /hold HTTP/1.1\r\nHost: t\r\n\r\n"
              + upgrade_request("/relay/CA1"));
  REQUIRE(log.wait([&] { return log.responders.size() == 1; }));
  log.responders[0](text_response(200, "held\n"));
  log.record([&] { log.responders.clear(); }); // they hold the session
  auto first = client.read();
  CHECK(first.body() == "held\n");
  auto second = client.read();
  CHECK(second.result_int() == 400);
  CHECK_FALSE(second.keep_alive());
  const auto end = client.read_to_end();
  CHECK((end == asio::error::eof || end == asio::error::connection_reset));
  client.close();
  CHECK(log.upgrades.empty());
  require_all_ended();
}

TEST_CASE_METHOD(ws_fixture,
                 "ws: bytes sent before the handshake's answer "
                 "get 400",
                 "[ws]") {
  start(log.accept_all());
  http_client client(port());
  client.send(upgrade_request("/relay/CA1") + "early");
  auto res = client.read();
  CHECK(res.result_int() == 400);
  CHECK_FALSE(res.keep_alive());
  client.close();
  CHECK(log.upgrades.empty());
  require_all_ended();
}

TEST_CASE_METHOD(ws_fixture, "ws: over the rate limit an upgrade gets 429",
                 "[ws]") {
  sb::http_server_options opts;
  opts.rate_limit_per_s = 0.5;
  opts.rate_limit_burst = 1;
  opts.rate_limit_loopback = true;
  start(log.accept_all(), opts);
  ws_client first(port());
  websocket::response_type res;
  REQUIRE_FALSE(first.handshake("/relay/CA1", res));
  ws_client second(port());
  CHECK(second.handshake("/relay/CA2", res)
        == websocket::error::upgrade_declined);
  CHECK(res.result_int() == 429);
  REQUIRE(log.wait([&] { return !log.upgrades.empty(); }));
  CHECK(log.upgrades.size() == 1);
}

TEST_CASE("ws: sessions still open when the io_context goes are told "
          "the server stopped",
          "[ws]") {
  app_log log;
  std::optional<ws_client> client;
  const double before = relay_sessions();
  {
    ws_fixture f;
    f.start(log.accept_all());
    client.emplace(f.port());
    websocket::response_type res;
    REQUIRE_FALSE(client->handshake("/relay/CA1", res));
    REQUIRE(log.wait_open());
  }
  REQUIRE(log.closes.size() == 1);
  CHECK(log.closes[0] == "server stopped");
  CHECK(log.channels.at(0).expired());
  CHECK(relay_sessions() == before);
}

TEST_CASE("ws: the relay_sessions gauge is registered", "[ws]") {
  sb::metrics::daemon(); // registers the daemon's families
  CHECK(
    sb::metrics::render().find("\n# TYPE switchboard_relay_sessions gauge\n")
    != std::string::npos);
}
