// One utterance's audio on its way from the caller to a recogniser: the
// call side appends 16 kHz samples while the caller speaks and finishes
// (or cancels) it; a recogniser on a worker thread consumes the samples as
// they come (pocketsphinx decodes while the caller is still speaking) or
// all at once after the end (HTTP engines). Thread-safe: one producer, any
// number of readers.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace sb {

/// The sample rate every recogniser is fed, in Hz: the rate the
/// pocketsphinx model was trained on, and what whisper-class servers want.
constexpr int stt_sample_rate = 16000;

class utterance_feed {
public:
  using clock = std::chrono::steady_clock;

  /// What wait_from() saw.
  enum class state {
    audio,     // samples past `from` (copied out)
    finished,  // no samples past `from`, and none will come
    cancelled, // the utterance is no longer needed
    waiting,   // none yet: `max_wait` passed
  };

  utterance_feed() = default;
  utterance_feed(const utterance_feed&) = delete;
  utterance_feed& operator=(const utterance_feed&) = delete;

  /// Appends samples (producer). Ignored once finished or cancelled.
  void append(const int16_t* samples, size_t count);
  void append(const std::vector<int16_t>& samples) {
    append(samples.data(), samples.size());
  }

  /// No more audio will come; `end_of_speech` is when the caller stopped
  /// speaking (the start of the STT tail). Idempotent: the first call wins.
  void finish(clock::time_point end_of_speech = clock::now());

  /// The utterance is no longer needed: readers stop at their next wait
  /// and a queued utterance is dropped. Idempotent.
  void cancel();

  bool finished() const;
  bool cancelled() const {
    return cancelled_.load();
  }
  /// Polled by blocking clients (curl_session's cancel flag).
  const std::atomic<bool>* cancel_flag() const {
    return &cancelled_;
  }

  /// When finish() was called with, or clock::time_point{} before that.
  clock::time_point end_of_speech() const;

  /// Samples appended so far.
  size_t size() const;

  /// A copy of every sample appended so far.
  std::vector<int16_t> samples() const;

  /// Blocks until there are samples past index `from` (appended to `out`,
  /// which is cleared first), the feed is finished or cancelled, or
  /// `max_wait` passes. Cancellation wins over everything else.
  state wait_from(size_t from, std::vector<int16_t>& out,
                  std::chrono::milliseconds max_wait);

  /// Blocks until finished or cancelled, or `max_wait` passes; true when
  /// finished (and not cancelled).
  bool wait_finished(std::chrono::milliseconds max_wait);

  /// Calls `fn` when the feed is finished and again when it is cancelled
  /// (each at most once, so twice for a feed cancelled after its end), on
  /// the thread that finishes or cancels it; at once, here, if either
  /// already happened. `fn` reads finished() and cancelled() to tell
  /// which. Replaces an earlier callback. Must not block: it sends a
  /// message.
  void on_settled(std::function<void()> fn);

private:
  void announce(std::unique_lock<std::mutex>& lock);

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<int16_t> samples_;
  bool finished_ = false;
  clock::time_point end_of_speech_{};
  std::atomic<bool> cancelled_{false};
  std::function<void()> on_settled_;
};

using utterance_ptr = std::shared_ptr<utterance_feed>;

} // namespace sb
