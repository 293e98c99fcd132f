// The one bounded poll of the net suite: the server's connection count
// and the relay_sessions gauge change in destructors on I/O threads, with
// no event a test could wait on, so these two are polled every 2 ms up to
// a deadline. Everything else in the suite waits on events.
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
