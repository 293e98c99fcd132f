// The one bounded poll of the suites, for states that change with no event
// a test could wait on: the server's connection count and the
// relay_sessions gauge (they change in destructors on I/O threads), and a
// daemon's live-call count (the ingress releases a call once its end is on
// disk, after the call logged it). Polled every 2 ms up to a deadline;
// everything else waits on events.
#pragma once

#include <chrono>
#include <thread>

namespace sb::testing {

/// True once `pred()` holds; false if `limit` passes first.
template <class Pred>
bool poll_until(Pred pred, std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > until)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

} // namespace sb::testing
