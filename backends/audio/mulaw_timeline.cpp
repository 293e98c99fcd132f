// The timeline keeps one index, end_, on its own clock (Twilio's less what
// was skipped): a frame's start on that clock decides whether it fills a
// gap, overlaps, or follows on. Decoding goes through a 256-entry table.
#include "backends/audio/mulaw_timeline.hpp"

#include <algorithm>
#include <array>

#include "backends/audio/audio_format.hpp"

namespace sb {

namespace {

const std::array<int16_t, 256>& mulaw_table() {
  static const std::array<int16_t, 256> table = [] {
    std::array<int16_t, 256> t{};
    for (int code = 0; code < 256; ++code)
      t[static_cast<size_t>(code)] = mulaw_to_linear(
        static_cast<uint8_t>(code));
    return t;
  }();
  return table;
}

// Twilio's timestamps fit easily; anything past ~35 years of stream is a
// bogus value, clamped so that the sample arithmetic cannot overflow.
constexpr int64_t max_timestamp_ms = int64_t{1} << 40;

} // namespace

mulaw_timeline::mulaw_timeline(int max_gap_ms)
  : max_gap_samples_(std::max(0, max_gap_ms) * samples_per_ms) {
  // Built here so that the first push() of a call does not pay for it.
  (void) mulaw_table();
}

mulaw_timeline::placement
mulaw_timeline::push(int64_t timestamp_ms, const uint8_t* mulaw, size_t size) {
  placement result;
  if (size == 0)
    return result;
  const int64_t ts = std::min(timestamp_ms, max_timestamp_ms);
  int64_t start = ts * samples_per_ms - skipped_;
  if (start > end_) {
    const int64_t gap = start - end_;
    const int64_t fill = std::min(gap, max_gap_samples_);
    if (gap > fill) {
      skipped_ += gap - fill;
      result.skipped = static_cast<size_t>(gap - fill);
      start = end_ + fill;
    }
    buffer_.insert(buffer_.end(), static_cast<size_t>(fill), int16_t{0});
    end_ += fill;
    result.filled = static_cast<size_t>(fill);
  }
  // Here start <= end_: the first end_ - start samples were placed before.
  const auto overlap = static_cast<size_t>(
    std::min<int64_t>(end_ - start, static_cast<int64_t>(size)));
  result.dropped = overlap;
  result.placed = size - overlap;
  const auto& table = mulaw_table();
  for (size_t i = overlap; i < size; ++i)
    buffer_.push_back(table[mulaw[i]]);
  end_ += static_cast<int64_t>(result.placed);
  return result;
}

bool mulaw_timeline::pull(size_t frame_samples, std::vector<int16_t>& out) {
  if (available() < frame_samples)
    return false;
  const auto first = buffer_.begin() + static_cast<std::ptrdiff_t>(head_);
  out.assign(first, first + static_cast<std::ptrdiff_t>(frame_samples));
  head_ += frame_samples;
  pulled_ += static_cast<int64_t>(frame_samples);
  // Keep the buffer from growing: once the pulled part is most of it,
  // move the rest to the front (amortised O(1) per sample).
  if (head_ >= 4096 && head_ * 2 >= buffer_.size()) {
    buffer_.erase(buffer_.begin(),
                  buffer_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }
  return true;
}

std::vector<int16_t> mulaw_timeline::drain() {
  std::vector<int16_t> out(buffer_.begin() + static_cast<std::ptrdiff_t>(head_),
                           buffer_.end());
  pulled_ += static_cast<int64_t>(out.size());
  buffer_.clear();
  head_ = 0;
  return out;
}

} // namespace sb
