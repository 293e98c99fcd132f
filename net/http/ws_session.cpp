// The WebSocket session behind net/http/ws_session.hpp, in the shape of Beast
// 1.74's chat-multi websocket_session: one object per connection, every
// handler on the connection's strand, kept alive by shared_from_this() in
// its pending operations. A read is always pending until the session ends:
// Beast answers pings and a peer's close frame only inside a read, and its
// idle timeout needs one to report to. Writes go one at a time from a
// queue that send_text fills from any thread through net::post; a counter
// read on the caller's thread bounds it. Our close frame follows the queued
// frames, and a deadline timer bounds every close we start, because a write
// stuck on a peer that stopped reading would otherwise hold it back for
// ever.
#include "net/http/ws_session.hpp"

#include <atomic>
#include <deque>
#include <optional>
#include <string_view>
#include <utility>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "net/http/app_callback.hpp"
#include "net/routine_end.hpp"

namespace sb {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

// A close frame carries at most 125 bytes: the code, then this much text.
constexpr size_t max_close_reason_bytes = 123;
// What a peer's close frame without a code is reported as (RFC 6455 7.4.1).
constexpr uint16_t no_status_code = 1005;

// Cut at a character boundary: the peer checks that the reason is UTF-8.
std::string_view close_reason_text(std::string_view reason) {
  if (reason.size() <= max_close_reason_bytes)
    return reason;
  size_t n = max_close_reason_bytes;
  while (n > 0 && (static_cast<unsigned char>(reason[n]) & 0xC0) == 0x80)
    --n;
  return reason.substr(0, n);
}

class ws_session : public ws_channel,
                   public std::enable_shared_from_this<ws_session> {
public:
  ws_session(tcp::socket&& socket, const ws_session_options& opts,
             std::string remote, connection_slot slot);
  ~ws_session() override;

  // Answers the handshake on the strand, then opens the channel.
  void run(http::request<http::string_body>&& req, ws_opener open);

  bool send_text(std::string frame) override;
  void close(uint16_t code, std::string reason) override;

private:
  template <class Fn>
  auto bind_self(Fn fn) {
    return beast::bind_front_handler(fn, shared_from_this());
  }

  void do_accept(const http::request<http::string_body>& req);
  void on_accept(beast::error_code ec);
  void open_channel();
  void do_read();
  void on_read(beast::error_code ec, size_t n);
  void deliver_text();
  void on_send(std::string frame);
  void do_write();
  void on_write(beast::error_code ec, size_t n);
  void begin_close(uint16_t code, std::string_view reason, std::string why,
                   bool drop_waiting);
  void do_close();
  void on_close(beast::error_code ec);
  void on_close_deadline(beast::error_code ec);
  std::string end_reason(const beast::error_code& ec, const char* what) const;
  void end(std::string why);
  void notify_closed(std::string why);
  void fail(beast::error_code ec, const char* what);

  websocket::stream<beast::tcp_stream> ws_;
  const asio::any_io_executor strand_;
  const ws_session_options options_;
  const std::string log_name_; // "ws <remote>"
  const connection_slot slot_;
  asio::steady_timer close_deadline_;
  beast::flat_buffer buffer_;
  ws_opener open_;
  ws_events events_;
  // Touched on any thread (send_text, close).
  std::atomic<bool> closing_{false}; // no more frames are taken
  std::atomic<size_t> waiting_{0};   // frames taken and not yet written
  // Touched only on the strand.
  std::deque<std::string> queue_; // front is being written if writing_
  bool writing_ = false;
  std::optional<websocket::close_reason> close_frame_; // we decided to close
  std::string close_why_;      // ... and why, for on_closed
  bool close_started_ = false; // async_close is running
  bool ended_ = false;         // on_closed has been called
};

ws_session::ws_session(tcp::socket&& socket, const ws_session_options& opts,
                       std::string remote, connection_slot slot)
  : ws_(std::move(socket)),
    strand_(ws_.get_executor()),
    options_(opts),
    log_name_("ws " + std::move(remote)),
    slot_(std::move(slot)),
    close_deadline_(strand_) {
  metrics::daemon().relay_sessions.inc();
}

// Only an io_context destroyed with the session still open gets here with
// the channel open: its pending handlers were dropped, not run.
ws_session::~ws_session() {
  if (!ended_)
    notify_closed("server stopped");
  metrics::daemon().relay_sessions.dec();
}

void ws_session::run(http::request<http::string_body>&& req, ws_opener open) {
  open_ = std::move(open);
  asio::dispatch(strand_, [self = shared_from_this(), req = std::move(req)] {
    self->do_accept(req);
  });
}

void ws_session::do_accept(const http::request<http::string_body>& req) {
  // The websocket stream has timeouts of its own; the tcp_stream's stay
  // off (a fresh stream has none).
  ws_.set_option(websocket::stream_base::timeout{options_.handshake_timeout,
                                                 options_.idle_timeout, true});
  ws_.set_option(
    websocket::stream_base::decorator([](websocket::response_type& res) {
      res.set(http::field::server, "switchboard");
    }));
  ws_.read_message_max(options_.max_frame_bytes);
  ws_.text(true);
  // One message, one frame: nothing gains from splitting short text.
  ws_.auto_fragment(false);
  // Beast builds the 101 (or a 400) from `req` before this returns.
  ws_.async_accept(req, bind_self(&ws_session::on_accept));
}

void ws_session::on_accept(beast::error_code ec) {
  if (ec) {
    fail(ec, "handshake");
    return;
  }
  open_channel();
  do_read();
}

void ws_session::open_channel() {
  // Exceptions must not unwind into Asio; a channel whose owner failed to
  // set up has no one to talk to.
  if (!call_app(log_name_, "open", [&] { events_ = open_(weak_from_this()); }))
    begin_close(1011, "internal error", "open failed", true);
  open_ = nullptr; // drops whatever the opener captured
}

void ws_session::do_read() {
  ws_.async_read(buffer_, bind_self(&ws_session::on_read));
}

void ws_session::on_read(beast::error_code ec, size_t) {
  // A read that completed just before end() closed the socket is dropped:
  // nothing follows on_closed.
  if (ended_)
    return;
  if (ec) {
    fail(ec, "read");
    end(end_reason(ec, "read"));
    return;
  }
  if (!ws_.got_text())
    begin_close(static_cast<uint16_t>(websocket::close_code::unknown_data),
                "text frames only", "binary frame", true);
  else if (!close_frame_)
    deliver_text();
  buffer_.consume(buffer_.size());
  do_read();
}

void ws_session::deliver_text() {
  auto text = beast::buffers_to_string(buffer_.data());
  if (!events_.on_text)
    return;
  if (!call_app(log_name_, "on_text",
                [&] { events_.on_text(std::move(text)); }))
    begin_close(1011, "internal error", "on_text failed", true);
}

bool ws_session::send_text(std::string frame) {
  if (closing_.load())
    return false;
  if (waiting_.fetch_add(1) >= options_.send_queue_frames) {
    waiting_.fetch_sub(1);
    // The peer stopped reading: more frames would only pile up here.
    if (!closing_.exchange(true))
      asio::post(strand_, [self = shared_from_this()] {
        self->begin_close(
          static_cast<uint16_t>(websocket::close_code::policy_error),
          "send queue full", "send queue full", true);
      });
    return false;
  }
  asio::post(strand_,
             [self = shared_from_this(), frame = std::move(frame)]() mutable {
               self->on_send(std::move(frame));
             });
  return true;
}

void ws_session::close(uint16_t code, std::string reason) {
  if (closing_.exchange(true))
    return;
  asio::post(strand_, [self = shared_from_this(), code,
                       reason = std::move(reason)] {
    self->begin_close(code, reason,
                      "closed by us (code " + std::to_string(code) + ": "
                        + std::string(close_reason_text(reason)) + ")",
                      false);
  });
}

void ws_session::on_send(std::string frame) {
  // Posted before a close that got to the strand first, or a racing one.
  if (ended_ || close_frame_) {
    waiting_.fetch_sub(1);
    return;
  }
  queue_.push_back(std::move(frame));
  if (!writing_)
    do_write();
}

void ws_session::do_write() {
  if (queue_.empty()) {
    // Drained: a close waiting behind the frames goes now.
    if (close_frame_ && !close_started_)
      do_close();
    return;
  }
  writing_ = true;
  ws_.async_write(asio::buffer(queue_.front()),
                  bind_self(&ws_session::on_write));
}

void ws_session::on_write(beast::error_code ec, size_t) {
  writing_ = false;
  queue_.pop_front();
  waiting_.fetch_sub(1);
  if (ec) {
    fail(ec, "write");
    // An aborted write says nothing of why: the read, always pending until
    // the end, is told (a timeout goes to whichever of the two asks first).
    if (ec != asio::error::operation_aborted)
      end(end_reason(ec, "write"));
    return;
  }
  if (!ended_)
    do_write();
}

void ws_session::begin_close(uint16_t code, std::string_view reason,
                             std::string why, bool drop_waiting) {
  closing_.store(true);
  if (ended_ || close_frame_)
    return;
  const auto text = close_reason_text(reason);
  close_frame_.emplace(static_cast<websocket::close_code>(code),
                       beast::string_view(text.data(), text.size()));
  close_why_ = std::move(why);
  if (drop_waiting) {
    // The frame being written must outlive its write.
    const size_t keep = writing_ ? 1 : 0;
    waiting_.fetch_sub(queue_.size() - keep);
    queue_.resize(keep);
  }
  // Draining and the close handshake together get one handshake timeout;
  // then the socket is closed under whatever still waits.
  close_deadline_.expires_after(options_.handshake_timeout);
  close_deadline_.async_wait(bind_self(&ws_session::on_close_deadline));
  if (!writing_)
    do_write();
}

void ws_session::do_close() {
  // The pending read yields to the close, which reads the peer's answer
  // and tears the connection down; then the read ends too.
  close_started_ = true;
  ws_.async_close(*close_frame_, bind_self(&ws_session::on_close));
}

void ws_session::on_close(beast::error_code ec) {
  if (ec)
    fail(ec, "close");
  end(close_why_);
}

void ws_session::on_close_deadline(beast::error_code ec) {
  if (ec == asio::error::operation_aborted || ended_)
    return;
  SB_LOG_DEBUG(log_name_ << ": close not done in time, dropped");
  end(close_why_);
}

std::string ws_session::end_reason(const beast::error_code& ec,
                                   const char* what) const {
  if (ec == websocket::error::closed && !close_started_) {
    const auto code = ws_.reason().code;
    return "closed by peer (code "
           + std::to_string(code == 0 ? no_status_code : code) + ")";
  }
  if (close_frame_)
    return close_why_;
  if (ec == beast::error::timeout)
    return "idle timeout";
  if (ec == websocket::error::message_too_big)
    return "message too large";
  return std::string(what) + " error: " + ec.message();
}

void ws_session::end(std::string why) {
  if (ended_)
    return;
  ended_ = true;
  closing_.store(true);
  close_deadline_.cancel();
  // Whatever still runs on the socket (a write stuck on a peer that
  // stopped reading, a close handshake) ends with it. Usually Beast has
  // closed it already.
  beast::get_lowest_layer(ws_).close();
  SB_LOG_DEBUG(log_name_ << ": ended: " << why);
  notify_closed(std::move(why));
}

void ws_session::notify_closed(std::string why) {
  // Clearing the events drops what the application captured, and no
  // on_text can follow.
  auto on_closed = std::move(events_.on_closed);
  events_ = {};
  ended_ = true;
  if (on_closed)
    call_app(log_name_, "on_closed", [&] { on_closed(std::move(why)); });
}

void ws_session::fail(beast::error_code ec, const char* what) {
  // Routine ends are not logged; the rest are the peer's doing, hence
  // debug.
  if (is_routine_end(ec))
    return;
  SB_LOG_DEBUG(log_name_ << ": " << what << ": " << ec.message());
}

} // namespace

void start_ws_session(tcp::socket&& socket,
                      http::request<http::string_body>&& req,
                      const ws_session_options& opts, std::string remote,
                      connection_slot slot, ws_opener open) {
  std::make_shared<ws_session>(std::move(socket), opts, std::move(remote),
                               std::move(slot))
    ->run(std::move(req), std::move(open));
}

} // namespace sb
