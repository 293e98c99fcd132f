// A blocking HTTP/1.1 client for tools and tests (the simulator, the
// benchmarks, the test suites), on curl_session: one connection reused
// across requests (keep-alive), http and https only, redirects returned
// rather than followed. Not thread-safe: one client per thread.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <caf/expected.hpp>

namespace sb {

struct client_response {
  long status = 0;
  std::string content_type;
  std::string body;
};

/// The largest response body http_client accepts, in bytes.
constexpr size_t http_client_max_body_bytes = 64u << 20;

class http_client {
public:
  /// `timeout` bounds each request as a whole; connecting gets at most
  /// min(timeout, 5 s) of it.
  explicit http_client(
    std::chrono::milliseconds timeout = std::chrono::seconds(20));
  ~http_client();
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  using headers = std::vector<std::pair<std::string, std::string>>;

  /// Sends one request. Errors, with "<method> <url>: " and curl's
  /// message: errc::timed_out when the timeout passes; errc::backend_failed
  /// for anything else (connection refused, a body over
  /// http_client_max_body_bytes, a URL that is not http or https). HTTP
  /// error statuses are not errors.
  caf::expected<client_response>
  request(const std::string& method, const std::string& url,
          const std::string& body = {}, const headers& extra = {});

  caf::expected<client_response> get(const std::string& url,
                                     const headers& extra = {}) {
    return request("GET", url, {}, extra);
  }

  /// POSTs an application/x-www-form-urlencoded body.
  caf::expected<client_response> post_form(const std::string& url,
                                           const std::string& body,
                                           const headers& extra = {});

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace sb
