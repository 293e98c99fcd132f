// The endpoints a pool spreads work over (actors/llm_pool.cpp,
// actors/stt_pool.cpp): each with fixed slots, the least-loaded choice,
// and health with backoff. An endpoint that fails failures_before_down
// times in a row is taken out of rotation for 1 s; each further failure
// doubles the pause, up to 30 s. Once the pause is over the next request
// is the probe: a success puts the endpoint back, a failure takes it out
// again for longer. Both changes are logged for the operator.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <caf/error.hpp>

namespace sb {

/// Failures in a row after which an endpoint is taken out of rotation.
constexpr int failures_before_down = 3;

/// One endpoint of a pool, as the pool's dispatcher sees it.
struct pool_endpoint {
  using clock = std::chrono::steady_clock;

  std::string url;
  int slots = 1;                // requests it may serve at once
  int busy = 0;                 // requests it is serving now
  int failures = 0;             // in a row
  clock::time_point down_until; // in rotation again from then on

  /// Not taken out of rotation at `now`.
  bool up(clock::time_point now) const {
    return now >= down_until;
  }
  /// Up, with a free slot.
  bool usable(clock::time_point now) const {
    return busy < slots && up(now);
  }
};

/// The usable endpoint with the lowest load (busy / slots; the first of
/// equals), or -1 when none is usable. `avoid` (an index, or -1) is taken
/// only when no other endpoint is usable.
int pick_endpoint(const std::vector<pool_endpoint>& endpoints,
                  pool_endpoint::clock::time_point now, int avoid = -1);

/// Every endpoint is out of rotation at `now` (true when there are none).
bool all_down(const std::vector<pool_endpoint>& endpoints,
              pool_endpoint::clock::time_point now);

/// Records the outcome of one request to `e` (`err` empty: it succeeded).
/// A success after it had been taken out logs "<pool>: endpoint <url> is
/// back"; the failure that takes it out (or keeps it out) logs when it is
/// tried next and `err`. `pool` names the pool in the log ("llm", "stt").
void note_outcome(pool_endpoint& e, const caf::error& err, const char* pool);

} // namespace sb
