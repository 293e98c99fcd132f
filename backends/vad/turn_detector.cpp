// The turn detector's three phases: silence (the pre-roll ring fills),
// candidate (voiced frames seen, not yet speech_start_ms of them) and
// speech (an utterance, until end_of_turn_ms of silence or the cap). The
// audio of a candidate or an utterance is kept from its start with the
// pre-roll in front; what is not reported goes back into the ring, so the
// ring always holds the stream's last preroll_ms outside any utterance.
#include "backends/vad/turn_detector.hpp"

#include <algorithm>

namespace sb {

namespace {

constexpr int64_t samples_per_ms = vad_sample_rate / 1000;

double frame_power(const int16_t* frame) {
  int64_t sum = 0;
  for (size_t i = 0; i < vad_frame_samples; ++i)
    sum += int64_t{frame[i]} * frame[i];
  return static_cast<double>(sum) / static_cast<double>(vad_frame_samples);
}

} // namespace

std::string to_string(drop_reason reason) {
  switch (reason) {
    case drop_reason::too_short: return "too_short";
    case drop_reason::too_quiet: return "too_quiet";
  }
  return "unknown";
}

void preroll_ring::push(const int16_t* samples, size_t size) {
  const size_t cap = ring_.size();
  if (cap == 0)
    return;
  if (size >= cap) {
    std::copy(samples + (size - cap), samples + size, ring_.begin());
    at_ = 0;
    size_ = cap;
    return;
  }
  for (size_t i = 0; i < size; ++i) {
    ring_[at_] = samples[i];
    at_ = at_ + 1 == cap ? 0 : at_ + 1;
  }
  size_ = std::min(cap, size_ + size);
}

void preroll_ring::copy_to(std::vector<int16_t>& out) const {
  const size_t cap = ring_.size();
  const size_t first = (at_ + cap - size_) % (cap == 0 ? 1 : cap);
  for (size_t i = 0; i < size_; ++i)
    out.push_back(ring_[(first + i) % cap]);
}

caf::expected<turn_detector> turn_detector::create(const media_config& cfg) {
  auto vad = make_voice_detector(cfg);
  if (!vad)
    return std::move(vad.error());
  return turn_detector{cfg, std::move(*vad)};
}

turn_detector::turn_detector(const media_config& cfg,
                             std::unique_ptr<voice_detector> vad)
  : cfg_(cfg),
    vad_(std::move(vad)),
    preroll_(static_cast<size_t>(std::max(0, cfg.preroll_ms))
             * samples_per_ms) {
}

void turn_detector::set_assistant_speaking(bool speaking) {
  if (speaking == assistant_speaking_)
    return;
  assistant_speaking_ = speaking;
  speaking_from_ms_ = speaking ? next_ms_ : -1;
}

void turn_detector::start_candidate(int64_t at_ms) {
  phase_ = phase::candidate;
  start_ms_ = at_ms;
  voiced_ms_ = 0;
  confirmed_ = false;
  unvoiced_run_ms_ = 0;
  voiced_power_ = 0;
  voiced_frames_ = 0;
  barged_in_ = false;
  audio_.clear();
  preroll_.copy_to(audio_);
  preroll_samples_ = audio_.size();
  preroll_.clear();
}

void turn_detector::abandon_candidate() {
  // Not speech after all: its audio is the stream's latest outside any
  // utterance, so the ring takes it (keeping the last preroll_ms).
  preroll_.push(audio_.data(), audio_.size());
  audio_.clear();
  preroll_samples_ = 0;
  phase_ = phase::silence;
}

void turn_detector::end_utterance(int64_t at_ms, bool capped,
                                  std::vector<turn_event>& out) {
  const int64_t end_ms = last_voiced_end_ms_;
  const double level = voiced_frames_ > 0
                         ? dbfs_of_power(voiced_power_ / voiced_frames_)
                         : min_dbfs;
  const size_t keep = std::min(
    audio_.size(),
    preroll_samples_
      + static_cast<size_t>(std::max<int64_t>(0, end_ms - start_ms_))
          * samples_per_ms);
  // Samples after the end go to the ring (the next pre-roll), never into
  // both utterances.
  preroll_.clear();
  preroll_.push(audio_.data() + keep, audio_.size() - keep);
  if (end_ms - start_ms_ < cfg_.min_utterance_ms) {
    out.emplace_back(utterance_dropped{drop_reason::too_short, start_ms_,
                                       end_ms, at_ms, level});
  } else if (level < cfg_.min_level_dbfs) {
    out.emplace_back(utterance_dropped{drop_reason::too_quiet, start_ms_,
                                       end_ms, at_ms, level});
  } else {
    turn_ended ended;
    ended.start_ms = start_ms_;
    ended.end_ms = end_ms;
    ended.at_ms = at_ms;
    ended.audio_start_ms = start_ms_
                           - static_cast<int64_t>(preroll_samples_)
                               / samples_per_ms;
    ended.level_dbfs = level;
    ended.capped = capped;
    audio_.resize(keep);
    ended.audio = pcm_audio{vad_sample_rate, std::move(audio_)};
    out.emplace_back(std::move(ended));
  }
  audio_.clear();
  preroll_samples_ = 0;
  phase_ = phase::silence;
}

std::vector<turn_event> turn_detector::process(const int16_t* frame,
                                               int64_t at_ms) {
  std::vector<turn_event> out;
  const vad_decision decision = vad_->classify(frame);
  const bool voiced = decision != vad_decision::silence;
  next_ms_ = at_ms + vad_frame_ms;
  if (phase_ == phase::silence) {
    if (!voiced) {
      preroll_.push(frame, vad_frame_samples);
      return out;
    }
    start_candidate(at_ms);
  }
  audio_.insert(audio_.end(), frame, frame + vad_frame_samples);
  // Inside an utterance an onset is not yet speech: a breath or a click
  // after the last word must not move the end or hold the turn open. If
  // it becomes speech, the frames that confirm it do both.
  const bool counts = phase_ == phase::speech ? decision == vad_decision::speech
                                              : voiced;
  if (counts) {
    confirmed_ = confirmed_ || decision == vad_decision::speech;
    voiced_ms_ += vad_frame_ms;
    unvoiced_run_ms_ = 0;
    last_voiced_end_ms_ = next_ms_;
    voiced_power_ += frame_power(frame);
    ++voiced_frames_;
  } else {
    unvoiced_run_ms_ += vad_frame_ms;
  }
  if (phase_ == phase::candidate) {
    // An onset that fades before it is confirmed was not speech (the
    // energy detector may have just learnt it as the line's noise).
    if (unvoiced_run_ms_ > start_gap_ms || (!counts && !confirmed_)) {
      abandon_candidate();
      return out;
    }
    if (voiced_ms_ < cfg_.speech_start_ms || !confirmed_)
      return out;
    phase_ = phase::speech;
    out.emplace_back(speech_started{start_ms_, next_ms_});
  }
  // phase::speech
  if (counts && assistant_speaking_ && !barged_in_) {
    const int64_t from = std::max(start_ms_, speaking_from_ms_);
    if (next_ms_ - from >= cfg_.barge_in_ms) {
      barged_in_ = true;
      out.emplace_back(barge_in{start_ms_, next_ms_});
    }
  }
  if (unvoiced_run_ms_ >= cfg_.end_of_turn_ms)
    end_utterance(next_ms_, false, out);
  else if (next_ms_ - start_ms_ >= int64_t{cfg_.max_utterance_s} * 1000)
    end_utterance(next_ms_, true, out);
  return out;
}

std::vector<turn_event> turn_detector::finish() {
  std::vector<turn_event> out;
  if (phase_ == phase::speech)
    end_utterance(next_ms_, false, out);
  else if (phase_ == phase::candidate)
    abandon_candidate();
  return out;
}

} // namespace sb
