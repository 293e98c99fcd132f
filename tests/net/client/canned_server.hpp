// A loopback server for client tests that answers every request with one
// canned response, optionally after a delay, and records what it received.
// Built on tests/fixtures/fixture_server (our own HTTP server on its own
// I/O thread). Header-only; uses Catch2's REQUIRE.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "net/http/http_types.hpp"
#include "tests/fixtures/fixture_server.hpp"

namespace sb::test {

// Answers every request with `answer` (after `delay`) and records it.
class canned_server {
public:
  canned_server()
    : server_([this](http_request&& req, http_responder respond) {
        on_request(std::move(req), std::move(respond));
      }) {
    REQUIRE(server_.ok());
  }

  void answer(http_response res, std::chrono::milliseconds delay = {}) {
    std::lock_guard<std::mutex> lock(mutex_);
    answer_ = std::move(res);
    delay_ = delay;
  }

  std::vector<http_request> requests() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }

  std::string url(const std::string& path = "/") const {
    return server_.base_url() + path;
  }

private:
  void on_request(http_request&& req, http_responder respond) {
    std::unique_lock<std::mutex> lock(mutex_);
    requests_.push_back(std::move(req));
    auto res = answer_;
    const auto delay = delay_;
    lock.unlock();
    if (delay.count() > 0)
      server_.answer_later(delay, std::move(res), std::move(respond));
    else
      respond(std::move(res));
  }

  mutable std::mutex mutex_;
  std::vector<http_request> requests_;
  http_response answer_;
  std::chrono::milliseconds delay_{0};
  // Last, so its I/O thread stops before what the handler uses goes.
  fixture_server server_;
};

/// A response with `status` and a text/plain `body`.
inline http_response text_answer(unsigned status, std::string body) {
  http_response res;
  res.status = status;
  res.body = std::move(body);
  return res;
}

} // namespace sb::test
