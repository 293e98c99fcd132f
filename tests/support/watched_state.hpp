// State that I/O threads change and a test thread waits on: loopback tests
// record what the application side saw (requests, streams, close reasons)
// from the server's threads and wait for it on the test's, bounded, with no
// sleeping.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace sb::testing {

/// Derive the test's record from it; read its fields under `mutex` (or
/// after a wait that saw them settle).
class watched_state {
public:
  /// Any thread: runs `fn` under the lock, then wakes the waiters.
  template <class Fn>
  void record(Fn fn) {
    std::lock_guard<std::mutex> lock(mutex);
    fn();
    changed_.notify_all();
  }

  /// True once `pred` holds (checked under the lock); false if `limit`
  /// passes first.
  template <class Pred>
  bool
  wait(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    std::unique_lock<std::mutex> lock(mutex);
    return changed_.wait_for(lock, limit, pred);
  }

  std::mutex mutex;

private:
  std::condition_variable changed_;
};

} // namespace sb::testing
