// Tests for cli/sim/relay_client against small WebSocket servers written as
// blocking Beast scripts on loopback threads (tests/cli/loopback_server):
// the upgrade with extra headers, echo, the peer's close code, an upgrade
// refused with 403, a read that times out and still gets its message
// later, a close while such a read is in flight, a peer that never
// answers the close, and nobody listening. Every wait is bounded.
#include "cli/sim/relay_client.hpp"

#include <chrono>
#include <mutex>
#include <string>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "tests/cli/loopback_server.hpp"
#include "tests/fixtures/refusing_port.hpp"

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using sb::test::loopback_server;
using namespace std::chrono_literals;

using ws_stream = websocket::stream<loopback_server::socket&>;

// What the server saw of the upgrade request.
struct seen_request {
  std::mutex mutex;
  std::string target;
  std::string signature;
  std::string host;

  void record(const http::request<http::string_body>& req) {
    std::lock_guard<std::mutex> lock{mutex};
    target = std::string(req.target());
    signature = std::string(req["X-Twilio-Signature"]);
    host = std::string(req[http::field::host]);
  }
};

// Reads the upgrade request and accepts it; false if the client went.
bool accept(loopback_server::socket& s, ws_stream& ws, seen_request* seen) {
  beast::flat_buffer buf;
  http::request<http::string_body> req;
  beast::error_code ec;
  http::read(s, buf, req, ec);
  if (ec)
    return false;
  if (seen)
    seen->record(req);
  ws.accept(req, ec);
  return !ec;
}

std::string read_one(ws_stream& ws, beast::error_code& ec) {
  beast::flat_buffer buf;
  ws.read(buf, ec);
  return beast::buffers_to_string(buf.data());
}

} // namespace

TEST_CASE("relay_client upgrades with extra headers and echoes text",
          "[relay_client]") {
  seen_request seen;
  loopback_server server{[&seen](loopback_server::socket& s) {
    ws_stream ws{s};
    if (!accept(s, ws, &seen))
      return;
    for (;;) { // echo until the client closes
      beast::error_code ec;
      auto text = read_one(ws, ec);
      if (ec)
        return;
      ws.text(true);
      ws.write(boost::asio::buffer(text), ec);
    }
  }};
  sb::relay_client client{5s};
  CHECK(client.handshake_status() == 0);
  auto port = std::to_string(server.port());
  auto ok = client.connect("127.0.0.1", port, "/relay/CA1/tok?x=1",
                           {{"X-Twilio-Signature", "c2lnbmF0dXJl"}});
  REQUIRE(ok);
  CHECK(client.is_open());
  CHECK(client.handshake_status() == 101);
  {
    std::lock_guard<std::mutex> lock{seen.mutex};
    CHECK(seen.target == "/relay/CA1/tok?x=1");
    CHECK(seen.signature == "c2lnbmF0dXJl");
    CHECK(seen.host == "127.0.0.1:" + port);
  }
  std::string unicode = "{\"voicePrompt\":\"नमस्ते \\\"quoted\\\"\\n\"}";
  REQUIRE(client.send_text(unicode));
  auto back = client.read_text(5s);
  REQUIRE(back);
  CHECK_FALSE(back->closed);
  CHECK_FALSE(back->binary);
  CHECK(back->text == unicode);
  REQUIRE(client.send_text("second"));
  back = client.read_text(5s);
  REQUIRE(back);
  CHECK(back->text == "second");
  CHECK(client.close(1000, "bye"));
  CHECK_FALSE(client.is_open());
  CHECK(client.close()); // a no-op now
  auto after = client.send_text("late");
  REQUIRE_FALSE(after);
  CHECK(sb::what(after.error()) == "send: the socket is not open");
}

TEST_CASE("relay_client reports the peer's close code and reason",
          "[relay_client]") {
  loopback_server server{[](loopback_server::socket& s) {
    ws_stream ws{s};
    if (!accept(s, ws, nullptr))
      return;
    beast::error_code ec;
    read_one(ws, ec); // "end it"
    ws.close(websocket::close_reason(static_cast<websocket::close_code>(4001),
                                     "policy says no"),
             ec);
  }};
  sb::relay_client client{5s};
  REQUIRE(client.connect("127.0.0.1", std::to_string(server.port()), "/relay"));
  REQUIRE(client.send_text("end it"));
  auto msg = client.read_text(5s);
  REQUIRE(msg);
  CHECK(msg->closed);
  CHECK(msg->close_code == 4001);
  CHECK(msg->close_reason == "policy says no");
  CHECK_FALSE(client.is_open());
  auto again = client.read_text(1s);
  REQUIRE_FALSE(again);
  CHECK(sb::has_code(again.error(), sb::errc::backend_failed));
}

