// Tests for cli/sim/latency_stats: nearest-rank percentiles (exact at the
// edges a load report shows: p50, p90, p99, max), per-route summaries in
// first-seen order, and merging the stats of many calls.
#include "cli/sim/latency_stats.hpp"

#include <algorithm>
#include <random>
#include <vector>

#include <catch2/catch.hpp>

namespace {

std::vector<int64_t> one_to(int64_t n) {
  std::vector<int64_t> v;
  for (int64_t i = 1; i <= n; ++i)
    v.push_back(i);
  return v;
}

} // namespace

TEST_CASE("percentiles of 1..100 are their ranks", "[latency_stats]") {
  auto v = one_to(100);
  CHECK(sb::percentile(v, 50) == 50);
  CHECK(sb::percentile(v, 90) == 90);
  CHECK(sb::percentile(v, 99) == 99);
  CHECK(sb::percentile(v, 100) == 100);
  CHECK(sb::percentile(v, 0) == 1);
}

TEST_CASE("percentiles round the rank up (nearest rank)", "[latency_stats]") {
  auto v = one_to(10);
  CHECK(sb::percentile(v, 50) == 5);
  CHECK(sb::percentile(v, 90) == 9);
  CHECK(sb::percentile(v, 99) == 10); // rank 9.9 -> 10
  CHECK(sb::percentile(v, 51) == 6);  // rank 5.1 -> 6
  auto seven = one_to(7);
  CHECK(sb::percentile(seven, 50) == 4); // rank 3.5 -> 4
  auto thousand = one_to(1000);
  CHECK(sb::percentile(thousand, 99) == 990);
  CHECK(sb::percentile(thousand, 99.9) == 999);
}

TEST_CASE("percentiles of one sample or none", "[latency_stats]") {
  CHECK(sb::percentile({42}, 0) == 42);
  CHECK(sb::percentile({42}, 50) == 42);
  CHECK(sb::percentile({42}, 100) == 42);
  CHECK(sb::percentile({}, 50) == 0);
}

TEST_CASE("out-of-range percentages are clamped", "[latency_stats]") {
  auto v = one_to(10);
  CHECK(sb::percentile(v, -5) == 1);
  CHECK(sb::percentile(v, 250) == 10);
}

TEST_CASE("summary per route, in first-seen order, from unsorted samples",
          "[latency_stats]") {
  sb::latency_stats stats;
  auto values = one_to(200);
  std::shuffle(values.begin(), values.end(), std::mt19937{7});
  stats.add("inbound", 5);
  for (auto v : values)
    stats.add("process-speech", v);
  stats.add("call-status", 3);
  stats.add("call-status", 1);
  auto s = stats.summary();
  REQUIRE(s.size() == 3);
  CHECK(s[0].route == "inbound");
  CHECK(s[0].count == 1);
  CHECK(s[0].p99_us == 5);
  CHECK(s[1].route == "process-speech");
  CHECK(s[1].count == 200);
  CHECK(s[1].p50_us == 100);
  CHECK(s[1].p90_us == 180);
  CHECK(s[1].p99_us == 198);
  CHECK(s[1].max_us == 200);
  CHECK(s[2].route == "call-status");
  CHECK(s[2].p50_us == 1);
  CHECK(s[2].max_us == 3);
  CHECK(stats.count() == 203);
}

TEST_CASE("merge takes every sample of the other stats", "[latency_stats]") {
  sb::latency_stats a, b;
  a.add("inbound", 10);
  b.add("process-speech", 7);
  b.add("inbound", 30);
  b.add("inbound", 20);
  a.merge(b);
  auto s = a.summary();
  REQUIRE(s.size() == 2);
  CHECK(s[0].route == "inbound");
  CHECK(s[0].count == 3);
  CHECK(s[0].p50_us == 20);
  CHECK(s[0].max_us == 30);
  CHECK(s[1].route == "process-speech");
  CHECK(s[1].count == 1);
  CHECK(a.count() == 4);
}
