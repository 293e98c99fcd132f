// Message conversion (net/http/http_convert.hpp) on messages built by hand,
// no sockets: what the application sees of a request, and what goes on the
// wire for its answer (status, headers, length, keep-alive, HEAD).
#include "net/http/http_convert.hpp"

#include <string>

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <catch2/catch.hpp>

namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using sb::beast_request;
using sb::http_response;

beast_request request(http::verb method, const std::string& target) {
  beast_request msg{method, target, 11};
  return msg;
}

sb::beast_response answer(http_response res, unsigned version = 11,
                          bool keep_alive = true, bool head = false) {
  return sb::to_response(std::move(res), version, keep_alive, head);
}

} // namespace

TEST_CASE("to_request splits the target at the first '?'", "[http_convert]") {
  auto plain = sb::to_request(request(http::verb::get, "/a/b"), "x");
  CHECK(plain.method == "GET");
  CHECK(plain.target == "/a/b");
  CHECK(plain.path == "/a/b");
  CHECK(plain.query.empty());

  auto query = sb::to_request(request(http::verb::post, "/v?a=1&b=%3F?c"), "");
  CHECK(query.method == "POST");
  CHECK(query.target == "/v?a=1&b=%3F?c");
  CHECK(query.path == "/v");
  CHECK(query.query == "a=1&b=%3F?c"); // not decoded, later '?' kept

  auto bare = sb::to_request(request(http::verb::get, "/v?"), "");
  CHECK(bare.path == "/v");
  CHECK(bare.query.empty());
}

TEST_CASE("to_request takes the headers the application reads",
          "[http_convert]") {
  auto msg = request(http::verb::post, "/voice");
  msg.set(http::field::content_type, "application/x-www-form-urlencoded");
  msg.set(http::field::authorization, "Basic dTpw");
  msg.set("x-twilio-signature", "c2lnbmF0dXJl"); // names are case-insensitive
  msg.set(http::field::if_none_match, "\"v1\"");
  msg.set("I-Twilio-Idempotency-Token", "tok-1");
  msg.set(http::field::host, "127.0.0.1:8001");
  msg.set(http::field::origin, "http://127.0.0.1:8001");
  msg.set(http::field::cookie, "sb_session=ab12; other=1");
  msg.set("x-requested-by", "switchboard-console");
  msg.set("Last-Event-ID", "42");
  msg.set("mcp-protocol-version", "2026-07-28");
  msg.set("Mcp-Method", "tools/call");
  msg.set("MCP-NAME", "get_call");
  msg.set("X-Other", "ignored");
  msg.body() = "CallSid=CA1";
  auto req = sb::to_request(std::move(msg), "203.0.113.7:5060");
  CHECK(req.content_type == "application/x-www-form-urlencoded");
  CHECK(req.authorization == "Basic dTpw");
  CHECK(req.twilio_signature == "c2lnbmF0dXJl");
  CHECK(req.if_none_match == "\"v1\"");
  CHECK(req.idempotency_token == "tok-1");
  CHECK(req.host == "127.0.0.1:8001");
  CHECK(req.origin == "http://127.0.0.1:8001");
  CHECK(req.cookie == "sb_session=ab12; other=1");
  CHECK(req.requested_by == "switchboard-console");
  CHECK(req.last_event_id == "42");
  CHECK(req.mcp_protocol_version == "2026-07-28");
  CHECK(req.mcp_method == "tools/call");
  CHECK(req.mcp_name == "get_call");
  CHECK(req.body == "CallSid=CA1");
  CHECK(req.remote_address == "203.0.113.7:5060");
}

TEST_CASE("to_request leaves absent headers empty", "[http_convert]") {
  auto req = sb::to_request(request(http::verb::get, "/"), "[::1]:1");
  CHECK(req.content_type.empty());
  CHECK(req.authorization.empty());
  CHECK(req.twilio_signature.empty());
  CHECK(req.if_none_match.empty());
  CHECK(req.idempotency_token.empty());
  CHECK(req.host.empty());
  CHECK(req.origin.empty());
  CHECK(req.cookie.empty());
  CHECK(req.requested_by.empty());
  CHECK(req.last_event_id.empty());
  CHECK(req.mcp_protocol_version.empty());
  CHECK(req.mcp_method.empty());
  CHECK(req.mcp_name.empty());
  CHECK(req.body.empty());
}

TEST_CASE("to_response sets status, Server, Content-Type and length",
          "[http_convert]") {
  http_response in;
  in.status = 201;
  in.content_type = "text/xml";
  in.body = "<Response/>";
  auto res = answer(in);
  CHECK(res.result_int() == 201);
  CHECK(res.version() == 11);
  CHECK(res[http::field::server] == "switchboard");
  CHECK(res[http::field::content_type] == "text/xml");
  CHECK(res[http::field::content_length] == "11");
  CHECK(res.body() == "<Response/>");

  in.content_type.clear();
  CHECK(answer(in).count(http::field::content_type) == 0);
}

TEST_CASE("to_response adds extra headers and drops injected ones",
          "[http_convert]") {
  auto in = sb::plain_response(429, "too many requests\n");
  in.headers = {{"Retry-After", "3"},
                {"X-Bad", "a\r\nSet-Cookie: x=1"},
                {"X-Bad\nName", "v"},
                {"", "nameless"},
                {"ETag", "\"v2\""}};
  auto res = answer(in);
  CHECK(res[http::field::retry_after] == "3");
  CHECK(res[http::field::etag] == "\"v2\"");
  CHECK(res.count("X-Bad") == 0);
  CHECK(res.count(http::field::set_cookie) == 0);
  size_t fields = 0;
  for (const auto& f : res) {
    (void) f;
    ++fields;
  }
  // Server, Content-Type, the two good extras, Content-Length.
  CHECK(fields == 5);
}

