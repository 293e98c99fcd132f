#include "net/client/http_client.hpp"

#include <curl/curl.h>

#include "core/error.hpp"

namespace sb {

namespace {

size_t append_body(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

struct curl_global {
  curl_global() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

} // namespace

struct http_client::impl {
  CURL* curl = nullptr;
  std::chrono::milliseconds timeout;
};

http_client::http_client(std::chrono::milliseconds timeout)
  : impl_(std::make_unique<impl>()) {
  static curl_global once;
  impl_->curl = curl_easy_init();
  impl_->timeout = timeout;
}

http_client::~http_client() {
  if (impl_->curl)
    curl_easy_cleanup(impl_->curl);
}

caf::expected<client_response>
http_client::request(const std::string& method, const std::string& url,
                     const std::string& body, const headers& extra) {
  CURL* c = impl_->curl;
  if (!c)
    return make_error(errc::backend_failed, "curl_easy_init failed");
  curl_easy_reset(c);
  client_response out;
  curl_slist* hdrs = nullptr;
  for (const auto& [k, v] : extra)
    hdrs = curl_slist_append(hdrs, (k + ": " + v).c_str());
  // Without this curl sends "Expect: 100-continue" for larger bodies and
  // waits for an answer our server never needs to give.
  hdrs = curl_slist_append(hdrs, "Expect:");
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(impl_->timeout.count()));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &out.body);
  if (method == "HEAD")
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  if (!body.empty() || method == "POST") {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  auto rc = curl_easy_perform(c);
  curl_slist_free_all(hdrs);
  if (rc != CURLE_OK)
    return make_error(errc::backend_failed,
                      method + " " + url + ": " + curl_easy_strerror(rc));
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out.status);
  char* type = nullptr;
  if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &type) == CURLE_OK && type)
    out.content_type = type;
  return out;
}

caf::expected<client_response>
http_client::post_form(const std::string& url, const std::string& body,
                       const headers& extra) {
  auto all = extra;
  all.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  return request("POST", url, body, all);
}

} // namespace sb
