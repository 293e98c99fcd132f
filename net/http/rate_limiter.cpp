// The per-address token buckets behind net/http/rate_limiter.hpp. One mutex for
// the whole map: the critical section is a hash lookup and a few
// arithmetic operations, far below the cost of the request it guards, and
// the limit is off (no lock at all) unless configured.
#include "net/http/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace sb {

rate_limiter::rate_limiter(double per_second, double burst, bool limit_loopback,
                           size_t max_tracked)
  : per_second_(per_second),
    burst_(std::max(1.0, burst)),
    limit_loopback_(limit_loopback),
    max_tracked_(std::max<size_t>(1, max_tracked)) {
}

bool rate_limiter::allow(const std::string& address, bool loopback,
                         clock::time_point now, long& retry_after_s) {
  if (!enabled() || (loopback && !limit_loopback_))
    return true;
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = buckets_.find(address);
  if (found == buckets_.end()) {
    if (buckets_.size() >= max_tracked_)
      prune(now);
    found = buckets_.emplace(address, bucket{burst_, now}).first;
  }
  auto& b = found->second;
  const double elapsed = std::chrono::duration<double>(now - b.last).count();
  if (elapsed > 0) {
    b.tokens = std::min(burst_, b.tokens + elapsed * per_second_);
    b.last = now;
  }
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return true;
  }
  // Whole seconds, rounded up, as Retry-After wants them.
  retry_after_s = std::max(
    1L, static_cast<long>(std::ceil((1 - b.tokens) / per_second_)));
  return false;
}

size_t rate_limiter::tracked() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return buckets_.size();
}

void rate_limiter::prune(clock::time_point now) {
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    const double elapsed =
      std::chrono::duration<double>(now - it->second.last).count();
    if (it->second.tokens + elapsed * per_second_ >= burst_)
      it = buckets_.erase(it);
    else
      ++it;
  }
  if (buckets_.size() >= max_tracked_)
    buckets_.clear();
}

} // namespace sb
