// libcurl's callbacks for curl_session. They run on the thread inside
// curl_easy_perform and only touch the curl_transfer they are given.
#include "net/client/curl_transfer.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

namespace sb::detail {

namespace {

std::string_view trim(std::string_view s) {
  const auto blank = [](char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
  };
  while (!s.empty() && blank(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && blank(s.back()))
    s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The status of the answer whose body is arriving; libcurl knows it once
// the headers are done, which they are by the first body byte.
long current_status(curl_transfer& t) {
  if (t.status == 0)
    curl_easy_getinfo(t.curl, CURLINFO_RESPONSE_CODE, &t.status);
  return t.status;
}

} // namespace

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto& t = *static_cast<curl_transfer*>(user);
  const size_t n = size * count;
  const std::string_view line(data, n);
  // A status line starts a new answer (after a 100 Continue): only the
  // last answer's headers are the answer's.
  if (line.rfind("HTTP/", 0) == 0) {
    t.answer.headers.clear();
    return n;
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0)
    return n; // the blank line that ends the headers, or a stray line
  t.answer.headers.emplace_back(lower(trim(line.substr(0, colon))),
                                std::string(trim(line.substr(colon + 1))));
  return n;
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto& t = *static_cast<curl_transfer*>(user);
  const size_t n = size * count;
  // Anything but n makes libcurl stop with CURLE_WRITE_ERROR.
  if (t.cancel_requested()) {
    t.stop = curl_stop::cancelled;
    return 0;
  }
  if (n > t.limits->max_body_bytes - t.body_bytes) {
    t.stop = curl_stop::too_large;
    return 0;
  }
  t.body_bytes += n;
  t.body_started = true;
  t.last_piece = curl_transfer::clock::now();
  if (*t.sink && current_status(t) < 400) {
    if (!(*t.sink)(std::string_view(data, n))) {
      t.stop = curl_stop::cancelled;
      return 0;
    }
    return n;
  }
  t.answer.body.append(data, n);
  return n;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto& t = *static_cast<curl_transfer*>(user);
  if (t.cancel_requested()) {
    t.stop = curl_stop::cancelled;
    return 1;
  }
  const auto idle = t.limits->idle;
  if (idle.count() > 0 && t.body_started
      && curl_transfer::clock::now() - t.last_piece > idle) {
    t.stop = curl_stop::idle;
    return 1;
  }
  return 0;
}

} // namespace sb::detail
