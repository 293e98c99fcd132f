// The HTTP/1.1 listener behind net/http/http_server.hpp, in the shape of Beast
// 1.74's advanced_server: http_server::impl owns the acceptor and its accept
// loop, and one http_session per connection owns the socket, a strand, a
// parser per request and an ordered queue of responses, so pipelined
// requests are answered in the order they arrived. Handlers answer through a
// responder that may fire on any thread; a reply_slot (core/reply_slot.hpp)
// turns a responder dropped unanswered into a 503 instead of a hung client.
// The acceptor counts open connections (each session holds one count, a
// connection_slot, until it is destroyed) and closes new ones past
// max_connections; sessions ask the shared rate_limiter before handing a
// request on. An accepted WebSocket upgrade hands the socket and its slot
// to a ws_session (net/http/ws_session.hpp), as Beast's chat-multi http_session
// does; the http_session then ends.
#include "net/http/http_server.hpp"

#include <algorithm>
#include <atomic>
#include <deque>
#include <optional>
#include <string_view>
#include <utility>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "core/error.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/reply_slot.hpp"
#include "net/http/rate_limiter.hpp"
#include "net/http/ws_session.hpp"
#include "net/routine_end.hpp"

namespace sb {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using request_type = http::request<http::string_body>;
using response_type = http::response<http::string_body>;

constexpr uint32_t header_limit_bytes = 8 * 1024;
constexpr size_t read_chunk_bytes = 4096;
constexpr auto accept_retry_delay = std::chrono::milliseconds(100);
// Refused connections are logged at most this often: a flood of them must
// not become a flood of log lines.
constexpr auto refusal_log_interval = std::chrono::seconds(10);
constexpr std::string_view continue_line = "HTTP/1.1 100 Continue\r\n\r\n";

http_response plain(unsigned status, std::string text) {
  http_response res;
  res.status = status;
  res.body = std::move(text);
  return res;
}

std::string endpoint_text(const tcp::endpoint& ep) {
  auto ip = ep.address().to_string();
  if (ep.address().is_v6())
    ip = "[" + ip + "]";
  return ip + ":" + std::to_string(ep.port());
}

// 127.0.0.0/8, ::1, and 127.x mapped into IPv6 (a dual-stack listener).
bool is_loopback(const asio::ip::address& a) {
  if (a.is_v4())
    return a.to_v4().is_loopback();
  const auto v6 = a.to_v6();
  if (v6.is_v4_mapped())
    return asio::ip::make_address_v4(asio::ip::v4_mapped, v6).is_loopback();
  return v6.is_loopback();
}

// The parser reports every syntax problem in Beast's http category; the
// callers sort out end-of-stream and the size limits before asking.
bool is_parse_error(const beast::error_code& ec) {
  return ec.category() == make_error_code(http::error::bad_method).category();
}

http_request to_request(request_type&& msg, const std::string& remote) {
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
  req.body = std::move(msg.body());
  req.remote_address = remote;
  return req;
}

// Extra headers come from handler code that may echo request data; a CR or
// LF in one would let a caller inject headers, so such a header is dropped.
void add_headers(response_type& res, const http_response& in) {
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

response_type to_response(http_response&& in, unsigned version,
                          bool keep_alive, bool head) {
  // 1xx are not final answers and Beast throws on codes above 999.
  if (in.status < 200 || in.status > 599) {
    SB_LOG_WARNING("http: handler answered invalid status " << in.status);
    in = plain(500, "internal error\n");
  }
  response_type res;
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

ws_session_options ws_options(const http_server_options& opts) {
  ws_session_options ws;
  ws.handshake_timeout = opts.ws_handshake_timeout;
  ws.idle_timeout = opts.ws_idle_timeout;
  ws.max_frame_bytes = opts.ws_max_frame_bytes;
  ws.send_queue_frames = opts.ws_send_queue_frames;
  return ws;
}

// One queued response, in request order. `ready` is empty until the
// handler answers.
struct pending_response {
  unsigned version = 11;
  bool keep_alive = false;
  bool head = false;
  std::optional<response_type> ready;
};

} // namespace

struct http_server::impl : std::enable_shared_from_this<impl> {
  impl(asio::io_context& ioc, const http_server_options& opts,
       http_handler handler, ws_upgrade_handler upgrade)
    : ioc_(ioc),
      options_(opts),
      handler_(std::move(handler)),
      upgrade_(std::move(upgrade)),
      strand_(asio::make_strand(ioc)),
      acceptor_(strand_),
      retry_timer_(strand_),
      limiter_(opts.rate_limit_per_s, opts.rate_limit_burst,
               opts.rate_limit_loopback) {
  }

  caf::error listen();
  void do_accept();
  void on_accept(beast::error_code ec, tcp::socket socket);
  void refuse(tcp::socket& socket);
  void close_acceptor();

  asio::io_context& ioc_;
  const http_server_options options_;
  const http_handler handler_;
  const ws_upgrade_handler upgrade_; // may be empty
  const asio::strand<asio::io_context::executor_type> strand_;
  tcp::acceptor acceptor_;
  asio::steady_timer retry_timer_;
  uint16_t port_ = 0;
  std::atomic<size_t> in_flight_{0};
  std::atomic<size_t> connections_{0};
  rate_limiter limiter_;
  // Touched only on strand_ (refuse()).
  uint64_t refused_unlogged_ = 0;
  std::chrono::steady_clock::time_point refusal_logged_{};
};

namespace {

class http_session : public std::enable_shared_from_this<http_session> {
public:
  http_session(tcp::socket&& socket, std::shared_ptr<http_server::impl> srv,
               connection_slot slot);

  // Starts reading requests on the connection's strand.
  void run();

  // Any thread: moves the answer to request `seq` onto the strand, which
  // alone touches the queue. Called exactly once per request.
  void deliver(uint64_t seq, http_response res);

private:
  const http_server_options& options() const {
    return server_->options_;
  }
  template <class Fn>
  auto bind_self(Fn fn) {
    return beast::bind_front_handler(fn, shared_from_this());
  }

  void do_read();
  void do_wait();
  void on_wait(beast::error_code ec, size_t n);
  void start_request();
  bool parse_buffered(beast::error_code& ec);
  void do_read_header();
  void on_read_header(beast::error_code ec, size_t n);
  void do_continue();
  void on_continue(beast::error_code ec, size_t n);
  void do_read_body();
  void on_read_body(beast::error_code ec, size_t n);
  void on_read_error(beast::error_code ec, const char* what);
  void dispatch_request();
  void reject_over_rate(uint64_t seq, long retry_after_s);
  void call_handler(http_request&& req, http_responder respond);
  void dispatch_upgrade(uint64_t seq, request_type&& msg);
  ws_verdict call_upgrade_handler(http_request&& req);
  void hand_over(request_type&& msg, ws_opener open);
  void on_response(uint64_t seq, http_response res);
  void respond_error(unsigned status, std::string text);
  void do_write();
  void on_write(beast::error_code ec, size_t n);
  void do_close();
  void do_drain();
  void on_drain(beast::error_code ec, size_t n);
  void close_now();
  void fail(beast::error_code ec, const char* what);

  beast::tcp_stream stream_;
  const asio::any_io_executor strand_;
  const std::shared_ptr<http_server::impl> server_;
  const size_t max_pipeline_;
  connection_slot slot_; // passes to the ws_session on an upgrade
  std::string remote_;
  std::string peer_ip_;        // the rate limit's key
  bool peer_loopback_ = false;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::deque<pending_response> queue_; // front is request front_seq_
  uint64_t front_seq_ = 0;
  uint64_t next_seq_ = 0;
  bool first_request_ = true;
  bool reading_ = false; // a read chain is running
  bool writing_ = false; // an async write is in progress
  bool closing_ = false; // no more requests will be read
  bool closed_ = false;  // the socket is closed
};

http_session::http_session(tcp::socket&& socket,
                           std::shared_ptr<http_server::impl> srv,
                           connection_slot slot)
  : stream_(std::move(socket)),
    strand_(stream_.get_executor()),
    server_(std::move(srv)),
    max_pipeline_(std::max<size_t>(1, server_->options_.max_pipeline)),
    slot_(std::move(slot)) {
  beast::error_code ec;
  const auto peer = stream_.socket().remote_endpoint(ec);
  remote_ = ec ? std::string("unknown") : endpoint_text(peer);
  if (!ec) {
    peer_ip_ = peer.address().to_string();
    peer_loopback_ = is_loopback(peer.address());
  }
}

void http_session::run() {
  asio::dispatch(strand_, bind_self(&http_session::do_read));
}

void http_session::deliver(uint64_t seq, http_response res) {
  server_->in_flight_.fetch_sub(1);
  asio::post(strand_, [self = shared_from_this(), seq,
                       res = std::move(res)]() mutable {
    self->on_response(seq, std::move(res));
  });
}

void http_session::do_read() {
  // A full pipeline stops reading: further requests wait in the kernel's
  // buffers until a response leaves, which bounds memory per connection.
  if (closing_ || queue_.size() >= max_pipeline_) {
    reading_ = false;
    return;
  }
  reading_ = true;
  if (buffer_.size() == 0 && !first_request_)
    do_wait();
  else
    start_request();
}

void http_session::do_wait() {
  // A keep-alive connection may sit idle far longer than one header may
  // take to arrive, so the first byte of the next request has its own
  // deadline.
  stream_.expires_after(options().idle_timeout);
  stream_.async_read_some(buffer_.prepare(read_chunk_bytes),
                          bind_self(&http_session::on_wait));
}

void http_session::on_wait(beast::error_code ec, size_t n) {
  if (ec) {
    on_read_error(ec, "wait");
    return;
  }
  buffer_.commit(n);
  start_request();
}

// A webhook is small and usually arrives whole in one read: it is parsed
// from the buffer right here, and only what is missing is read
// asynchronously (each async read costs a trip through the scheduler and
// a timer). Either way the request goes through on_read_header's checks.
void http_session::start_request() {
  parser_.emplace();
  parser_->header_limit(header_limit_bytes);
  parser_->body_limit(options().max_body_bytes);
  beast::error_code ec;
  const bool done = parse_buffered(ec);
  if (ec) {
    on_read_error(ec, "read header");
    return;
  }
  if (done || parser_->is_header_done()) {
    on_read_header({}, 0);
    return;
  }
  do_read_header();
}

// Feeds the buffered bytes to the parser; true once the whole request
// (header and body) is in. Errors are the ones the async read would
// report (limits, malformed input).
bool http_session::parse_buffered(beast::error_code& ec) {
  parser_->eager(true);
  while (buffer_.size() > 0 && !parser_->is_done()) {
    const auto used = parser_->put(buffer_.data(), ec);
    buffer_.consume(used);
    if (ec == http::error::need_more) {
      ec = {};
      break;
    }
    if (ec || used == 0)
      break;
  }
  return !ec && parser_->is_done();
}

void http_session::do_read_header() {
  stream_.expires_after(options().header_timeout);
  http::async_read_header(stream_, buffer_, *parser_,
                          bind_self(&http_session::on_read_header));
}

void http_session::on_read_header(beast::error_code ec, size_t) {
  // A Content-Length above the body limit already failed here with
  // error::body_limit, so an oversized body is never read.
  if (ec) {
    on_read_error(ec, "read header");
    return;
  }
  first_request_ = false;
  if (parser_->is_done()) {
    dispatch_request();
    return;
  }
  const auto& req = parser_->get();
  // curl waits a second for "100 Continue" before sending a body. It must
  // not overtake a queued response, so it is sent only when none is.
  if (req.version() == 11 && queue_.empty()
      && beast::iequals(req[http::field::expect], "100-continue"))
    do_continue();
  else
    do_read_body();
}

void http_session::do_continue() {
  writing_ = true;
  stream_.expires_after(options().body_timeout);
  asio::async_write(stream_,
                    asio::buffer(continue_line.data(), continue_line.size()),
                    bind_self(&http_session::on_continue));
}

void http_session::on_continue(beast::error_code ec, size_t) {
  writing_ = false;
  if (ec) {
    fail(ec, "write continue");
    close_now();
    return;
  }
  do_read_body();
}

void http_session::do_read_body() {
  stream_.expires_after(options().body_timeout);
  http::async_read(stream_, buffer_, *parser_,
                   bind_self(&http_session::on_read_body));
}

void http_session::on_read_body(beast::error_code ec, size_t) {
  if (ec) {
    on_read_error(ec, "read body");
    return;
  }
  dispatch_request();
}

void http_session::on_read_error(beast::error_code ec, const char* what) {
  reading_ = false;
  closing_ = true;
  if (ec == http::error::body_limit) {
    respond_error(413, "payload too large\n");
  } else if (ec == http::error::header_limit) {
    respond_error(431, "request header fields too large\n");
  } else if (ec == http::error::end_of_stream
             || ec == http::error::partial_message
             || ec == asio::error::eof) {
    // The peer finished sending: answer what it already asked for, then
    // close (do_write closes once the queue drains).
    if (queue_.empty())
      do_close();
  } else if (is_parse_error(ec)) {
    fail(ec, what);
    respond_error(400, "bad request\n");
  } else {
    fail(ec, what);
    close_now();
  }
}

void http_session::dispatch_request() {
  auto msg = parser_->release();
  const bool upgrade = server_->upgrade_ && websocket::is_upgrade(msg);
  pending_response slot;
  slot.version = msg.version();
  // An upgrade request ends the HTTP conversation whatever the answer: the
  // socket passes to a WebSocket, or the refusal closes it.
  slot.keep_alive = msg.keep_alive() && !upgrade;
  slot.head = msg.method() == http::verb::head;
  // After a request that asks to close, nothing more is read: its response
  // ends the connection.
  if (!slot.keep_alive)
    closing_ = true;
  queue_.push_back(std::move(slot));
  const uint64_t seq = next_seq_++;
  long retry_after_s = 0;
  if (!server_->limiter_.allow(peer_ip_, peer_loopback_,
                               std::chrono::steady_clock::now(),
                               retry_after_s)) {
    reject_over_rate(seq, retry_after_s);
    do_read();
    return;
  }
  if (upgrade) {
    dispatch_upgrade(seq, std::move(msg));
    return;
  }
  server_->in_flight_.fetch_add(1);
  // If every copy of the responder dies unanswered, the client gets 503
  // instead of hanging.
  auto self = shared_from_this();
  reply_slot<http_response> done{
    [self, seq](http_response res) { self->deliver(seq, std::move(res)); },
    [self, seq] { self->deliver(seq, plain(503, "service unavailable\n")); }};
  call_handler(to_request(std::move(msg), remote_),
               [done](http_response res) { done.deliver(std::move(res)); });
  do_read();
}

// Over the client's rate: answered here, in its place in the pipeline,
// without reaching the handler. The connection stays open; a client that
// honours Retry-After goes on with it.
void http_session::reject_over_rate(uint64_t seq, long retry_after_s) {
  metrics::daemon().rate_limited.inc();
  SB_LOG_DEBUG("http " << remote_ << ": over the rate limit, 429");
  auto res = plain(429, "too many requests\n");
  res.headers.emplace_back("Retry-After", std::to_string(retry_after_s));
  on_response(seq, std::move(res));
}

void http_session::call_handler(http_request&& req, http_responder respond) {
  // Exceptions must not unwind into Asio. The handler's copies of the
  // responder are gone once it has thrown, so the client still gets 503.
  try {
    server_->handler_(std::move(req), std::move(respond));
  } catch (const std::exception& e) {
    SB_LOG_ERROR("http: request handler threw: " << e.what());
  } catch (...) {
    SB_LOG_ERROR("http: request handler threw a non-exception");
  }
}

void http_session::dispatch_upgrade(uint64_t seq, request_type&& msg) {
  reading_ = false; // closing_ is set: no more requests are read
  // The socket may change hands only when nothing of HTTP is left on it:
  // no response owed ahead of this one (pipelining), and no bytes past the
  // request, which a client may not send before the handshake's answer
  // (RFC 6455 4.1).
  if (queue_.size() > 1 || writing_ || buffer_.size() > 0) {
    on_response(seq, plain(400, "websocket upgrade must not be pipelined\n"));
    return;
  }
  auto verdict = call_upgrade_handler(to_request(request_type(msg), remote_));
  if (verdict.accept && !verdict.open) {
    SB_LOG_ERROR("http: upgrade handler accepted without an open callback");
    verdict = {};
    verdict.refusal = plain(500, "internal error\n");
  }
  if (!verdict.accept) {
    on_response(seq, std::move(verdict.refusal));
    return;
  }
  hand_over(std::move(msg), std::move(verdict.open));
}

ws_verdict http_session::call_upgrade_handler(http_request&& req) {
  // Exceptions must not unwind into Asio: a throw is a refusal with 500.
  try {
    return server_->upgrade_(req);
  } catch (const std::exception& e) {
    SB_LOG_ERROR("http: upgrade handler threw: " << e.what());
  } catch (...) {
    SB_LOG_ERROR("http: upgrade handler threw a non-exception");
  }
  ws_verdict refused;
  refused.refusal = plain(500, "internal error\n");
  return refused;
}

void http_session::hand_over(request_type&& msg, ws_opener open) {
  // From here the socket and its connection count belong to the
  // ws_session; this session touches neither again and ends when this
  // handler returns (no operation of its own is pending).
  queue_.clear();
  ++front_seq_;
  closed_ = closing_ = true;
  start_ws_session(stream_.release_socket(), std::move(msg),
                   ws_options(options()), remote_, std::move(slot_),
                   std::move(open));
}

void http_session::on_response(uint64_t seq, http_response res) {
  // An answer for a connection that already closed has nowhere to go.
  if (closed_)
    return;
  auto& slot = queue_[seq - front_seq_];
  slot.ready = to_response(std::move(res), slot.version, slot.keep_alive,
                           slot.head);
  do_write();
}

void http_session::respond_error(unsigned status, std::string text) {
  // The request stream can no longer be trusted, so this is the last
  // response: it follows those already queued, then the connection closes.
  pending_response slot;
  slot.ready = to_response(plain(status, std::move(text)), 11, false, false);
  queue_.push_back(std::move(slot));
  ++next_seq_;
  do_write();
}

void http_session::do_write() {
  if (writing_ || closed_ || queue_.empty() || !queue_.front().ready)
    return;
  writing_ = true;
  // A client that stops reading gets as long to take a response as it had
  // to send a body.
  stream_.expires_after(options().body_timeout);
  http::async_write(stream_, *queue_.front().ready,
                    bind_self(&http_session::on_write));
}

void http_session::on_write(beast::error_code ec, size_t) {
  writing_ = false;
  if (ec) {
    fail(ec, "write");
    close_now();
    return;
  }
  const bool keep_alive = queue_.front().ready->keep_alive();
  queue_.pop_front();
  ++front_seq_;
  if (!keep_alive || (closing_ && queue_.empty())) {
    do_close();
    return;
  }
  do_write();
  // A slot is free again: resume reading if a full pipeline paused it.
  if (!reading_ && !closing_)
    do_read();
}

void http_session::do_close() {
  // Half-close, then read and discard whatever the client still sends:
  // closing with unread data makes the kernel answer with RST, which can
  // destroy a 413 before the client has read it. The drain is bounded by
  // one header timeout in total.
  closing_ = true;
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (ec) {
    close_now();
    return;
  }
  stream_.expires_after(options().header_timeout);
  do_drain();
}

void http_session::do_drain() {
  buffer_.clear();
  stream_.async_read_some(buffer_.prepare(read_chunk_bytes),
                          bind_self(&http_session::on_drain));
}

void http_session::on_drain(beast::error_code ec, size_t) {
  if (ec) {
    close_now();
    return;
  }
  do_drain();
}

void http_session::close_now() {
  // Queued responses stay put: an async write may still reference the
  // front one. They go away with the session.
  closed_ = closing_ = true;
  reading_ = false;
  stream_.close();
}

void http_session::fail(beast::error_code ec, const char* what) {
  // Routine ends are not logged: on a public port they would bury real
  // faults. The rest are the client's doing, hence debug.
  if (is_routine_end(ec))
    return;
  SB_LOG_DEBUG("http " << remote_ << ": " << what << ": " << ec.message());
}

} // namespace

caf::error http_server::impl::listen() {
  const auto where = options_.host + ":" + std::to_string(options_.port);
  auto error_at = [&](const char* step, const beast::error_code& ec) {
    return make_error(errc::bad_config, "server.listen " + where
                                          + ": cannot " + step + ": "
                                          + ec.message());
  };
  beast::error_code ec;
  tcp::resolver resolver(ioc_);
  const auto found = resolver.resolve(options_.host,
                                      std::to_string(options_.port),
                                      tcp::resolver::passive
                                        | tcp::resolver::numeric_service,
                                      ec);
  if (!ec && found.empty())
    ec = asio::error::host_not_found;
  if (ec)
    return error_at("resolve", ec);
  const auto endpoint = found.begin()->endpoint();
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec)
    acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec)
    return error_at("open", ec);
  acceptor_.bind(endpoint, ec);
  if (ec)
    return error_at("bind", ec);
  acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return error_at("listen", ec);
  port_ = acceptor_.local_endpoint(ec).port();
  return {};
}

