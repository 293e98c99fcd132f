// The caller's audio as Twilio Media Streams delivers it, put back on one
// timeline: each inbound `media` message carries raw μ-law bytes (already
// base64-decoded) and a `timestamp` in milliseconds since the stream
// started. Frames arrive late, twice, out of order or not at all, and need
// not be 20 ms long; the voice detector wants an even run of 16-bit PCM
// in fixed frames. Pure, single-threaded (one per stream), no clock: time
// is the samples' own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace sb {

class mulaw_timeline {
public:
  /// The longest gap filled with silence, in ms: the longest silence any
  /// rule of the turn detector counts (media.end_of_turn_ms is at most
  /// 10000). More silence than that changes no decision, and a bogus
  /// timestamp (Twilio's is a decimal string; 2^32 ms is 50 days) must not
  /// make us allocate and scan gigabytes of zeros.
  static constexpr int default_max_gap_ms = 10000;

  /// Samples per millisecond at 8 kHz.
  static constexpr int64_t samples_per_ms = 8;

  /// What push() did with one frame, in samples.
  struct placement {
    size_t placed = 0;  // new audio put on the timeline
    size_t dropped = 0; // overlapped what was already there: discarded
    size_t filled = 0;  // silence put before the frame (a gap)
    size_t skipped = 0; // gap beyond max_gap_ms: not filled (see push())
  };

  explicit mulaw_timeline(int max_gap_ms = default_max_gap_ms);

  /// Places `size` μ-law bytes (8 kHz, one sample each) that start at
  /// `timestamp_ms` on Twilio's clock, decoded to PCM.
  /// - A gap between the end of what was placed and `timestamp_ms` is
  ///   filled with digital silence (0), up to max_gap_ms. Beyond that the
  ///   rest of the gap is skipped: the frame goes right after the filled
  ///   part, and every later timestamp is shifted by what was skipped, so
  ///   the timeline stays gapless and in order (timeline time is then
  ///   Twilio's time less skipped_samples()).
  /// - The part of a frame that overlaps audio already placed (a
  ///   duplicate, a late or a reordered frame) is dropped; a frame wholly
  ///   inside it is dropped whole. What was placed is never rewritten.
  /// - A negative timestamp counts as overlapping the stream's start.
  placement push(int64_t timestamp_ms, const uint8_t* mulaw, size_t size);
  placement push(int64_t timestamp_ms, std::string_view mulaw) {
    return push(timestamp_ms,
                reinterpret_cast<const uint8_t*>(mulaw.data()), // NOLINT
                mulaw.size());
  }

  /// Samples placed and not yet pulled.
  size_t available() const {
    return buffer_.size() - head_;
  }

  /// Moves the next `frame_samples` samples into `out` (resized to
  /// frame_samples) and returns true, or returns false and leaves `out`
  /// alone when fewer are available.
  bool pull(size_t frame_samples, std::vector<int16_t>& out);

  /// Everything still available, in order (the stream ended: the last
  /// partial frame).
  std::vector<int16_t> drain();

  /// The timeline position of the next sample pull() returns, in samples
  /// since the stream's start (the stream time of the frame it pulls).
  int64_t position() const {
    return pulled_;
  }

  /// The timeline position just past the last sample placed.
  int64_t end() const {
    return end_;
  }

  /// Gap samples skipped so far (beyond max_gap_ms).
  int64_t skipped_samples() const {
    return skipped_;
  }

private:
  int64_t max_gap_samples_;
  std::vector<int16_t> buffer_; // [head_, size) not yet pulled
  size_t head_ = 0;
  int64_t pulled_ = 0;  // timeline index of buffer_[head_]
  int64_t end_ = 0;     // timeline index past the last sample placed
  int64_t skipped_ = 0; // Twilio index - timeline index
};

} // namespace sb
