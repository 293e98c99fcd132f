// Exact per-route percentiles over every sample of a load run.
#include "cli/sim/latency_stats.hpp"

#include <algorithm>
#include <cmath>

namespace sb {

int64_t percentile(const std::vector<int64_t>& sorted, double p) {
  if (sorted.empty())
    return 0;
  auto n = static_cast<double>(sorted.size());
  // p * n first: for whole percentages and counts that product is exact,
  // so 99% of 100 samples is rank 99. The epsilon keeps a fractional p
  // (99.9% of 1000: 999.0000000000001) from rounding up a whole rank.
  auto exact = std::clamp(p, 0.0, 100.0) * n / 100.0;
  auto rank = static_cast<size_t>(std::ceil(exact - 1e-9));
  return sorted[rank == 0 ? 0 : std::min(rank, sorted.size()) - 1];
}

std::vector<int64_t>& latency_stats::samples(const std::string& route) {
  // A handful of routes: a linear search beats a map here.
  for (auto& [name, values] : routes_)
    if (name == route)
      return values;
  routes_.emplace_back(route, std::vector<int64_t>{});
  return routes_.back().second;
}

void latency_stats::add(const std::string& route, int64_t micros) {
  samples(route).push_back(micros);
}

void latency_stats::merge(const latency_stats& other) {
  for (const auto& [name, values] : other.routes_) {
    auto& mine = samples(name);
    mine.insert(mine.end(), values.begin(), values.end());
  }
}

int64_t latency_stats::count() const {
  int64_t n = 0;
  for (const auto& r : routes_)
    n += static_cast<int64_t>(r.second.size());
  return n;
}

std::vector<route_latency> latency_stats::summary() const {
  std::vector<route_latency> out;
  for (const auto& [name, values] : routes_) {
    auto sorted = values;
    std::sort(sorted.begin(), sorted.end());
    route_latency r;
    r.route = name;
    r.count = static_cast<int64_t>(sorted.size());
    r.p50_us = percentile(sorted, 50);
    r.p90_us = percentile(sorted, 90);
    r.p99_us = percentile(sorted, 99);
    r.max_us = sorted.empty() ? 0 : sorted.back();
    out.push_back(std::move(r));
  }
  return out;
}

} // namespace sb
