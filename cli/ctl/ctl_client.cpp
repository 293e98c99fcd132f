// One request/reply exchange over the admin socket with Boost.Asio on a
// private io_context: connect, write and read are all asynchronous so one
// timer bounds the whole exchange, and the calling thread runs the context
// to completion.
#include "cli/ctl/ctl_client.hpp"

#include <sys/un.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

namespace sb {

namespace {

namespace asio = boost::asio;
using local = asio::local::stream_protocol;
using error_code = boost::system::error_code;

constexpr size_t max_reply_bytes = 64 * 1024 * 1024;

std::string duration_text(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0)
    return std::to_string(d.count() / 1000) + " s";
  return std::to_string(d.count()) + " ms";
}

class exchange {
public:
  exchange(const std::string& request, std::chrono::milliseconds timeout)
    : request_(request + "\n"), timeout_(timeout) {
  }

  exchange_result run(const std::string& path) {
    if (path.empty() || path.size() >= sizeof(sockaddr_un::sun_path)) {
      result_.error = "not a usable socket path";
      return result_;
    }
    timer_.expires_after(timeout_);
    timer_.async_wait([this](error_code ec) { on_timeout(ec); });
    socket_.async_connect(local::endpoint(path),
                          [this](error_code ec) { on_connect(ec); });
    ioc_.run();
    return result_;
  }

private:
  void on_connect(error_code ec) {
    // No file, or a file nobody listens on (left by a crash): either way
    // no daemon is running there.
    if (ec == boost::system::errc::no_such_file_or_directory
        || ec == asio::error::connection_refused) {
      finish(exchange_status::no_daemon, ec.message());
      return;
    }
    if (ec) {
      fail(ec);
      return;
    }
    asio::async_write(socket_, asio::buffer(request_),
                      [this](error_code e, size_t) {
                        if (e)
                          fail(e);
                        else
                          do_read();
                      });
  }

  void do_read() {
    asio::async_read_until(socket_,
                           asio::dynamic_buffer(buffer_, max_reply_bytes), '\n',
                           [this](error_code ec, size_t n) { on_read(ec, n); });
  }

  void on_read(error_code ec, size_t n) {
    if (ec == asio::error::not_found) {
      finish(exchange_status::failed, "reply longer than 64 MiB");
      return;
    }
    if (ec) {
      fail(ec);
      return;
    }
    result_.reply = buffer_.substr(0, n - 1);
    if (!result_.reply.empty() && result_.reply.back() == '\r')
      result_.reply.pop_back();
    finish(exchange_status::ok, "");
  }

  void on_timeout(error_code ec) {
    if (ec)
      return; // cancelled: the exchange ended first
    timed_out_ = true;
    error_code ignored;
    socket_.close(ignored);
  }

  void fail(error_code ec) {
    if (timed_out_)
      finish(exchange_status::failed,
             "no reply within " + duration_text(timeout_));
    else if (ec == asio::error::eof)
      finish(exchange_status::failed,
             "the daemon closed the connection without answering");
    else
      finish(exchange_status::failed, ec.message());
  }

  void finish(exchange_status status, std::string error) {
    result_.status = status;
    result_.error = std::move(error);
    timer_.cancel();
    error_code ignored;
    socket_.close(ignored);
  }

  asio::io_context ioc_;
  local::socket socket_{ioc_};
  asio::steady_timer timer_{ioc_};
  const std::string request_;
  const std::chrono::milliseconds timeout_;
  std::string buffer_;
  exchange_result result_;
  bool timed_out_ = false;
};

} // namespace

exchange_result exchange_line(const std::string& socket_path,
                              const std::string& request,
                              std::chrono::milliseconds timeout) {
  try {
    return exchange(request, timeout).run(socket_path);
  } catch (const std::exception& e) {
    // Only resource exhaustion gets here (Asio's reactor, allocation).
    exchange_result result;
    result.error = e.what();
    return result;
  }
}

} // namespace sb
