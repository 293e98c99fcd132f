// The playout queue as a single time: everything queued plays back to
// back, so the queue is fully described by when its last byte ends
// (play_end_). Audio that arrives after that instant starts a fresh run,
// and the silence in between is what the caller hears as a gap.
#include "cli/sim/media_playout.hpp"

#include <algorithm>

namespace sb {

using std::chrono::microseconds;

int64_t played_reply::gaps_over(microseconds limit) const {
  return std::count_if(gaps.begin(), gaps.end(),
                       [limit](auto gap) { return gap > limit; });
}

microseconds played_reply::longest_gap() const {
  if (gaps.empty())
    return microseconds(0);
  return *std::max_element(gaps.begin(), gaps.end());
}

media_playout::media_playout(std::chrono::milliseconds reply_quiet)
  : reply_quiet_(reply_quiet) {
  // nop
}

media_time media_playout::audio(media_time now, size_t samples) {
  // Audio after the quiet spell is the next reply, even if nobody asked
  // finished_reply() in between.
  if (reply_ && now >= play_end_ + reply_quiet_)
    close_reply();
  auto start = std::max(now, play_end_);
  if (!reply_) {
    reply_.emplace();
    reply_->first_audio = now;
  } else if (now > play_end_) {
    reply_->gaps.push_back(
      std::chrono::duration_cast<microseconds>(now - play_end_));
  }
  play_end_ = start + mulaw_duration(static_cast<int64_t>(samples));
  reply_->samples += static_cast<int64_t>(samples);
  reply_->end = play_end_;
  return start;
}

void media_playout::mark(media_time now, std::string name) {
  if (reply_)
    reply_->marks.push_back(name);
  marks_.push_back({std::max(now, play_end_), std::move(name)});
}

std::vector<std::string> media_playout::due_marks(media_time now) {
  std::vector<std::string> out;
  while (!marks_.empty() && marks_.front().due <= now) {
    out.push_back(std::move(marks_.front().name));
    marks_.pop_front();
  }
  return out;
}

std::optional<media_time> media_playout::next_mark() const {
  if (marks_.empty())
    return std::nullopt;
  return marks_.front().due;
}

void media_playout::cut(media_time now) {
  if (play_end_ <= now)
    return;
  if (reply_) {
    auto unplayed = std::chrono::duration_cast<microseconds>(play_end_ - now);
    reply_->cut_samples += unplayed.count() / 125;
    reply_->end = now;
  }
  play_end_ = now;
}

void media_playout::close_reply() {
  if (!reply_)
    return;
  done_.push_back(std::move(*reply_));
  reply_.reset();
}

std::vector<std::string> media_playout::clear(media_time now) {
  cut(now);
  last_clear_ = now;
  if (reply_) {
    reply_->clears.push_back(now);
    close_reply();
  }
  std::vector<std::string> out;
  for (auto& m : marks_)
    out.push_back(std::move(m.name));
  marks_.clear();
  return out;
}

std::optional<played_reply> media_playout::finished_reply(media_time now) {
  if (reply_ && now >= play_end_ + reply_quiet_)
    close_reply();
  if (done_.empty())
    return std::nullopt;
  auto out = std::move(done_.front());
  done_.pop_front();
  return out;
}

void media_playout::end(media_time now) {
  marks_.clear();
  if (reply_ && play_end_ > now)
    reply_->cut_by_end = true;
  cut(now);
  close_reply();
}

std::optional<media_time> media_playout::reply_over_at() const {
  if (!reply_)
    return std::nullopt;
  return play_end_ + reply_quiet_;
}

} // namespace sb
