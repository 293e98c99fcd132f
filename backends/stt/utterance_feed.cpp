// utterance_feed: a mutex-guarded sample buffer with a condition variable
// for the reader and a callback for whoever waits to dispatch it.
#include "backends/stt/utterance_feed.hpp"

#include <utility>

namespace sb {

void utterance_feed::append(const int16_t* samples, size_t count) {
  std::lock_guard<std::mutex> guard{mutex_};
  if (finished_ || cancelled_.load())
    return;
  samples_.insert(samples_.end(), samples, samples + count);
  changed_.notify_all();
}

void utterance_feed::finish(clock::time_point end_of_speech) {
  std::unique_lock<std::mutex> lock{mutex_};
  if (finished_)
    return;
  finished_ = true;
  end_of_speech_ = end_of_speech;
  announce(lock);
}

void utterance_feed::cancel() {
  std::unique_lock<std::mutex> lock{mutex_};
  if (cancelled_.exchange(true))
    return;
  announce(lock);
}

// Wakes the readers and runs the callback outside the lock (it sends a
// message, and may call back into this feed). A cancel after the end is
// announced too: a pool holding a finished utterance must hear of it.
void utterance_feed::announce(std::unique_lock<std::mutex>& lock) {
  changed_.notify_all();
  auto fn = on_settled_;
  lock.unlock();
  if (fn)
    fn();
}

bool utterance_feed::finished() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return finished_;
}

utterance_feed::clock::time_point utterance_feed::end_of_speech() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return end_of_speech_;
}

size_t utterance_feed::size() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return samples_.size();
}

std::vector<int16_t> utterance_feed::samples() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return samples_;
}

utterance_feed::state
utterance_feed::wait_from(size_t from, std::vector<int16_t>& out,
                          std::chrono::milliseconds max_wait) {
  out.clear();
  std::unique_lock<std::mutex> lock{mutex_};
  changed_.wait_for(lock, max_wait, [&] {
    return cancelled_.load() || finished_ || samples_.size() > from;
  });
  if (cancelled_.load())
    return state::cancelled;
  if (samples_.size() > from) {
    out.assign(samples_.begin() + static_cast<std::ptrdiff_t>(from),
               samples_.end());
    return state::audio;
  }
  return finished_ ? state::finished : state::waiting;
}

bool utterance_feed::wait_finished(std::chrono::milliseconds max_wait) {
  std::unique_lock<std::mutex> lock{mutex_};
  changed_.wait_for(lock, max_wait,
                    [&] { return cancelled_.load() || finished_; });
  return finished_ && !cancelled_.load();
}

void utterance_feed::on_settled(std::function<void()> fn) {
  std::unique_lock<std::mutex> lock{mutex_};
  on_settled_ = fn;
  bool settled = finished_ || cancelled_.load();
  lock.unlock();
  if (settled && fn)
    fn();
}

} // namespace sb
