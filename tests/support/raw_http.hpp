// HTTP/1.1 over a plain loopback socket, for end-to-end tests that must see
// what the tools' http_client hides: every response header (Set-Cookie,
// Content-Security-Policy, Retry-After) and a body that never ends (a
// Server-Sent Events stream, read as it comes). Each request is its own
// connection with `Connection: close`. Header-only; blocking, with a
// deadline on every read.
#pragma once

#include <cctype>
#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace sb::test {

struct raw_response {
  int status = 0;
  std::multimap<std::string, std::string> headers; // names in lower case
  std::string body;

  /// The first value of header `name` (lower case); empty if absent.
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string{} : it->second;
  }
  bool has_header(const std::string& name) const {
    return headers.count(name) > 0;
  }
};

using raw_headers = std::vector<std::pair<std::string, std::string>>;

/// One connection to 127.0.0.1:`port`; closed when destroyed.
class raw_connection {
public:
  explicit raw_connection(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~raw_connection() {
    if (fd_ >= 0)
      ::close(fd_);
  }
  raw_connection(const raw_connection&) = delete;
  raw_connection& operator=(const raw_connection&) = delete;

  bool connected() const {
    return fd_ >= 0;
  }

  /// Sends a request: `Host: 127.0.0.1:<port>`, `Connection: close`,
  /// Content-Length when there is a body, then `extra`.
  bool send_request(const std::string& method, const std::string& target,
                    int port, const raw_headers& extra = {},
                    const std::string& body = {}) {
    std::string text = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1:"
                       + std::to_string(port) + "\r\nConnection: close\r\n";
    if (!body.empty() || method == "POST")
      text += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    for (const auto& [name, value] : extra)
      text += name + ": " + value + "\r\n";
    text += "\r\n" + body;
    size_t sent = 0;
    while (sent < text.size()) {
      auto n = ::send(fd_, text.data() + sent, text.size() - sent,
                      MSG_NOSIGNAL);
      if (n <= 0)
        return false;
      sent += static_cast<size_t>(n);
    }
    return true;
  }

  /// Reads until `text` has arrived (anywhere in what was received), the
  /// peer closes, or `limit` passes; true if `text` arrived.
  bool read_until(const std::string& text, std::chrono::milliseconds limit) {
    auto until = std::chrono::steady_clock::now() + limit;
    while (received_.find(text) == std::string::npos) {
      if (!read_some(until))
        return received_.find(text) != std::string::npos;
    }
    return true;
  }

  /// Reads until the peer closes or `limit` passes; true if it closed.
  bool read_to_close(std::chrono::milliseconds limit) {
    auto until = std::chrono::steady_clock::now() + limit;
    while (read_some(until)) {
    }
    return closed_;
  }

  /// Everything received so far, header included.
  const std::string& received() const {
    return received_;
  }

  /// What was received, parsed: the status line, the header, and the rest
  /// as the body (Connection: close, so the body is what follows).
  raw_response parse() const {
    raw_response r;
    auto end = received_.find("\r\n\r\n");
    if (end == std::string::npos || received_.size() < 12)
      return r;
    r.status = std::stoi(received_.substr(9, 3));
    size_t at = received_.find("\r\n") + 2;
    while (at < end) {
      auto eol = received_.find("\r\n", at);
      auto line = received_.substr(at, eol - at);
      auto colon = line.find(':');
      if (colon != std::string::npos) {
        auto name = line.substr(0, colon);
        for (auto& c : name)
          c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        auto value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ')
          value.erase(0, 1);
        r.headers.emplace(std::move(name), std::move(value));
      }
      at = eol + 2;
    }
    r.body = received_.substr(end + 4);
    return r;
  }

private:
  // False once the peer closed or the deadline passed.
  bool read_some(std::chrono::steady_clock::time_point until) {
    if (fd_ < 0 || closed_)
      return false;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                  until - std::chrono::steady_clock::now())
                  .count();
    if (left <= 0)
      return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0)
      return false;
    char buf[4096];
    auto n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      closed_ = true;
      return false;
    }
    received_.append(buf, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool closed_ = false;
  std::string received_;
};

/// One whole request and its response, on a connection of its own (up to
/// 10 s).
inline raw_response
raw_request(int port, const std::string& method, const std::string& target,
            const raw_headers& extra = {}, const std::string& body = {}) {
  raw_connection c{port};
  if (!c.connected() || !c.send_request(method, target, port, extra, body))
    return {};
  c.read_to_close(std::chrono::seconds(10));
  return c.parse();
}

} // namespace sb::test
