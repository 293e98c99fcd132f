// Endpoint choice and health with backoff, shared by the LLM and STT
// pools.
#include "actors/endpoint_health.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "core/log.hpp"

namespace sb {

namespace {

// The longest an endpoint stays out between probes: a server restarted by
// its operator is back in rotation within this.
constexpr auto max_down = std::chrono::seconds(30);

} // namespace

int pick_endpoint(const std::vector<pool_endpoint>& endpoints,
                  pool_endpoint::clock::time_point now, int avoid) {
  int best = -1;
  double best_load = 2.0;
  for (size_t i = 0; i < endpoints.size(); ++i) {
    const auto& e = endpoints[i];
    double load = static_cast<double>(e.busy) / e.slots
                  + (static_cast<int>(i) == avoid ? 1.0 : 0.0);
    if (e.usable(now) && load < best_load) {
      best = static_cast<int>(i);
      best_load = load;
    }
  }
  return best;
}

bool all_down(const std::vector<pool_endpoint>& endpoints,
              pool_endpoint::clock::time_point now) {
  return std::none_of(endpoints.begin(), endpoints.end(),
                      [now](const pool_endpoint& e) { return e.up(now); });
}

void note_outcome(pool_endpoint& e, const caf::error& err, const char* pool) {
  if (!err) {
    if (e.failures >= failures_before_down)
      SB_LOG_NOTICE(pool << ": endpoint " << e.url << " is back");
    e.failures = 0;
    return;
  }
  if (++e.failures < failures_before_down)
    return;
  auto doublings = std::min(e.failures - failures_before_down, 5);
  auto pause = std::min<pool_endpoint::clock::duration>(
    max_down, std::chrono::seconds(1 << doublings));
  e.down_until = pool_endpoint::clock::now() + pause;
  SB_LOG_WARNING(
    pool << ": endpoint " << e.url << " down after " << e.failures
         << " failures; next try in "
         << std::chrono::duration_cast<std::chrono::seconds>(pause).count()
         << " s: " << what(err));
}

} // namespace sb
