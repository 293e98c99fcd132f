// The one libcurl helper every outbound HTTP client is built on (the tools'
// http_client, Twilio REST, HTTP speech servers, LLM streaming chat): one
// easy handle whose connection stays open between requests (keep-alive),
// and the setup every transfer gets, so that no client drifts from it:
//
//   - limits: a connect and a total timeout, an idle limit for streams, a
//     cap on the body (curl_limits);
//   - NOSIGNAL (timeouts never raise SIGALRM in a threaded daemon);
//   - http and https only, and redirects never followed: a 3xx is the
//     answer, so credentials are never replayed to another host;
//   - no "Expect: 100-continue" round trip; TCP keep-alive probes on the
//     reused connection; User-Agent switchboard/<version>;
//   - the final answer's headers collected, the body kept or streamed to
//     a sink that can stop it, a cancel flag polled while waiting;
//   - failures as curl_failure values (curl_failure.hpp).
#pragma once

#include <atomic>
#include <cassert>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "net/client/curl_failure.hpp"

namespace sb {

/// The bounds of one transfer.
struct curl_limits {
  /// The whole transfer, connecting included. Values below 1 ms count as
  /// 1 ms (libcurl reads 0 as "no limit").
  std::chrono::milliseconds total{10000};
  /// Resolving and connecting; min(connect, total) applies.
  std::chrono::milliseconds connect{5000};
  /// For streams: once the body has begun, the longest silence allowed
  /// between two pieces of it; 0 = none (only `total`). Checked about once
  /// a second, so it fires up to a second late. Waiting for the answer's
  /// first byte is bounded by `total` alone (a model may be loading).
  std::chrono::milliseconds idle{0};
  /// Body bytes accepted, kept or streamed; a larger Content-Length fails
  /// before the body, a longer body as soon as it passes the cap.
  size_t max_body_bytes = 1u << 20;
};

struct curl_request {
  std::string method = "GET";       // GET, HEAD, POST or another token
  std::string url;                  // http:// or https:// only
  std::string body;                 // sent when non-empty (not for HEAD), and
                                    // always for POST
  std::vector<std::string> headers; // "Name: value" lines
  std::string user;                 // non-empty: HTTP Basic with `password`
  std::string password;
};

struct curl_answer {
  long status = 0;
  std::string content_type; // the Content-Type header, or ""
  /// The final answer's headers in order (an interim 1xx answer's are
  /// dropped), names lower-cased, values without surrounding blanks.
  std::vector<std::pair<std::string, std::string>> headers;
  /// The body, unless a sink took it (see curl_session::perform).
  std::string body;

  /// The first header named `lower_name`, or nullptr.
  const std::string* header(std::string_view lower_name) const;
};

/// Takes the body piece by piece as it arrives, on the thread in
/// perform(). Returning false stops the transfer (a cancelled failure).
using curl_sink = std::function<bool(std::string_view piece)>;

/// Either the answer or the curl_failure that prevented it.
class curl_result {
public:
  curl_result(curl_answer answer) : state_(std::move(answer)) {
  }
  curl_result(curl_failure failure) : state_(std::move(failure)) {
  }
  bool ok() const {
    return state_.index() == 0;
  }
  explicit operator bool() const {
    return ok();
  }
  // REQUIRES: ok()
  curl_answer& value() {
    assert(ok());
    return *std::get_if<0>(&state_);
  }
  const curl_answer& value() const {
    assert(ok());
    return *std::get_if<0>(&state_);
  }
  curl_answer* operator->() {
    return &value();
  }
  const curl_answer* operator->() const {
    return &value();
  }
  // REQUIRES: !ok()
  const curl_failure& failure() const {
    assert(!ok());
    return *std::get_if<1>(&state_);
  }

private:
  std::variant<curl_answer, curl_failure> state_;
};

/// Not thread-safe: one owner thread at a time (it may move between
/// threads between calls). Never throws. A moved-from session may only be
/// destroyed or assigned to.
class curl_session {
public:
  curl_session();
  ~curl_session();
  curl_session(curl_session&&) noexcept;
  curl_session& operator=(curl_session&&) noexcept;
  curl_session(const curl_session&) = delete;
  curl_session& operator=(const curl_session&) = delete;

  /// Sends `request` and blocks until its answer is complete, a limit
  /// passes or the transfer is cancelled. Any HTTP status is an answer.
  ///
  /// Without `sink` the body is kept in curl_answer::body. With one, the
  /// body of an answer with status < 400 goes to the sink as it arrives
  /// (body stays empty); an error answer's body is kept instead, for the
  /// caller to quote. `cancel` (optional, set from any thread) is polled
  /// before sending, at least once a second while waiting and before each
  /// piece reaches the sink; once it is true nothing more reaches the
  /// sink and the connection is closed, so the server sees the client go.
  ///
  /// Failures (curl_failure::kind()): cannot_connect, timed_out (connect,
  /// total or idle limit; the message says which), too_large ("response
  /// larger than N bytes"), cancelled ("cancelled"), failed (curl's
  /// detailed message: a reset, a refused scheme, a malformed URL).
  curl_result perform(const curl_request& request, const curl_limits& limits,
                      const curl_sink& sink = {},
                      const std::atomic<bool>* cancel = nullptr);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace sb
