// The streamed response behind net/http/stream_session.hpp, in the shape of
// ws_session (Beast 1.74's chat-multi websocket_session): one object per
// connection, every handler on the connection's strand, kept alive by
// shared_from_this() in its pending operations. send() and close() come
// from any thread through net::post; a byte counter read on the caller's
// thread bounds the queue. A read is always pending, with no deadline:
// a quiet stream is normal (the application sends heartbeats), and the
// read is how a peer that went away is noticed. Each write has a deadline
// instead, because a peer that stopped reading would otherwise hold a
// write, and the connection, for ever.
#include "net/http/stream_session.hpp"

#include <array>
#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <utility>

#include <boost/asio/buffer.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "core/log.hpp"
#include "net/http/app_callback.hpp"
#include "net/routine_end.hpp"

namespace sb {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

class stream_session : public event_stream,
                       public std::enable_shared_from_this<stream_session> {
public:
  stream_session(tcp::socket&& socket, const stream_session_options& opts,
                 std::string remote, connection_slot slot);
  ~stream_session() override;

  // Queues the header and opens the stream, on the strand.
  void run(std::string header, event_stream_opener open);

  bool send(std::string bytes) override;
  void close() override;

private:
  template <class Fn>
  auto bind_self(Fn fn) {
    return beast::bind_front_handler(fn, shared_from_this());
  }

  void start(std::string header, const event_stream_opener& open);
  void open_stream(const event_stream_opener& open);
  void do_read();
  void on_read(beast::error_code ec, size_t n);
  void take_pending();
  void on_close_request();
  void do_write();
  void on_write(beast::error_code ec, size_t n);
  void do_shutdown();
  void on_linger(beast::error_code ec);
  void end(std::string why);
  void report_end(std::string why);
  void notify_closed(std::string why);
  void fail(beast::error_code ec, const char* what);

  beast::tcp_stream stream_;
  const asio::any_io_executor strand_;
  const stream_session_options options_;
  const std::string log_name_; // "stream <remote>"
  const connection_slot slot_;
  asio::steady_timer linger_;
  std::array<char, 512> discard_{}; // what the peer sends, unread
  event_stream_events events_;
  // Touched on any thread (send, close).
  std::atomic<bool> closing_{false}; // no more bytes are taken
  std::atomic<size_t> waiting_{0};   // bytes queued and not yet written
  // Bytes sent since the strand last took them. A busy stream (hundreds
  // of events a second to each of many tabs) then costs one post and one
  // write per batch, not per event.
  std::mutex pending_mutex_;
  std::string pending_;      // guarded by pending_mutex_
  bool take_posted_ = false; // guarded by pending_mutex_
  // Touched only on the strand.
  std::deque<std::string> queue_; // front is being written if writing_
  bool writing_ = false;
  bool close_requested_ = false; // close() reached the strand
  bool ended_ = false;           // on_closed has been called
};

stream_session::stream_session(tcp::socket&& socket,
                               const stream_session_options& opts,
                               std::string remote, connection_slot slot)
  : stream_(std::move(socket)),
    strand_(stream_.get_executor()),
    options_(opts),
    log_name_("stream " + std::move(remote)),
    slot_(std::move(slot)),
    linger_(strand_) {
}

// Only an io_context destroyed with the stream still open gets here with
// it open: its pending handlers were dropped, not run.
stream_session::~stream_session() {
  if (!ended_)
    notify_closed("server stopped");
}

void stream_session::run(std::string header, event_stream_opener open) {
  asio::dispatch(strand_,
                 [self = shared_from_this(), header = std::move(header),
                  open = std::move(open)]() mutable {
                   self->start(std::move(header), open);
                 });
}

void stream_session::start(std::string header,
                           const event_stream_opener& open) {
  // The header counts against the queue limit like any bytes not yet
  // written: the limit bounds memory, whoever queued it.
  waiting_.fetch_add(header.size());
  queue_.push_back(std::move(header));
  do_read();
  do_write();
  open_stream(open);
}

void stream_session::open_stream(const event_stream_opener& open) {
  // A stream whose owner failed to set up has no one to feed it.
  if (call_app(log_name_, "open", [&] { events_ = open(weak_from_this()); }))
    return;
  events_ = {};
  end("open failed");
}

void stream_session::do_read() {
  // No deadline on the read (a pending write keeps its own).
  stream_.expires_never();
  stream_.async_read_some(asio::buffer(discard_),
                          bind_self(&stream_session::on_read));
}

void stream_session::on_read(beast::error_code ec, size_t) {
  // The peer may send anything after its request (a pipelined one, say);
  // none of it is answered.
  if (!ec) {
    do_read();
    return;
  }
  // Whoever closed the socket under the read reports why.
  if (ec == asio::error::operation_aborted)
    return;
  if (ended_) {
    // Our close is done: the peer closed too.
    linger_.cancel();
    stream_.close();
    return;
  }
  fail(ec, "read");
  end("closed by peer");
}

bool stream_session::send(std::string bytes) {
  if (closing_.load())
    return false;
  const size_t n = bytes.size();
  if (waiting_.fetch_add(n) + n > options_.max_queued_bytes) {
    waiting_.fetch_sub(n);
    // The peer stopped reading: more bytes would only pile up here.
    if (!closing_.exchange(true))
      asio::post(strand_,
                 [self = shared_from_this()] { self->end("send queue full"); });
    return false;
  }
  {
    std::lock_guard<std::mutex> lock(pending_mutex_);
    pending_ += bytes;
    if (take_posted_)
      return true; // the take already posted carries these bytes too
    take_posted_ = true;
  }
  asio::post(strand_, [self = shared_from_this()] { self->take_pending(); });
  return true;
}

void stream_session::close() {
  if (closing_.exchange(true))
    return;
  asio::post(strand_,
             [self = shared_from_this()] { self->on_close_request(); });
}

void stream_session::take_pending() {
  std::string bytes;
  {
    std::lock_guard<std::mutex> lock(pending_mutex_);
    bytes.swap(pending_);
    take_posted_ = false;
  }
  // Posted before an end that got to the strand first, or a racing close.
  if (ended_ || close_requested_) {
    waiting_.fetch_sub(bytes.size());
    return;
  }
  queue_.push_back(std::move(bytes));
  if (!writing_)
    do_write();
}

void stream_session::on_close_request() {
  if (ended_)
    return;
  close_requested_ = true;
  if (!writing_)
    do_write();
}

void stream_session::do_write() {
  if (ended_)
    return;
  if (queue_.empty()) {
    // Drained: a close waiting behind the bytes goes now.
    if (close_requested_)
      do_shutdown();
    return;
  }
  writing_ = true;
  // With the read pending this sets the write's deadline alone.
  stream_.expires_after(options_.write_timeout);
  asio::async_write(stream_, asio::buffer(queue_.front()),
                    bind_self(&stream_session::on_write));
}

void stream_session::on_write(beast::error_code ec, size_t) {
  writing_ = false;
  waiting_.fetch_sub(queue_.front().size());
  queue_.pop_front();
  if (ended_)
    return;
  if (ec) {
    fail(ec, "write");
    end("write error: " + ec.message());
    return;
  }
  do_write();
}

void stream_session::do_shutdown() {
  // The peer reads the end of the body as end of stream. The socket stays
  // open until the peer closes its side (the pending read sees it) or one
  // write timeout passes: closing with unread input would make the kernel
  // answer with RST, which can destroy the last bytes before they are read.
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  report_end("closed by us");
  if (ec) {
    stream_.close();
    return;
  }
  linger_.expires_after(options_.write_timeout);
  linger_.async_wait(bind_self(&stream_session::on_linger));
}

void stream_session::on_linger(beast::error_code ec) {
  if (ec == asio::error::operation_aborted)
    return;
  stream_.close();
}

void stream_session::end(std::string why) {
  if (ended_)
    return;
  // Whatever still runs on the socket (a write stuck on a peer that
  // stopped reading) ends with it.
  stream_.close();
  report_end(std::move(why));
}

void stream_session::report_end(std::string why) {
  if (ended_)
    return;
  ended_ = true;
  closing_.store(true);
  // A queued write will not happen: its bytes go now. The one being
  // written must outlive its write.
  const size_t keep = writing_ ? 1 : 0;
  while (queue_.size() > keep) {
    waiting_.fetch_sub(queue_.back().size());
    queue_.pop_back();
  }
  SB_LOG_DEBUG(log_name_ << ": ended: " << why);
  notify_closed(std::move(why));
}

void stream_session::notify_closed(std::string why) {
  // Clearing the events drops what the application captured.
  auto on_closed = std::move(events_.on_closed);
  events_ = {};
  ended_ = true;
  if (on_closed)
    call_app(log_name_, "on_closed", [&] { on_closed(std::move(why)); });
}

void stream_session::fail(beast::error_code ec, const char* what) {
  // Routine ends are not logged; the rest are the peer's doing, hence
  // debug.
  if (is_routine_end(ec))
    return;
  SB_LOG_DEBUG(log_name_ << ": " << what << ": " << ec.message());
}

} // namespace

void start_stream_session(tcp::socket&& socket, std::string header,
                          const stream_session_options& opts,
                          std::string remote, connection_slot slot,
                          event_stream_opener open) {
  std::make_shared<stream_session>(std::move(socket), opts, std::move(remote),
                                   std::move(slot))
    ->run(std::move(header), std::move(open));
}

} // namespace sb
