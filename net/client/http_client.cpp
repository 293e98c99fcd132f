// http_client: a thin adapter from name/value headers and client_response
// to curl_session, which owns every transfer option.
#include "net/client/http_client.hpp"

#include <algorithm>

#include "net/client/curl_session.hpp"

namespace sb {

namespace {

constexpr auto max_connect_timeout = std::chrono::milliseconds(5000);

} // namespace

struct http_client::impl {
  curl_session session;
  curl_limits limits;
};

http_client::http_client(std::chrono::milliseconds timeout)
  : impl_(std::make_unique<impl>()) {
  impl_->limits.total = timeout;
  impl_->limits.connect = std::min(timeout, max_connect_timeout);
  impl_->limits.max_body_bytes = http_client_max_body_bytes;
}

http_client::~http_client() = default;

caf::expected<client_response>
http_client::request(const std::string& method, const std::string& url,
                     const std::string& body, const headers& extra) {
  curl_request req;
  req.method = method;
  req.url = url;
  req.body = body;
  for (const auto& [name, value] : extra)
    req.headers.push_back(name + ": " + value);
  auto answer = impl_->session.perform(req, impl_->limits);
  if (!answer)
    return to_error(answer.failure(), method + " " + url + ": ");
  return client_response{answer->status, std::move(answer->content_type),
                         std::move(answer->body)};
}

caf::expected<client_response> http_client::post_form(const std::string& url,
                                                      const std::string& body,
                                                      const headers& extra) {
  auto all = extra;
  all.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  return request("POST", url, body, all);
}

} // namespace sb
