// The connection behind net/http/http_session.hpp. Every handler runs on
// the connection's strand and holds the session through shared_from_this().
// Handlers answer through a responder that may fire on any thread; a
// reply_promise (core/reply_promise.hpp) turns a responder dropped unanswered
// into a 503 instead of a hung client. Reading stops while the pipeline is
// full, which bounds memory per connection; a request stream that can no longer
// be trusted gets one last error response and a close.
#include "net/http/http_session.hpp"

#include <algorithm>
#include <string_view>
#include <utility>

#include <boost/asio/buffer.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/reply_promise.hpp"
#include "net/http/http_listener.hpp"
#include "net/http/stream_session.hpp"
#include "net/http/ws_session.hpp"
#include "net/routine_end.hpp"

namespace sb {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

constexpr uint32_t header_limit_bytes = 8 * 1024;
constexpr size_t read_chunk_bytes = 4096;
constexpr std::string_view continue_line = "HTTP/1.1 100 Continue\r\n\r\n";

// The parser reports every syntax problem in Beast's http category; the
// callers sort out end-of-stream and the size limits before asking.
bool is_parse_error(const beast::error_code& ec) {
  return ec.category() == make_error_code(http::error::bad_method).category();
}

} // namespace

http_session::http_session(tcp::socket&& socket,
                           std::shared_ptr<http_listener> listener,
                           connection_slot slot)
  : stream_(std::move(socket)),
    strand_(stream_.get_executor()),
    listener_(std::move(listener)),
    max_pipeline_(std::max<size_t>(1, listener_->options().max_pipeline)),
    slot_(std::move(slot)) {
  beast::error_code ec;
  const auto peer = stream_.socket().remote_endpoint(ec);
  remote_ = ec ? std::string("unknown") : endpoint_text(peer);
  if (!ec) {
    peer_ip_ = peer.address().to_string();
    peer_loopback_ = is_loopback(peer.address());
  }
}

const http_server_options& http_session::options() const {
  return listener_->options();
}

template <class Fn>
auto http_session::bind_self(Fn fn) {
  return beast::bind_front_handler(fn, shared_from_this());
}

void http_session::run() {
  asio::dispatch(strand_, bind_self(&http_session::do_read));
}

