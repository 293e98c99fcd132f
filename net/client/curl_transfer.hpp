// Internal to curl_session: what one perform() call shares with libcurl's
// header, write and progress callbacks. The callbacks never throw; they
// stop the transfer by returning 0 (write) or non-zero (progress) and
// record why in `stop`, which perform() turns into a curl_failure.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>

#include <curl/curl.h>

#include "net/client/curl_session.hpp"

namespace sb::detail {

/// Why a callback stopped the transfer.
enum class curl_stop { none, too_large, cancelled, idle };

struct curl_transfer {
  using clock = std::chrono::steady_clock;

  CURL* curl = nullptr;
  const curl_limits* limits = nullptr;
  const curl_sink* sink = nullptr;           // may point to an empty sink
  const std::atomic<bool>* cancel = nullptr; // may be null
  curl_answer answer;
  size_t body_bytes = 0;
  long status = 0; // known once the body begins
  bool body_started = false;
  clock::time_point last_piece{};
  curl_stop stop = curl_stop::none;

  bool cancel_requested() const {
    return cancel && cancel->load(std::memory_order_relaxed);
  }
};

// CURLOPT_HEADERFUNCTION: collects the headers of the latest answer.
size_t on_header(char* data, size_t size, size_t count, void* user);

// CURLOPT_WRITEFUNCTION: caps the body, keeps it or streams it.
size_t on_body(char* data, size_t size, size_t count, void* user);

// CURLOPT_XFERINFOFUNCTION: libcurl calls it at least once a second, even
// while nothing arrives: the cancel flag and the idle limit are seen here.
int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t);

} // namespace sb::detail
