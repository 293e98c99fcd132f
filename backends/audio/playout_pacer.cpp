// playout_pacer: a queue of audio and marks, and a model of Twilio's
// playback queue (what we sent plays back to back from when it arrived).
#include "backends/audio/playout_pacer.hpp"

#include <algorithm>

namespace sb {

namespace {

constexpr int64_t bytes_per_ms = 8; // 8 kHz μ-law, one byte a sample

} // namespace

playout_pacer::playout_pacer(int chunk_ms, int lead_ms)
  : chunk_ms_(std::max(chunk_ms, 1)), lead_ms_(std::max(lead_ms, chunk_ms_)) {
}

void playout_pacer::push_audio(uint64_t generation, std::string_view mulaw) {
  if (mulaw.empty())
    return;
  // Joined with queued audio of the same reply, so messages stay chunk_ms
  // long across clause boundaries that carry no mark.
  if (!queue_.empty() && !queue_.back().is_mark
      && queue_.back().generation == generation) {
    queue_.back().bytes.append(mulaw);
    return;
  }
  queue_.push_back({false, generation, std::string{mulaw}});
}

void playout_pacer::push_mark(uint64_t generation, std::string name) {
  queue_.push_back({true, generation, std::move(name)});
}

std::vector<playout_pacer::item> playout_pacer::due(int64_t now_ms) {
  std::vector<item> out;
  while (!queue_.empty()) {
    auto& front = queue_.front();
    if (front.is_mark) {
      out.push_back({true, {}, std::move(front.bytes), front.generation, 0});
      queue_.pop_front();
      continue;
    }
    int64_t ahead = play_end_ms_ - now_ms;
    if (ahead >= lead_ms_)
      break;
    int64_t late = 0;
    if (ahead < 0) {
      // Twilio's queue ran dry: playback starts over from now. Within one
      // reply that was a gap the caller heard.
      if (sent_any_ && last_generation_ == front.generation)
        late = -ahead;
      play_end_ms_ = now_ms;
    }
    auto chunk = static_cast<size_t>(chunk_ms_ * bytes_per_ms);
    auto take = std::min(front.bytes.size(), chunk);
    // A clause's tail shorter than half a chunk rides with the chunk
    // before it: tiny messages stutter, and this one stays under 1.5
    // chunks.
    if (front.bytes.size() - take < chunk / 2)
      take = front.bytes.size();
    item it{false, front.bytes.substr(0, take), {}, front.generation, late};
    front.bytes.erase(0, take);
    play_end_ms_ += static_cast<int64_t>(take) / bytes_per_ms;
    sent_any_ = true;
    last_generation_ = front.generation;
    if (front.bytes.empty())
      queue_.pop_front();
    out.push_back(std::move(it));
  }
  return out;
}

void playout_pacer::clear(int64_t now_ms) {
  queue_.clear();
  play_end_ms_ = std::min(play_end_ms_, now_ms);
  // Whatever comes next starts a new run of audio: no gap to count.
  sent_any_ = false;
}

int64_t playout_pacer::next_due_ms(int64_t now_ms) const {
  if (queue_.empty())
    return -1;
  if (queue_.front().is_mark)
    return now_ms;
  return std::max(now_ms, play_end_ms_ - lead_ms_ + 1);
}

} // namespace sb