TEST_CASE("relay_client gives the status of a refused upgrade",
          "[relay_client]") {
  seen_request seen;
  loopback_server server{[&seen](loopback_server::socket& s) {
    beast::flat_buffer buf;
    http::request<http::string_body> req;
    beast::error_code ec;
    http::read(s, buf, req, ec);
    if (ec)
      return;
    seen.record(req);
    http::response<http::string_body> res{http::status::forbidden, 11};
    res.set(http::field::content_type, "text/plain");
    res.body() = "bad signature";
    res.prepare_payload();
    http::write(s, res, ec);
  }};
  sb::relay_client client{5s};
  auto refused = client.connect("127.0.0.1", std::to_string(server.port()),
                                "/relay/CA1/forged");
  REQUIRE_FALSE(refused);
  CHECK(sb::what(refused.error()) == "handshake refused: HTTP 403");
  CHECK(sb::has_code(refused.error(), sb::errc::unauthorized));
  CHECK(client.handshake_status() == 403);
  CHECK_FALSE(client.is_open());
  std::lock_guard<std::mutex> lock{seen.mutex};
  CHECK(seen.target == "/relay/CA1/forged");
  CHECK(seen.signature.empty());
}

TEST_CASE("a read that times out leaves the socket open and its message "
          "still coming",
          "[relay_client]") {
  loopback_server server{[](loopback_server::socket& s) {
    ws_stream ws{s};
    if (!accept(s, ws, nullptr))
      return;
    beast::error_code ec;
    // Silent until told to talk.
    if (read_one(ws, ec) != "go" || ec)
      return;
    ws.write(boost::asio::buffer(std::string("late")), ec);
    read_one(ws, ec); // until the client closes
  }};
  sb::relay_client client{5s};
  REQUIRE(client.connect("127.0.0.1", std::to_string(server.port()), "/"));
  auto nothing = client.read_text(50ms);
  REQUIRE_FALSE(nothing);
  CHECK(sb::has_code(nothing.error(), sb::errc::timed_out));
  CHECK(sb::what(nothing.error()) == "read: no message within 50 ms");
  CHECK(client.is_open());
  REQUIRE(client.send_text("go"));
  auto late = client.read_text(5s);
  REQUIRE(late);
  CHECK(late->text == "late");
  CHECK(client.close());
}

TEST_CASE("relay_client closes while a timed-out read is still in flight",
          "[relay_client]") {
  std::mutex mutex;
  int code = 0;
  {
    loopback_server server{[&](loopback_server::socket& s) {
      ws_stream ws{s};
      if (!accept(s, ws, nullptr))
        return;
      beast::error_code ec;
      read_one(ws, ec);
      std::lock_guard<std::mutex> lock{mutex};
      if (ec == websocket::error::closed)
        code = ws.reason().code;
    }};
    sb::relay_client client{5s};
    REQUIRE(client.connect("127.0.0.1", std::to_string(server.port()), "/"));
    REQUIRE_FALSE(client.read_text(20ms));
    CHECK(client.close(1000, "the caller hung up"));
    CHECK_FALSE(client.is_open());
  } // the server's threads are joined: `code` is final
  std::lock_guard<std::mutex> lock{mutex};
  CHECK(code == 1000);
}

TEST_CASE("relay_client gives up on a peer that never answers the close",
          "[relay_client]") {
  loopback_server server{[](loopback_server::socket& s) {
    ws_stream ws{s};
    if (!accept(s, ws, nullptr))
      return;
    // Swallows bytes, never answers: the close frame included.
    char sink[256];
    boost::system::error_code ec;
    while (!ec)
      s.read_some(boost::asio::buffer(sink), ec);
  }};
  sb::relay_client client{200ms};
  REQUIRE(client.connect("127.0.0.1", std::to_string(server.port()), "/"));
  auto start = std::chrono::steady_clock::now();
  auto closed = client.close();
  REQUIRE_FALSE(closed);
  CHECK(sb::has_code(closed.error(), sb::errc::timed_out));
  CHECK(std::chrono::steady_clock::now() - start < 5s);
  CHECK_FALSE(client.is_open());
}

TEST_CASE("relay_client says when nobody listens", "[relay_client]") {
  sb::test::refusing_port port;
  sb::relay_client client{2s};
  auto refused = client.connect("127.0.0.1", std::to_string(port.port()), "/");
  REQUIRE_FALSE(refused);
  CHECK(sb::has_code(refused.error(), sb::errc::backend_failed));
  CHECK(sb::what(refused.error()).find("connect 127.0.0.1:") == 0);
  CHECK(client.handshake_status() == 0);
  auto read = client.read_text(10ms);
  REQUIRE_FALSE(read);
  CHECK(sb::has_code(read.error(), sb::errc::backend_failed));
}
