// Request latencies per route for the load runner: every sample kept (in
// microseconds), so the percentiles are exact rather than bucketed. A
// million samples cost 8 MB, far below what the calls themselves cost.
// Not thread-safe: the runner merges per-call stats under its own lock.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace sb {

/// The nearest-rank percentile `p` (0 to 100) of `sorted` (ascending): the
/// smallest sample with at least p% of the samples at or below it; p = 0
/// gives the minimum. 0 for no samples.
/// REQUIRES: `sorted` is sorted ascending.
int64_t percentile(const std::vector<int64_t>& sorted, double p);

struct route_latency {
  std::string route;
  int64_t count = 0;
  int64_t p50_us = 0;
  int64_t p90_us = 0;
  int64_t p99_us = 0;
  int64_t max_us = 0;
};

class latency_stats {
public:
  /// One request to `route` took `micros`.
  void add(const std::string& route, int64_t micros);

  /// Takes every sample of `other`.
  void merge(const latency_stats& other);

  /// All samples, of every route.
  int64_t count() const;

  /// One line per route, in the order routes were first seen.
  std::vector<route_latency> summary() const;

private:
  std::vector<std::pair<std::string, std::vector<int64_t>>> routes_;
  std::vector<int64_t>& samples(const std::string& route);
};

} // namespace sb
