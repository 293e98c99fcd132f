// The conversions behind net/http/http_convert.hpp. Every rule here exists
// for a client we must serve (Twilio cannot read chunked TwiML) or a
// protocol rule Beast enforces by throwing, which must never reach Asio.
#include "net/http/http_convert.hpp"

#include <sstream>
#include <utility>

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/write.hpp> // operator<< for a header

#include "core/log.hpp"

namespace sb {
namespace {

namespace http = boost::beast::http;

// Extra headers come from handler code that may echo request data; a CR or
// LF in one would let a caller inject headers, so such a header is dropped.
void add_headers(beast_response& res, const http_response& in) {
  auto clean = [](const std::string& s) {
    return s.find_first_of("\r\n") == std::string::npos;
  };
  for (const auto& [name, value] : in.headers) {
    if (name.empty() || !clean(name) || !clean(value)) {
      SB_LOG_WARNING("http: dropped malformed response header " << name);
      continue;
    }
    res.set(name, value);
  }
}

} // namespace

http_response plain_response(unsigned status, std::string text) {
  http_response res;
  res.status = status;
  res.body = std::move(text);
  return res;
}

http_request to_request(beast_request&& msg, const std::string& remote) {
  http_request req;
  req.method = std::string(msg.method_string());
  req.target = std::string(msg.target());
  const auto q = req.target.find('?');
  req.path = req.target.substr(0, q);
  if (q != std::string::npos)
    req.query = req.target.substr(q + 1);
  req.content_type = std::string(msg[http::field::content_type]);
  req.authorization = std::string(msg[http::field::authorization]);
  req.twilio_signature = std::string(msg["X-Twilio-Signature"]);
  req.if_none_match = std::string(msg[http::field::if_none_match]);
  // The same on every retry of one delivery: how a replay is told from a
  // caller saying the same words again (actors/call_replay.cpp).
  req.idempotency_token = std::string(msg["I-Twilio-Idempotency-Token"]);
  req.host = std::string(msg[http::field::host]);
  req.origin = std::string(msg[http::field::origin]);
  req.cookie = std::string(msg[http::field::cookie]);
  req.requested_by = std::string(msg["X-Requested-By"]);
  req.last_event_id = std::string(msg["Last-Event-ID"]);
  req.mcp_protocol_version = std::string(msg["MCP-Protocol-Version"]);
  req.mcp_method = std::string(msg["Mcp-Method"]);
  req.mcp_name = std::string(msg["Mcp-Name"]);
  req.body = std::move(msg.body());
  req.remote_address = remote;
  return req;
}

beast_response to_response(http_response&& in, unsigned version,
                           bool keep_alive, bool head) {
  // 1xx are not final answers and Beast throws on codes above 999.
  if (in.status < 200 || in.status > 599) {
    SB_LOG_WARNING("http: handler answered invalid status " << in.status);
    in = plain_response(500, "internal error\n");
  }
  beast_response res;
  res.version(version);
  res.result(in.status);
  res.set(http::field::server, "switchboard");
  if (!in.content_type.empty())
    res.set(http::field::content_type, in.content_type);
  add_headers(res, in);
  // Twilio cannot read chunked TwiML, and the length is always known here.
  res.erase(http::field::transfer_encoding);
  // Beast throws if these carry a body; the protocol forbids one anyway.
  if (in.status != 204 && in.status != 304)
    res.body() = std::move(in.body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  if (in.status == 204)
    res.erase(http::field::content_length);
  // HEAD gets the headers GET would have, length included, and no body.
  if (head)
    res.body().clear();
  return res;
}

beast_response to_stream_header(http_response&& in, unsigned version) {
  in.body.clear();
  auto res = to_response(std::move(in), version, false, false);
  // The body is as long as the connection lasts: a length would end it,
  // and a handler's Transfer-Encoding was already dropped. HTTP/1.0
  // closes by default, but saying so costs nothing and spares the reader
  // the rule.
  res.erase(http::field::content_length);
  res.set(http::field::connection, "close");
  return res;
}

std::string header_text(const beast_response& res) {
  std::ostringstream out;
  out << res.base();
  return out.str();
}

std::string endpoint_text(const boost::asio::ip::tcp::endpoint& ep) {
  auto ip = ep.address().to_string();
  if (ep.address().is_v6())
    ip = "[" + ip + "]";
  return ip + ":" + std::to_string(ep.port());
}

bool is_loopback(const boost::asio::ip::address& a) {
  if (a.is_v4())
    return a.to_v4().is_loopback();
  const auto v6 = a.to_v6();
  if (v6.is_v4_mapped())
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6)
      .is_loopback();
  return v6.is_loopback();
}

} // namespace sb
