// A local HTTP/1.1 server for benchmarks that answers each request with
// one whole body computed from the request (no streaming), keep-alive,
// and stamps every exchange: when the request had been read, and when its
// answer had been written, on steady_clock (the same clock in every
// process of the machine). The bench's tool-calling model and its instant
// MCP server are two handlers on it. One I/O thread (loopback_listener).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace sb::bench {

struct responder_answer {
  int status = 200;
  std::string content_type = "application/json";
  std::string body; // empty with status 202: no body
};

/// One exchange as the server saw it.
struct responder_exchange {
  std::string target;     // the request's path
  std::string body;       // the request's body
  int64_t read_ns = 0;    // the whole request had been read
  int64_t written_ns = 0; // the whole answer had been written
};

class json_responder {
public:
  /// Runs on the I/O thread; must not block.
  using handler = std::function<responder_answer(const std::string& target,
                                                 const std::string& body)>;

  /// Listens on 127.0.0.1:<free port>. Throws boost::system::system_error
  /// if it cannot listen.
  explicit json_responder(handler h);
  ~json_responder();
  json_responder(const json_responder&) = delete;
  json_responder& operator=(const json_responder&) = delete;

  /// "http://127.0.0.1:<port>"
  std::string base_url() const;

  /// Every exchange so far, in the order their answers were written.
  std::vector<responder_exchange> exchanges() const;

  struct impl;

private:
  std::unique_ptr<impl> impl_;
};

} // namespace sb::bench