void http_server::impl::do_accept() {
  // Each connection gets a strand of its own, so its handlers never run
  // concurrently even when the caller runs ioc on several threads.
  acceptor_.async_accept(asio::make_strand(ioc_),
                         beast::bind_front_handler(&impl::on_accept,
                                                   shared_from_this()));
}

void http_server::impl::on_accept(beast::error_code ec, tcp::socket socket) {
  if (!acceptor_.is_open())
    return; // stop_accepting() or ~http_server closed it
  if (ec) {
    // Out of descriptors, typically: retrying at once would spin on an
    // error that repeats, so pause first.
    SB_LOG_WARNING("http: accept: " << ec.message());
    retry_timer_.expires_after(accept_retry_delay);
    retry_timer_.async_wait([self = shared_from_this()](beast::error_code e) {
      if (!e && self->acceptor_.is_open())
        self->do_accept();
    });
    return;
  }
  // Past the cap the connection is accepted and closed at once rather than
  // left unaccepted or answered 503: an unaccepted connection fills the
  // kernel's backlog until new clients (Twilio included) hang in connect,
  // and a 503 would hold a descriptor while the request is read and
  // answered, the very resource that is short. Closing frees it at once,
  // the client sees the refusal immediately, and the accept loop keeps
  // draining the backlog.
  if (connections_.load() >= options_.max_connections) {
    refuse(socket);
  } else {
    // The slot shares ownership of this impl, whose counter it holds.
    connection_slot slot(std::shared_ptr<std::atomic<size_t>>(
      shared_from_this(), &connections_));
    std::make_shared<http_session>(std::move(socket), shared_from_this(),
                                   std::move(slot))
      ->run();
  }
  do_accept();
}

