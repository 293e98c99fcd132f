// A TCP server for the cli tests on 127.0.0.1 and a free port: every
// connection it accepts is served by `serve(socket)` on a thread of its
// own, with plain blocking I/O, so a test writes its peer as a straight
// script. The destructor unblocks whatever is still waiting (shutdown(2)
// on the listening socket and on every connection) and joins the
// threads, so a test that fails half-way ends instead of hanging.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace sb::test {

class loopback_server {
public:
  using socket = boost::asio::ip::tcp::socket;
  using handler = std::function<void(socket&)>;

  /// Binds and starts accepting. `serve` runs once per connection, on that
  /// connection's thread; it must not close or move the socket (the
  /// server does both once it returns).
  explicit loopback_server(handler serve) : serve_(std::move(serve)) {
    using tcp = boost::asio::ip::tcp;
    acceptor_.open(tcp::v4());
    acceptor_.bind({boost::asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    listen_fd_ = acceptor_.native_handle();
    accept_thread_ = std::thread([this] { accept_loop(); });
  }

  ~loopback_server() {
    {
      std::lock_guard<std::mutex> lock{mutex_};
      stopping_ = true;
      ::shutdown(listen_fd_, SHUT_RDWR);
      for (int fd : wake_fds_)
        ::shutdown(fd, SHUT_RDWR);
    }
    accept_thread_.join();
    for (auto& t : threads_) // no more are added once stopping_
      t.join();
    for (int fd : wake_fds_)
      ::close(fd);
  }

  loopback_server(const loopback_server&) = delete;
  loopback_server& operator=(const loopback_server&) = delete;

  uint16_t port() const {
    return port_;
  }
  std::string base_url() const {
    return "http://127.0.0.1:" + std::to_string(port_);
  }

private:
  void accept_loop() {
    for (;;) {
      socket s{ioc_};
      boost::system::error_code ec;
      acceptor_.accept(s, ec);
      std::lock_guard<std::mutex> lock{mutex_};
      if (ec || stopping_)
        return;
      // A duplicate of the descriptor is what the destructor shuts down:
      // it stays valid (and never names another file) after the
      // connection's own descriptor is closed.
      wake_fds_.push_back(::dup(s.native_handle()));
      // Small writes go at once, as the daemon's do: no Nagle delays.
      s.set_option(boost::asio::ip::tcp::no_delay(true), ec);
      threads_.emplace_back([this, s = std::move(s)]() mutable {
        serve_(s);
        boost::system::error_code ignored;
        s.close(ignored);
      });
    }
  }

  handler serve_;
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::acceptor acceptor_{ioc_};
  uint16_t port_ = 0;
  int listen_fd_ = -1;
  std::mutex mutex_;
  bool stopping_ = false;
  std::vector<int> wake_fds_;
  std::vector<std::thread> threads_;
  std::thread accept_thread_;
};

} // namespace sb::test
