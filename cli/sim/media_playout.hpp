// Twilio's playout queue for the daemon's audio on a Media Stream, as the
// simulator models it: our `media` payloads are queued and played in
// order in real time (8 μ-law bytes per ms); a `mark` is echoed once all
// the audio queued before it has played (at once if nothing is queued);
// a `clear` drops the unplayed audio and echoes every pending mark. On
// top of the queue it keeps what a caller would notice about each reply:
// when its first audio arrived, how much audio it had and how much was
// cut, its marks, every gap where the queue ran dry inside it and audio
// came later, and each clear. Pure: no clock of its own (every call says
// what time it is), no I/O, one per stream, single-threaded.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace sb {

using media_clock = std::chrono::steady_clock;
using media_time = media_clock::time_point;

/// The playing time of `samples` μ-law bytes at 8 kHz.
constexpr std::chrono::microseconds mulaw_duration(int64_t samples) {
  return std::chrono::microseconds(samples * 125);
}

/// One reply as the caller heard it: the daemon's audio from the first
/// `media` frame after a quiet spell to the next quiet spell (or a clear,
/// or the stream's end).
struct played_reply {
  media_time first_audio;  // its first media frame arrived
  media_time end;          // its last audio finished playing or was cut
  int64_t samples = 0;     // μ-law samples received
  int64_t cut_samples = 0; // of them, dropped unplayed (a clear, the end)
  std::vector<std::string> marks;              // names, in arrival order
  std::vector<std::chrono::microseconds> gaps; // each underrun inside it
  std::vector<media_time> clears;              // when each clear arrived
  bool cut_by_end = false; // the stream ended while it was playing

  /// Gaps longer than `limit` (a "playback gap" is one over 40 ms).
  int64_t gaps_over(std::chrono::microseconds limit) const;

  /// The longest gap, 0 when none.
  std::chrono::microseconds longest_gap() const;
};

class media_playout {
public:
  /// A reply is over once the queue has been empty, with no audio
  /// arriving, for `reply_quiet`.
  explicit media_playout(std::chrono::milliseconds reply_quiet);

  /// `samples` bytes of our audio arrived at `now`. Returns when they
  /// start playing: `now` if the queue had run dry (inside a reply that is
  /// a gap, recorded), else when the audio already queued ends.
  media_time audio(media_time now, size_t samples);

  /// A mark arrived at `now`: due when the audio queued so far has played.
  void mark(media_time now, std::string name);

  /// The marks due by `now`, in order, removed: Twilio echoes each.
  std::vector<std::string> due_marks(media_time now);

  /// When the next pending mark is due; nullopt when none is pending.
  std::optional<media_time> next_mark() const;

  /// A clear arrived at `now`: the unplayed audio is dropped and every
  /// pending mark is returned, in order, to be echoed at once. A reply in
  /// progress ends here, with the clear recorded; audio after the clear
  /// starts a new one.
  std::vector<std::string> clear(media_time now);

  /// When the last clear arrived, whether or not a reply was playing.
  std::optional<media_time> last_clear() const {
    return last_clear_;
  }

  /// The oldest reply that is over by `now` (quiet for reply_quiet since
  /// the queue ran dry, cleared, or ended with the stream), else nullopt.
  /// Each reply is returned once, in order.
  std::optional<played_reply> finished_reply(media_time now);

  /// The stream ended at `now`: the reply in progress is over (its
  /// unplayed audio cut, cut_by_end set) and finished_reply() returns it.
  /// Pending marks are dropped: nobody is left to echo them.
  void end(media_time now);

  /// When the reply in progress will be over if nothing more arrives;
  /// nullopt when no reply is in progress.
  std::optional<media_time> reply_over_at() const;

  /// A reply is in progress (audio arrived and it is not yet over).
  bool in_reply() const {
    return reply_.has_value();
  }

  /// No reply is in progress and nothing has played for reply_quiet by
  /// `now`: a reply that a clear ended is followed by this quiet too
  /// before the caller takes it that the daemon has finished.
  bool quiet(media_time now) const {
    return !reply_ && now >= play_end_ + reply_quiet_;
  }

  /// The reply in progress, or nullptr.
  const played_reply* current() const {
    return reply_ ? &*reply_ : nullptr;
  }

  /// When everything queued so far has played (in the past when the queue
  /// is empty).
  media_time queued_until() const {
    return play_end_;
  }

private:
  struct pending_mark {
    media_time due;
    std::string name;
  };

  // Drops what has not played by `now` from the reply's account.
  void cut(media_time now);

  // The reply in progress is over: it waits in done_ to be collected.
  void close_reply();

  std::chrono::milliseconds reply_quiet_;
  media_time play_end_{};
  std::deque<pending_mark> marks_;
  std::optional<played_reply> reply_; // in progress
  std::deque<played_reply> done_;     // over, not yet collected
  std::optional<media_time> last_clear_;
};

} // namespace sb
