// curl_session: the easy handle and the setup every transfer gets. The
// handle lives as long as the session, and curl_easy_reset() between
// requests clears the options but keeps libcurl's connection and DNS
// caches, which is what makes keep-alive work across perform() calls.
#include "net/client/curl_session.hpp"

#include <algorithm>

#include "net/client/curl_transfer.hpp"

namespace sb {

namespace {

using detail::curl_stop;
using detail::curl_transfer;
using std::chrono::milliseconds;

struct curl_global {
  curl_global() {
    curl_global_init(CURL_GLOBAL_DEFAULT);
  }
};

// Owns a header list for the length of one transfer.
struct header_list {
  curl_slist* list = nullptr;
  bool ok = true;
  ~header_list() {
    curl_slist_free_all(list);
  }
  void add(const std::string& line) {
    auto* next = curl_slist_append(list, line.c_str());
    ok = ok && next != nullptr;
    if (next)
      list = next;
  }
};

curl_failure make_failure(CURLcode rc, std::string message, long status) {
  curl_failure f;
  f.code = std::error_code(static_cast<int>(rc), curl_category());
  f.message = message.empty() ? curl_easy_strerror(rc) : std::move(message);
  f.status = status;
  return f;
}

// What every transfer gets, whoever the client is (curl_session.hpp).
void set_policy(CURL* curl) {
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  // A redirect is returned as the answer: following it would replay Basic
  // credentials and bodies to wherever the Location points.
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, SB_USER_AGENT);
  // Probes keep a reused, idle connection from being silently dropped by
  // a NAT or firewall between requests.
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPIDLE, 30L);
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPINTVL, 10L);
}

void set_limits(CURL* curl, const curl_limits& limits) {
  const auto total = std::max(limits.total, milliseconds(1));
  const auto connect = std::clamp(limits.connect, milliseconds(1), total);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(total.count()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(connect.count()));
  // Fails at once on a Content-Length over the cap; a longer body without
  // one is stopped by on_body.
  curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE,
                   static_cast<curl_off_t>(limits.max_body_bytes));
}

void set_method(CURL* curl, const curl_request& request) {
  const bool head = request.method == "HEAD";
  const bool sends_body = !head
                          && (!request.body.empty()
                              || request.method == "POST");
  // A body makes libcurl POST, and no body GET; any other method (a GET
  // with a body included) is named outright.
  if (head)
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  else if (request.method != (sends_body ? "POST" : "GET"))
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  if (sends_body) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
  }
  if (!request.user.empty()) {
    curl_easy_setopt(curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(curl, CURLOPT_USERNAME, request.user.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, request.password.c_str());
  }
}

void set_callbacks(CURL* curl, curl_transfer& t) {
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, detail::on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, detail::on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, detail::on_progress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &t);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
}

// A stop recorded by a callback explains the transfer's end better than
// the CURLcode it caused (CURLE_WRITE_ERROR, CURLE_ABORTED_BY_CALLBACK).
curl_failure stop_failure(const curl_transfer& t, CURLcode rc,
                          const char* errbuf, long status) {
  switch (t.stop) {
    case curl_stop::too_large: break;
    case curl_stop::cancelled:
      return make_failure(CURLE_ABORTED_BY_CALLBACK, "cancelled", status);
    case curl_stop::idle:
      return make_failure(CURLE_OPERATION_TIMEDOUT,
                          "no data for "
                            + std::to_string(t.limits->idle.count()) + " ms",
                          status);
    case curl_stop::none:
      if (rc != CURLE_FILESIZE_EXCEEDED)
        return make_failure(rc, errbuf, status);
      break;
  }
  return make_failure(CURLE_FILESIZE_EXCEEDED,
                      "response larger than "
                        + std::to_string(t.limits->max_body_bytes) + " bytes",
                      status);
}

} // namespace

const std::string* curl_answer::header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers)
    if (name == lower_name)
      return &value;
  return nullptr;
}

struct curl_session::impl {
  CURL* curl = nullptr;
  char errbuf[CURL_ERROR_SIZE] = {};

  impl() {
    static curl_global once;
    curl = curl_easy_init();
  }
  ~impl() {
    if (curl)
      curl_easy_cleanup(curl);
  }
  impl(const impl&) = delete;
  impl& operator=(const impl&) = delete;
};

curl_session::curl_session() : impl_(std::make_unique<impl>()) {
}

curl_session::~curl_session() = default;
curl_session::curl_session(curl_session&&) noexcept = default;
curl_session& curl_session::operator=(curl_session&&) noexcept = default;

curl_result
curl_session::perform(const curl_request& request, const curl_limits& limits,
                      const curl_sink& sink, const std::atomic<bool>* cancel) {
  CURL* curl = impl_->curl;
  if (!curl)
    return make_failure(CURLE_FAILED_INIT, "curl_easy_init failed", 0);
  curl_transfer t;
  t.curl = curl;
  t.limits = &limits;
  t.sink = &sink;
  t.cancel = cancel;
  if (t.cancel_requested())
    return make_failure(CURLE_ABORTED_BY_CALLBACK, "cancelled", 0);
  header_list headers;
  for (const auto& line : request.headers)
    headers.add(line);
  // An empty "Expect:" stops curl from waiting for a 100 Continue before
  // sending a larger body.
  headers.add("Expect:");
  if (!headers.ok)
    return make_failure(CURLE_OUT_OF_MEMORY, "", 0);
  curl_easy_reset(curl);
  impl_->errbuf[0] = '\0';
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, impl_->errbuf);
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.list);
  set_policy(curl);
  set_limits(curl, limits);
  set_method(curl, request);
  set_callbacks(curl, t);
  const CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  if (rc != CURLE_OK || t.stop != curl_stop::none)
    return stop_failure(t, rc, impl_->errbuf, status);
  t.answer.status = status;
  char* type = nullptr;
  if (curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &type) == CURLE_OK && type)
    t.answer.content_type = type;
  return std::move(t.answer);
}

} // namespace sb
