// The Unix-socket line listener behind net/line/line_server.hpp, in the
// shape of net/http's listener and session: line_server::impl owns the
// socket file, the acceptor and its accept loop; one line_session per
// connection owns the socket, a strand, the bytes not yet split into lines
// and an ordered queue of replies, so pipelined lines are answered in the
// order they arrived. A reply_promise (core/reply_promise.hpp) turns a
// responder dropped unanswered into dropped_reply instead of a client waiting
// forever.
#include "net/line/line_server.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <deque>
#include <optional>
#include <utility>

#include <sys/socket.h>
#include <sys/stat.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>

#include "core/error.hpp"
#include "core/log.hpp"
#include "core/reply_promise.hpp"
#include "net/line/socket_file.hpp"
#include "net/routine_end.hpp"

namespace sb {
namespace {

namespace asio = boost::asio;
using local = asio::local::stream_protocol;
using error_code = boost::system::error_code;

constexpr size_t read_chunk_bytes = 4096;
constexpr auto accept_retry_delay = std::chrono::milliseconds(100);

bool is_blank(const std::string& line) {
  return std::all_of(line.begin(), line.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

// A reply as it goes on the wire: exactly one line.
std::string framed(std::string reply) {
  std::replace(reply.begin(), reply.end(), '\n', ' ');
  std::replace(reply.begin(), reply.end(), '\r', ' ');
  reply += '\n';
  return reply;
}

std::string with_max(std::string text, size_t max) {
  const std::string mark = "{max}";
  const auto at = text.find(mark);
  if (at != std::string::npos)
    text.replace(at, mark.size(), std::to_string(max));
  return text;
}

peer_info peer_of(local::socket& socket) {
  peer_info peer;
  ucred cred{};
  socklen_t len = sizeof(cred);
  if (getsockopt(socket.native_handle(), SOL_SOCKET, SO_PEERCRED, &cred, &len)
        == 0
      && len == sizeof(cred)) {
    peer.pid = cred.pid;
    peer.uid = cred.uid;
    peer.gid = cred.gid;
  }
  return peer;
}

caf::error path_error(const std::string& path, const std::string& why) {
  return make_error(errc::bad_config, path + ": " + why);
}

} // namespace

struct line_server::impl : std::enable_shared_from_this<impl> {
  impl(asio::io_context& context, std::string socket_path, line_handler on_line,
       line_server_options opts)
    : ioc(context),
      path(std::move(socket_path)),
      handler(std::move(on_line)),
      options(std::move(opts)),
      too_long_reply(with_max(options.too_long_reply, options.max_line_bytes)),
      strand(asio::make_strand(context)),
      acceptor(strand),
      retry_timer(strand) {
  }

  caf::error listen();
  caf::error bind_and_listen();
  void do_accept();
  void on_accept(error_code ec, local::socket socket);
  void close_acceptor();
  void unlink_file();

  asio::io_context& ioc;
  const std::string path;
  const line_handler handler;
  const line_server_options options;
  const std::string too_long_reply;
  const asio::strand<asio::io_context::executor_type> strand;
  local::acceptor acceptor;
  asio::steady_timer retry_timer;
  // The file this server bound, so that it never unlinks a successor's.
  std::optional<file_identity> bound;
  std::atomic<size_t> in_flight{0};
};

namespace {

class line_session : public std::enable_shared_from_this<line_session> {
public:
  line_session(local::socket&& socket, std::shared_ptr<line_server::impl> srv);

  // Logs the peer and starts reading lines on the connection's strand.
  void run();

  // Any thread: moves the answer to line `seq` onto the strand, which alone
  // touches the queue. Called exactly once per dispatched line.
  void deliver(uint64_t seq, std::string reply);

  const std::string& dropped_reply() const {
    return server_->options.dropped_reply;
  }

private:
  const line_server_options& options() const {
    return server_->options;
  }
  template <class Fn>
  auto bind_self(Fn fn) {
    return [self = shared_from_this(), fn](auto&&... args) {
      ((*self).*fn)(std::forward<decltype(args)>(args)...);
    };
  }

  void do_read();
  void on_read(error_code ec, size_t n);
  bool take_line();
  void finish_input();
  void dispatch_line(std::string line);
  void call_handler(std::string line, line_responder respond);
  void reject_overlong();
  void on_reply(uint64_t seq, std::string reply);
  void do_write();
  void on_write(error_code ec, size_t n);
  void arm_timer(std::chrono::milliseconds after);
  void on_timer(error_code ec);
  void close_now();
  void fail(error_code ec, const char* what);

  local::socket socket_;
  asio::steady_timer timer_;
  const std::shared_ptr<line_server::impl> server_;
  const size_t max_pipeline_;
  peer_info peer_;
  std::array<char, read_chunk_bytes> chunk_{};
  std::string in_;          // received bytes not yet taken as lines
  bool discarding_ = false; // inside an overlong line: drop to its newline
  std::deque<std::optional<std::string>> queue_; // front is line front_seq_
  uint64_t front_seq_ = 0;
  uint64_t next_seq_ = 0;
  bool reading_ = false; // an async read is in progress
  bool writing_ = false; // an async write is in progress
  bool closing_ = false; // no more lines will be read
  bool closed_ = false;  // the socket is closed
};

line_session::line_session(local::socket&& socket,
                           std::shared_ptr<line_server::impl> srv)
  : socket_(std::move(socket)),
    timer_(socket_.get_executor()),
    server_(std::move(srv)),
    max_pipeline_(std::max<size_t>(1, server_->options.max_pipeline)),
    peer_(peer_of(socket_)) {
}

void line_session::run() {
  SB_LOG_INFO(options().log_name << ": connection from pid " << peer_.pid
                                 << " uid " << peer_.uid);
  asio::dispatch(socket_.get_executor(), [self = shared_from_this()] {
    self->arm_timer(self->options().idle_timeout);
    self->do_read();
  });
}

void line_session::deliver(uint64_t seq, std::string reply) {
  server_->in_flight.fetch_sub(1);
  asio::post(socket_.get_executor(), [self = shared_from_this(), seq,
                                      reply = std::move(reply)]() mutable {
    self->on_reply(seq, std::move(reply));
  });
}

void line_session::do_read() {
  // Complete lines already received go first. A full pipeline stops here:
  // further lines wait in in_ or in the kernel's buffers until a reply
  // leaves, which bounds memory per connection.
  while (!closing_ && queue_.size() < max_pipeline_ && take_line()) {
  }
  if (closing_ || closed_ || queue_.size() >= max_pipeline_)
    return;
  reading_ = true;
  socket_.async_read_some(asio::buffer(chunk_),
                          bind_self(&line_session::on_read));
}

void line_session::on_read(error_code ec, size_t n) {
  reading_ = false;
  if (ec == asio::error::eof) {
    finish_input();
    return;
  }
  if (ec) {
    fail(ec, "read");
    close_now();
    return;
  }
  in_.append(chunk_.data(), n);
  if (!writing_)
    arm_timer(options().idle_timeout);
  do_read();
}

bool line_session::take_line() {
  const size_t max = options().max_line_bytes;
  if (discarding_) {
    const auto nl = in_.find('\n');
    if (nl == std::string::npos) {
      in_.clear();
      return false;
    }
    in_.erase(0, nl + 1);
    discarding_ = false;
  }
  const auto nl = in_.find('\n');
  if (nl == std::string::npos) {
    // One byte of slack for the CR of a CRLF whose LF is still to come.
    if (in_.size() <= max + 1)
      return false;
    in_.clear();
    discarding_ = true;
    reject_overlong();
    return true;
  }
  std::string line = in_.substr(0, nl);
  in_.erase(0, nl + 1);
  if (!line.empty() && line.back() == '\r')
    line.pop_back();
  if (line.size() > max)
    reject_overlong();
  else if (!is_blank(line))
    dispatch_line(std::move(line));
  return true;
}

void line_session::finish_input() {
  // The peer finished sending: a last line without its newline still
  // counts, then the connection closes once every reply has left.
  closing_ = true;
  // A last line one byte over the limit was kept as the possible CR of a
  // CRLF; with no LF coming it is overlong and answered as such.
  if (!discarding_ && in_.size() > options().max_line_bytes)
    reject_overlong();
  else if (!discarding_ && !is_blank(in_))
    dispatch_line(std::move(in_));
  in_.clear();
  if (queue_.empty() && !writing_)
    close_now();
}

void line_session::dispatch_line(std::string line) {
  queue_.emplace_back();
  const uint64_t seq = next_seq_++;
  server_->in_flight.fetch_add(1);
  // If every copy of the responder dies unanswered, the client gets
  // dropped_reply instead of hanging.
  auto self = shared_from_this();
  reply_promise<std::string> done{
    [self, seq](std::string reply) { self->deliver(seq, std::move(reply)); },
    [self, seq] { self->deliver(seq, self->dropped_reply()); }};
  call_handler(std::move(line),
               [done](std::string reply) { done.deliver(std::move(reply)); });
}

void line_session::call_handler(std::string line, line_responder respond) {
  // Exceptions must not unwind into Asio. The handler's copies of the
  // responder are gone once it has thrown, so the client still gets
  // dropped_reply.
  try {
    server_->handler(std::move(line), peer_, std::move(respond));
  } catch (const std::exception& e) {
    SB_LOG_ERROR(options().log_name << ": line handler threw: " << e.what());
  } catch (...) {
    SB_LOG_ERROR(options().log_name << ": line handler threw a non-exception");
  }
}

void line_session::reject_overlong() {
  SB_LOG_WARNING(options().log_name << ": pid " << peer_.pid
                                    << " sent a line over "
                                    << options().max_line_bytes << " bytes");
  queue_.emplace_back(framed(server_->too_long_reply));
  ++next_seq_;
  do_write();
}

void line_session::on_reply(uint64_t seq, std::string reply) {
  // An answer for a connection that already closed has nowhere to go.
  if (closed_)
    return;
  queue_[seq - front_seq_] = framed(std::move(reply));
  do_write();
}

void line_session::do_write() {
  if (writing_ || closed_ || queue_.empty() || !queue_.front())
    return;
  writing_ = true;
  arm_timer(options().write_timeout);
  asio::async_write(socket_, asio::buffer(*queue_.front()),
                    bind_self(&line_session::on_write));
}

void line_session::on_write(error_code ec, size_t) {
  writing_ = false;
  if (ec) {
    fail(ec, "write");
    close_now();
    return;
  }
  queue_.pop_front();
  ++front_seq_;
  if (closing_ && queue_.empty()) {
    close_now();
    return;
  }
  do_write();
  if (!writing_)
    arm_timer(options().idle_timeout);
  // A pipeline entry is done: resume reading if a full pipeline paused it.
  if (!reading_ && !closing_)
    do_read();
}

void line_session::arm_timer(std::chrono::milliseconds after) {
  // Re-arming cancels the previous wait; on_timer tells a stale expiry
  // from a real one by the deadline it finds.
  timer_.expires_after(after);
  timer_.async_wait(bind_self(&line_session::on_timer));
}

void line_session::on_timer(error_code ec) {
  if (ec || closed_ || timer_.expiry() > asio::steady_timer::clock_type::now())
    return;
  if (writing_) {
    SB_LOG_DEBUG(options().log_name << ": pid " << peer_.pid
                                    << " did not read its reply in time");
    close_now();
  } else if (!queue_.empty()) {
    // The handler is still working; the client is waiting, not idle.
    arm_timer(options().idle_timeout);
  } else {
    SB_LOG_DEBUG(options().log_name << ": pid " << peer_.pid << " idle");
    close_now();
  }
}

void line_session::close_now() {
  // Queued replies stay put: an async write may still reference the front
  // one. They go away with the session.
  closed_ = closing_ = true;
  error_code ec;
  socket_.shutdown(local::socket::shutdown_both, ec);
  socket_.close(ec);
  timer_.cancel();
}

void line_session::fail(error_code ec, const char* what) {
  if (is_routine_end(ec))
    return;
  SB_LOG_DEBUG(options().log_name << ": pid " << peer_.pid << ": " << what
                                  << ": " << ec.message());
}

} // namespace

caf::error line_server::impl::listen() {
  if (auto err = clear_socket_path(path, options.log_name))
    return err;
  auto err = bind_and_listen();
  if (err && bound) {
    unlink_if_same(path, *bound);
    bound.reset();
  }
  return err;
}

caf::error line_server::impl::bind_and_listen() {
  auto os_error = [&](const char* step, const std::string& why) {
    return path_error(path, std::string("cannot ") + step + ": " + why);
  };
  error_code ec;
  acceptor.open(local(), ec);
  if (ec)
    return os_error("open", ec.message());
  acceptor.bind(local::endpoint(path), ec);
  if (ec)
    return os_error("bind", ec.message());
  bound = identity_of(path);
  if (!bound)
    return os_error("stat", strerror(errno));
  // Before listen(): until then nobody can connect, so the umask's mode is
  // never in force for a client.
  if (::chmod(path.c_str(), options.file_mode) != 0)
    return os_error("chmod", strerror(errno));
  acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return os_error("listen", ec.message());
  return caf::none;
}

void line_server::impl::do_accept() {
  // Each connection gets a strand of its own, so its handlers never run
  // concurrently even when the caller runs ioc on several threads.
  acceptor.async_accept(asio::make_strand(ioc),
                        [self = shared_from_this()](error_code ec,
                                                    local::socket socket) {
                          self->on_accept(ec, std::move(socket));
                        });
}

void line_server::impl::on_accept(error_code ec, local::socket socket) {
  if (!acceptor.is_open())
    return; // stop_accepting() or ~line_server closed it
  if (ec) {
    // Out of descriptors, typically: retrying at once would spin on an
    // error that repeats, so pause first.
    SB_LOG_WARNING(options.log_name << ": accept: " << ec.message());
    retry_timer.expires_after(accept_retry_delay);
    retry_timer.async_wait([self = shared_from_this()](error_code e) {
      if (!e && self->acceptor.is_open())
        self->do_accept();
    });
    return;
  }
  std::make_shared<line_session>(std::move(socket), shared_from_this())->run();
  do_accept();
}

void line_server::impl::close_acceptor() {
  error_code ec;
  acceptor.close(ec);
  retry_timer.cancel();
}

void line_server::impl::unlink_file() {
  if (bound)
    unlink_if_same(path, *bound);
  bound.reset();
}

caf::expected<std::unique_ptr<line_server>>
line_server::start(boost::asio::io_context& ioc, std::string path,
                   line_handler handler, line_server_options opts) {
  if (!handler)
    return make_error(errc::bad_config, path + ": no line handler");
  auto p = std::make_shared<impl>(ioc, std::move(path), std::move(handler),
                                  std::move(opts));
  if (auto err = p->listen())
    return err;
  SB_LOG_INFO(p->options.log_name << ": listening on " << p->path);
  // Every acceptor operation runs on its strand, this first one included.
  asio::post(p->strand, [p] { p->do_accept(); });
  return std::unique_ptr<line_server>(new line_server(std::move(p)));
}

line_server::line_server(std::shared_ptr<impl> p) : impl_(std::move(p)) {
}

line_server::~line_server() {
  // The close is posted, not run here: the acceptor belongs to its strand.
  // The file goes now, so no new client finds it.
  stop_accepting();
  impl_->unlink_file();
}

const std::string& line_server::path() const {
  return impl_->path;
}

void line_server::stop_accepting() {
  asio::post(impl_->strand, [p = impl_] { p->close_acceptor(); });
}

size_t line_server::in_flight() const {
  return impl_->in_flight.load();
}

} // namespace sb
