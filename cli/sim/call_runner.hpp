// The load runners' pacing of calls, whatever a call plays (<Gather>
// webhooks, Media Streams): at most `concurrency` calls live at once,
// another started each time one ends, until `calls` have started. Calls
// report on their own strands, possibly on several threads of the
// io_context, so each outcome is handed over under a lock. Header-only;
// internal to switchboard-sim.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>

namespace sb {

template <class Outcome>
class call_runner {
public:
  using done_fn = std::function<void(Outcome)>;
  /// Starts call number `index`; `done` must run exactly once, when the
  /// call ends.
  using start_fn = std::function<void(int64_t index, done_fn done)>;
  /// Takes one call's outcome; runs under the runner's lock.
  using take_fn = std::function<void(Outcome)>;

  /// REQUIRES: the runner outlives every call it starts (the io_context
  /// has run out of work before it goes).
  call_runner(int64_t calls, start_fn start, take_fn take)
    : calls_(calls), start_(std::move(start)), take_(std::move(take)) {
  }

  /// Starts `concurrency` calls (or fewer, if fewer are left).
  void start(int concurrency) {
    for (int i = 0; i < concurrency; ++i)
      start_next();
  }

private:
  void start_next() {
    int64_t index;
    {
      std::lock_guard<std::mutex> guard{mtx_};
      if (started_ >= calls_)
        return;
      index = started_++;
    }
    start_(index, [this](Outcome out) {
      {
        std::lock_guard<std::mutex> guard{mtx_};
        take_(std::move(out));
      }
      start_next();
    });
  }

  int64_t calls_;
  start_fn start_;
  take_fn take_;
  std::mutex mtx_;
  int64_t started_ = 0;
};

} // namespace sb