TEST_CASE("to_response never chunks", "[http_convert]") {
  auto in = sb::plain_response(200, "twiml");
  in.headers = {{"Transfer-Encoding", "chunked"}};
  auto res = answer(in);
  CHECK(res.count(http::field::transfer_encoding) == 0);
  CHECK(res[http::field::content_length] == "5");
  CHECK_FALSE(res.chunked());
}

TEST_CASE("to_response: 204 and 304 carry no body, 204 no length",
          "[http_convert]") {
  auto none = answer(sb::plain_response(204, "dropped"));
  CHECK(none.body().empty());
  CHECK(none.count(http::field::content_length) == 0);
  auto same = answer(sb::plain_response(304, "dropped"));
  CHECK(same.body().empty());
}

TEST_CASE("to_response answers HEAD with GET's length and no body",
          "[http_convert]") {
  auto res = answer(sb::plain_response(200, "hello"), 11, true, true);
  CHECK(res[http::field::content_length] == "5");
  CHECK(res.body().empty());
}

TEST_CASE("to_response turns a status that is no final answer into 500",
          "[http_convert]") {
  for (unsigned status : {0u, 100u, 199u, 600u, 1000u}) {
    INFO(status);
    auto res = answer(sb::plain_response(status, "body"));
    CHECK(res.result_int() == 500);
    CHECK(res.body() == "internal error\n");
  }
  CHECK(answer(sb::plain_response(599, "x")).result_int() == 599);
}

TEST_CASE("to_response sets keep-alive as the version needs",
          "[http_convert]") {
  auto kept11 = answer(sb::plain_response(200, ""), 11, true);
  CHECK(kept11.keep_alive());
  CHECK(kept11.count(http::field::connection) == 0);
  auto closed11 = answer(sb::plain_response(200, ""), 11, false);
  CHECK_FALSE(closed11.keep_alive());
  CHECK(closed11[http::field::connection] == "close");
  auto kept10 = answer(sb::plain_response(200, ""), 10, true);
  CHECK(kept10.version() == 10);
  CHECK(kept10.keep_alive());
  CHECK(kept10[http::field::connection] == "keep-alive");
  auto closed10 = answer(sb::plain_response(200, ""), 10, false);
  CHECK_FALSE(closed10.keep_alive());
  CHECK(closed10.count(http::field::connection) == 0);
}

TEST_CASE("to_stream_header says Connection: close and no length",
          "[http_convert]") {
  for (unsigned version : {10u, 11u}) {
    INFO(version);
    http_response in;
    in.content_type = "text/event-stream";
    in.body = "ignored";
    in.headers = {{"Cache-Control", "no-store"},
                  {"Transfer-Encoding", "chunked"}};
    auto res = sb::to_stream_header(std::move(in), version);
    CHECK(res.result_int() == 200);
    CHECK(res.version() == version);
    CHECK(res[http::field::content_type] == "text/event-stream");
    CHECK(res[http::field::cache_control] == "no-store");
    CHECK(res[http::field::connection] == "close");
    CHECK(res.count(http::field::content_length) == 0);
    CHECK(res.count(http::field::transfer_encoding) == 0);
    CHECK(res.body().empty());
  }
}

TEST_CASE("header_text is the status line and fields up to the blank line",
          "[http_convert]") {
  http_response in;
  in.content_type = "text/event-stream";
  const auto text = sb::header_text(sb::to_stream_header(std::move(in), 11));
  CHECK(text.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(text.find("Content-Type: text/event-stream\r\n") != std::string::npos);
  CHECK(text.find("Connection: close\r\n") != std::string::npos);
  REQUIRE(text.size() >= 4);
  CHECK(text.substr(text.size() - 4) == "\r\n\r\n");
  CHECK(text.find("\r\n\r\n") == text.size() - 4);
}

TEST_CASE("endpoint_text writes ip:port, IPv6 in brackets", "[http_convert]") {
  using asio::ip::make_address;
  using asio::ip::tcp;
  CHECK(sb::endpoint_text(tcp::endpoint(make_address("192.0.2.1"), 443))
        == "192.0.2.1:443");
  CHECK(sb::endpoint_text(tcp::endpoint(make_address("2001:db8::1"), 8080))
        == "[2001:db8::1]:8080");
  CHECK(sb::endpoint_text(tcp::endpoint(make_address("::ffff:10.0.0.1"), 1))
        == "[::ffff:10.0.0.1]:1");
}

TEST_CASE("is_loopback: 127/8, ::1 and 127/8 mapped into IPv6",
          "[http_convert]") {
  using asio::ip::make_address;
  for (const char* a : {"127.0.0.1", "127.255.0.9", "::1", "::ffff:127.0.0.1"})
    CHECK(sb::is_loopback(make_address(a)));
  for (const char* a :
       {"10.0.0.1", "0.0.0.0", "::", "::ffff:10.0.0.1", "2001:db8::1", "::2"})
    CHECK_FALSE(sb::is_loopback(make_address(a)));
}
