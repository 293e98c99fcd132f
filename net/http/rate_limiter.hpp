// A token bucket per client address, for the public listener's per-IP
// request rate limit: each address may send `burst` requests at once and
// `per_second` a second after that. Pure (no sockets, no clock of its own:
// the caller passes the time), so tests drive it with made-up instants.
//
// Memory is bounded: at most max_tracked addresses are remembered. Past
// that, buckets that have refilled are forgotten (a full bucket is the same
// as none); if that is not enough, every bucket is forgotten, so a flood of
// fresh addresses makes the limit lenient for a moment instead of growing
// the map without end.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace sb {

class rate_limiter {
public:
  using clock = std::chrono::steady_clock;

  /// `per_second` 0 turns the limit off. Loopback clients (127.0.0.0/8,
  /// ::1) are limited only with `limit_loopback`: behind a reverse proxy on
  /// the same host every request comes from loopback, and one bucket for
  /// all of Twilio would throttle real calls.
  rate_limiter(double per_second, double burst, bool limit_loopback,
               size_t max_tracked = 100000);

  /// True if a request from `address` may go ahead now; otherwise
  /// `retry_after_s` is set to the whole seconds until it could (>= 1).
  /// Thread-safe.
  bool allow(const std::string& address, bool loopback, clock::time_point now,
             long& retry_after_s);

  bool enabled() const {
    return per_second_ > 0;
  }

  /// Addresses currently remembered (for tests).
  size_t tracked() const;

private:
  struct bucket {
    double tokens = 0;
    clock::time_point last;
  };

  void prune(clock::time_point now);

  const double per_second_;
  const double burst_;
  const bool limit_loopback_;
  const size_t max_tracked_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, bucket> buckets_;
};

} // namespace sb
