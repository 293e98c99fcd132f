// A blocking HTTP/1.1 client over libcurl for tools and tests (the
// simulator, the test suites): one connection reused across requests
// (keep-alive). Not thread-safe: one client per thread.
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

class http_client {
public:
  explicit http_client(std::chrono::milliseconds timeout = std::chrono::seconds(20));
  ~http_client();
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  using headers = std::vector<std::pair<std::string, std::string>>;

  /// Sends one request. Errors: errc::backend_failed with curl's message
  /// (connection refused, timeout). HTTP error statuses are not errors.
  caf::expected<client_response> request(const std::string& method,
                                         const std::string& url,
                                         const std::string& body = {},
                                         const headers& extra = {});

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
