// Our audio on its way to a caller over Twilio Media Streams, paced.
// Twilio queues whatever we send and plays it in order, and never says how
// deep its queue is. Sending a reply at once would leave seconds of audio
// in that queue, which a barge-in's `clear` must then throw away, and a
// sender that sleeps 20 ms per 20 ms frame falls behind and leaves gaps.
// So audio goes out in messages of `chunk_ms`, paced from a monotonic
// clock to stay no more than `lead_ms` ahead of where playback is, with
// the marks in their place between the audio. Pure and single-threaded:
// the caller passes the time (ms on a monotonic clock) and sends what
// due() returns.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace sb {

class playout_pacer {
public:
  /// One message to send now: audio (μ-law bytes) or a mark.
  struct item {
    bool is_mark = false;
    std::string audio; // !is_mark: 8 kHz μ-law: chunk_ms of it, or up to
                       // 1.5 chunk_ms at the end of a clause (its tail)
    std::string mark;  // is_mark: its name
    uint64_t generation = 0;
    /// !is_mark: this chunk continues audio of the same generation that
    /// had finished playing `late_ms` before it was sent: the caller
    /// heard a gap that long (0: no gap).
    int64_t late_ms = 0;
  };

  playout_pacer(int chunk_ms, int lead_ms);

  /// Queues audio of reply `generation` after everything queued.
  void push_audio(uint64_t generation, std::string_view mulaw);

  /// Queues a mark after the audio queued so far.
  void push_mark(uint64_t generation, std::string name);

  /// What to send at `now_ms`, in order: audio while less than lead_ms is
  /// ahead of playback, and each mark once the audio before it is out.
  std::vector<item> due(int64_t now_ms);

  /// Drops everything not yet sent (a `clear` drops what Twilio holds).
  /// Playback of what was sent is taken to have stopped at `now_ms`.
  void clear(int64_t now_ms);

  /// Nothing left to send.
  bool empty() const {
    return queue_.empty();
  }

  /// When, on our model of Twilio's queue, everything sent so far will
  /// have played (never before the last send).
  int64_t played_out_at() const {
    return play_end_ms_;
  }

  /// When due() will next have something to send, or -1 if nothing is
  /// queued.
  int64_t next_due_ms(int64_t now_ms) const;

  int chunk_ms() const {
    return chunk_ms_;
  }

private:
  struct entry {
    bool is_mark = false;
    uint64_t generation = 0;
    std::string bytes; // audio not yet sent, or the mark's name
  };

  int chunk_ms_;
  int lead_ms_;
  std::deque<entry> queue_;
  int64_t play_end_ms_ = 0;      // when what was sent will have played
  bool sent_any_ = false;        // audio went out at least once
  uint64_t last_generation_ = 0; // of the last audio sent
};

} // namespace sb
