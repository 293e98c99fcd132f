// Why a libcurl transfer produced no HTTP answer, as a value: the CURLcode
// as a std::error_code of the "curl" category, the kind of failure it is,
// and one readable line. Every outbound client maps it to the project's
// errc through to_error() below, so a timeout reads errc::timed_out and
// everything else errc::backend_failed in every client alike.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

#include <caf/error.hpp>

#include "core/error.hpp"

namespace sb {

/// What a failed transfer means to its caller.
enum class curl_failure_kind : uint8_t {
  cannot_connect, // resolving or connecting failed: nothing was sent
  timed_out,      // the connect, total or idle limit passed
  too_large,      // the body passed curl_limits::max_body_bytes
  cancelled,      // the cancel flag was set or the body sink said stop
  failed,         // anything else: reset, TLS, protocol, a refused URL
};

/// The "curl" error category: values are CURLcode, message() is
/// curl_easy_strerror's text.
const std::error_category& curl_category();

/// The kind a CURLcode (passed as int, so callers need not include
/// curl.h) stands for. CURLE_FILESIZE_EXCEEDED is too_large and
/// CURLE_ABORTED_BY_CALLBACK cancelled: curl_session reports its own
/// aborts with those codes.
curl_failure_kind kind_of_curl_code(int curl_code);

struct curl_failure {
  std::error_code code; // curl_category()
  std::string message;  // one line, never empty, never credentials
  long status = 0;      // HTTP status if an answer had begun, else 0

  curl_failure_kind kind() const {
    return kind_of_curl_code(code.value());
  }
};

/// The errc for `failure`: errc::timed_out for a timeout, else
/// errc::backend_failed (a refused connection, an oversized body, a
/// cancel, a reset).
errc errc_of(const curl_failure& failure);

/// make_error(errc_of(failure), context + failure.message), e.g. with
/// context "POST http://127.0.0.1:5002/: ".
caf::error to_error(const curl_failure& failure, std::string_view context);

} // namespace sb