void http_session::deliver(uint64_t seq, http_response res) {
  asio::post(strand_,
             [self = shared_from_this(), seq, res = std::move(res)]() mutable {
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
  // The socket went to a stream under this read: nothing more is read.
  if (closed_)
    return;
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
  if (closed_)
    return;
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
  if (closed_)
    return;
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
             || ec == http::error::partial_message || ec == asio::error::eof) {
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
  const bool upgrade = listener_->takes_upgrades()
                       && websocket::is_upgrade(msg);
  pending_response entry;
  entry.version = msg.version();
  // An upgrade request ends the HTTP conversation whatever the answer: the
  // socket passes to a WebSocket, or the refusal closes it.
  entry.keep_alive = msg.keep_alive() && !upgrade;
  entry.head = msg.method() == http::verb::head;
  // After a request that asks to close, nothing more is read: its response
  // ends the connection.
  if (!entry.keep_alive)
    closing_ = true;
  queue_.push_back(std::move(entry));
  const uint64_t seq = next_seq_++;
  long retry_after_s = 0;
  if (!listener_->allow(peer_ip_, peer_loopback_, retry_after_s)) {
    reject_over_rate(seq, retry_after_s);
    do_read();
    return;
  }
  if (upgrade) {
    dispatch_upgrade(seq, std::move(msg));
    return;
  }
  queue_.back().in_flight = listener_->count_in_flight();
  // If every copy of the responder dies unanswered, the client gets 503
  // instead of hanging.
  auto self = shared_from_this();
  reply_promise<http_response> done{
    [self, seq](http_response res) { self->deliver(seq, std::move(res)); },
    [self, seq] {
      self->deliver(seq, plain_response(503, "service unavailable\n"));
    }};
  listener_->call_handler(to_request(std::move(msg), remote_),
                          [done](http_response res) {
                            done.deliver(std::move(res));
                          });
  do_read();
}

// Over the client's rate: answered here, in its place in the pipeline,
// without reaching the handler. The connection stays open; a client that
// honours Retry-After goes on with it.
void http_session::reject_over_rate(uint64_t seq, long retry_after_s) {
  metrics::daemon().rate_limited.inc();
  SB_LOG_DEBUG("http " << remote_ << ": over the rate limit, 429");
  auto res = plain_response(429, "too many requests\n");
  res.headers.emplace_back("Retry-After", std::to_string(retry_after_s));
  on_response(seq, std::move(res));
}

void http_session::dispatch_upgrade(uint64_t seq, beast_request&& msg) {
  reading_ = false; // closing_ is set: no more requests are read
  // The socket may change hands only when nothing of HTTP is left on it:
  // no response owed ahead of this one (pipelining), and no bytes past the
  // request, which a client may not send before the handshake's answer
  // (RFC 6455 4.1).
  if (queue_.size() > 1 || writing_ || buffer_.size() > 0) {
    on_response(
      seq, plain_response(400, "websocket upgrade must not be pipelined\n"));
    return;
  }
  auto verdict = listener_->call_upgrade_handler(
    to_request(beast_request(msg), remote_));
  if (!verdict.accept) {
    on_response(seq, std::move(verdict.refusal));
    return;
  }
  hand_over(std::move(msg), std::move(verdict.open), verdict.limits);
}

void http_session::hand_over(beast_request&& msg, ws_opener open,
                             const std::optional<ws_limits>& limits) {
  // From here the socket and its connection count belong to the
  // ws_session; this session touches neither again and ends when this
  // handler returns (no operation of its own is pending).
  queue_.clear();
  ++front_seq_;
  closed_ = closing_ = true;
  auto options = listener_->ws_options();
  if (limits) {
    options.idle_timeout = limits->idle_timeout;
    options.max_frame_bytes = limits->max_frame_bytes;
    options.send_queue_frames = limits->send_queue_frames;
  }
  start_ws_session(stream_.release_socket(), std::move(msg), options, remote_,
                   std::move(slot_), std::move(open));
}

void http_session::on_response(uint64_t seq, http_response res) {
  // An answer for a connection that already closed has nowhere to go.
  if (closed_)
    return;
  auto& entry = queue_[seq - front_seq_];
  if (!res.open_stream) {
    entry.ready = to_response(std::move(res), entry.version, entry.keep_alive,
                              entry.head);
    do_write();
    return;
  }
  // A stream is the connection's last response: nothing more is read.
  // HEAD gets the header GET would have, then the close, and no stream.
  closing_ = true;
  entry.keep_alive = false;
  if (!entry.head)
    entry.open_stream = std::move(res.open_stream);
  entry.ready = to_stream_header(std::move(res), entry.version);
  do_write();
}

void http_session::hand_over_stream() {
  // From here the socket and its connection count belong to the
  // stream_session. Responses owed to later (pipelined) requests are
  // dropped with the queue; a read still pending was cancelled by
  // release_socket and ends in a handler that sees closed_.
  auto open = std::move(queue_.front().open_stream);
  auto header = header_text(*queue_.front().ready);
  queue_.clear();
  ++front_seq_;
  closed_ = closing_ = true;
  reading_ = false;
  stream_session_options opts;
  opts.write_timeout = options().stream_write_timeout;
  opts.max_queued_bytes = options().stream_max_queued_bytes;
  start_stream_session(stream_.release_socket(), std::move(header), opts,
                       remote_, std::move(slot_), std::move(open));
}

void http_session::respond_error(unsigned status, std::string text) {
  // The request stream can no longer be trusted, so this is the last
  // response: it follows those already queued, then the connection closes.
  pending_response entry;
  entry.ready = to_response(plain_response(status, std::move(text)), 11, false,
                            false);
  queue_.push_back(std::move(entry));
  ++next_seq_;
  do_write();
}

void http_session::do_write() {
  if (writing_ || closed_ || queue_.empty() || !queue_.front().ready)
    return;
  if (queue_.front().open_stream) {
    hand_over_stream();
    return;
  }
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
  // A pipeline entry is done: resume reading if a full pipeline paused it.
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

} // namespace sb
