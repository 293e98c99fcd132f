// The CURLcode category and the one mapping from CURLcode to failure kind
// and errc, shared by every client (userver's curl-ev/error_code.hpp is
// the pattern).
#include "net/client/curl_failure.hpp"

#include <curl/curl.h>

namespace sb {

namespace {

class curl_error_category : public std::error_category {
public:
  const char* name() const noexcept override {
    return "curl";
  }
  std::string message(int value) const override {
    return curl_easy_strerror(static_cast<CURLcode>(value));
  }
};

} // namespace

const std::error_category& curl_category() {
  static const curl_error_category category;
  return category;
}

curl_failure_kind kind_of_curl_code(int curl_code) {
  switch (static_cast<CURLcode>(curl_code)) {
    // Only these leave the request unsent for certain; after a timeout or
    // a dropped connection the server may have acted on it.
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT: return curl_failure_kind::cannot_connect;
    case CURLE_OPERATION_TIMEDOUT: return curl_failure_kind::timed_out;
    case CURLE_FILESIZE_EXCEEDED: return curl_failure_kind::too_large;
    case CURLE_ABORTED_BY_CALLBACK: return curl_failure_kind::cancelled;
    default: return curl_failure_kind::failed;
  }
}

errc errc_of(const curl_failure& failure) {
  return failure.kind() == curl_failure_kind::timed_out ? errc::timed_out
                                                        : errc::backend_failed;
}

caf::error to_error(const curl_failure& failure, std::string_view context) {
  return make_error(errc_of(failure), std::string(context) + failure.message);
}

} // namespace sb
