// The per-IP token bucket (net/http/rate_limiter) on a made-up clock: burst,
// refill, Retry-After rounding, the loopback exemption and the bound on
// remembered addresses.
#include "net/http/rate_limiter.hpp"

#include <string>

#include <catch2/catch.hpp>

namespace {

using namespace std::chrono_literals;
using sb::rate_limiter;

const rate_limiter::clock::time_point t0{};

} // namespace

TEST_CASE("a burst goes through, then the rate applies", "[rate_limiter]") {
  rate_limiter limit{2, 3, true};
  long retry = 0;
  for (int i = 0; i < 3; ++i)
    CHECK(limit.allow("10.0.0.1", false, t0, retry));
  CHECK_FALSE(limit.allow("10.0.0.1", false, t0, retry));
  CHECK(retry == 1);
  // Half a second at 2/s buys one request.
  CHECK(limit.allow("10.0.0.1", false, t0 + 500ms, retry));
  CHECK_FALSE(limit.allow("10.0.0.1", false, t0 + 500ms, retry));
  // Another address has its own bucket.
  CHECK(limit.allow("10.0.0.2", false, t0, retry));
  // A long pause refills to the burst, not beyond.
  for (int i = 0; i < 3; ++i)
    CHECK(limit.allow("10.0.0.1", false, t0 + 100s, retry));
  CHECK_FALSE(limit.allow("10.0.0.1", false, t0 + 100s, retry));
}

TEST_CASE("Retry-After is whole seconds, rounded up", "[rate_limiter]") {
  rate_limiter limit{0.25, 1, true};
  long retry = 0;
  CHECK(limit.allow("a", false, t0, retry));
  CHECK_FALSE(limit.allow("a", false, t0, retry));
  CHECK(retry == 4);
  CHECK_FALSE(limit.allow("a", false, t0 + 3500ms, retry));
  CHECK(retry == 1);
  CHECK(limit.allow("a", false, t0 + 4s, retry));
}

TEST_CASE("0 per second is off, loopback is exempt unless asked",
          "[rate_limiter]") {
  long retry = 0;
  rate_limiter off{0, 1, true};
  CHECK_FALSE(off.enabled());
  for (int i = 0; i < 10; ++i)
    CHECK(off.allow("a", false, t0, retry));
  rate_limiter lenient{1, 1, false};
  for (int i = 0; i < 10; ++i)
    CHECK(lenient.allow("127.0.0.1", true, t0, retry));
  CHECK(lenient.tracked() == 0);
  rate_limiter strict{1, 1, true};
  CHECK(strict.allow("127.0.0.1", true, t0, retry));
  CHECK_FALSE(strict.allow("127.0.0.1", true, t0, retry));
}

TEST_CASE("remembered addresses stay bounded", "[rate_limiter]") {
  rate_limiter limit{1, 2, true, 100};
  long retry = 0;
  // Each address spends a token, so its bucket is not full.
  for (int i = 0; i < 1000; ++i)
    limit.allow("10.1." + std::to_string(i), false, t0, retry);
  CHECK(limit.tracked() <= 100);
  // Buckets that refilled are forgotten first, keeping the busy one.
  rate_limiter keep{1, 2, true, 3};
  keep.allow("busy", false, t0 + 10s, retry);
  keep.allow("busy", false, t0 + 10s, retry);
  keep.allow("old1", false, t0, retry);
  keep.allow("old2", false, t0, retry);
  keep.allow("new", false, t0 + 10s, retry);
  CHECK(keep.tracked() == 2);
  CHECK_FALSE(keep.allow("busy", false, t0 + 10s, retry));
}