void http_server::impl::refuse(tcp::socket& socket) {
  beast::error_code ec;
  socket.close(ec);
  metrics::daemon().refused_connections.inc();
  ++refused_unlogged_;
  const auto now = std::chrono::steady_clock::now();
  const bool logged_before = refusal_logged_ != decltype(refusal_logged_){};
  if (logged_before && now - refusal_logged_ < refusal_log_interval)
    return;
  SB_LOG_WARNING("http: server.max_connections (" << options_.max_connections
                 << ") reached: closed " << refused_unlogged_
                 << " new connection(s) at accept");
  refused_unlogged_ = 0;
  refusal_logged_ = now;
}

void http_server::impl::close_acceptor() {
  beast::error_code ec;
  acceptor_.close(ec);
}

caf::expected<std::unique_ptr<http_server>>
http_server::start(boost::asio::io_context& ioc,
                   const http_server_options& opts, http_handler handler,
                   ws_upgrade_handler upgrade) {
  if (!handler)
    return make_error(errc::bad_config, "server.listen: no request handler");
  auto p = std::make_shared<impl>(ioc, opts, std::move(handler),
                                  std::move(upgrade));
  if (auto err = p->listen())
    return err;
  // Every acceptor operation runs on its strand, this first one included.
  asio::post(p->strand_, [p] { p->do_accept(); });
  return std::unique_ptr<http_server>(new http_server(std::move(p)));
}

http_server::http_server(std::shared_ptr<impl> p) : impl_(std::move(p)) {
}

http_server::~http_server() {
  // Posted, not run here: the acceptor belongs to its strand. If ioc is
  // stopped the close waits in the queue and the acceptor goes with ioc.
  stop_accepting();
}

uint16_t http_server::port() const {
  return impl_->port_;
}

void http_server::stop_accepting() {
  asio::post(impl_->strand_, [p = impl_] { p->close_acceptor(); });
}

size_t http_server::in_flight() const {
  return impl_->in_flight_.load();
}

size_t http_server::connections() const {
  return impl_->connections_.load();
}

} // namespace sb
