// media_listener: the turn detector's events, with the utterance feed
// made at the start of speech, fed while the caller talks, finished at
// the end of the turn and cancelled when the utterance is dropped.
#include "app/media_listener.hpp"

#include <utility>

#include "core/log.hpp"

namespace sb {

caf::expected<media_listener> media_listener::create(const media_config& cfg) {
  auto detector = turn_detector::create(cfg);
  if (!detector)
    return detector.error();
  auto resampler = stream_resampler::create(phone_sample_rate, stt_sample_rate);
  if (!resampler)
    return resampler.error();
  return media_listener{std::move(*detector), std::move(*resampler)};
}

media_listener::media_listener(turn_detector detector,
                               stream_resampler resampler)
  : detector_(std::move(detector)), resampler_(std::move(resampler)) {
}

void media_listener::upsample_into(const int16_t* samples, size_t size) {
  upsampled_.clear();
  if (auto err = resampler_.process(samples, size, upsampled_)) {
    SB_LOG_WARNING("media: resampling the caller's audio failed");
    return;
  }
  feed_->append(upsampled_);
}

void media_listener::handle(std::vector<turn_event>& events,
                            std::vector<event>& out, bool& fed) {
  for (auto& ev : events) {
    if (auto* s = std::get_if<speech_started>(&ev)) {
      // A fresh feed and resampler state: the utterance so far, pre-roll
      // first, this frame included.
      if (feed_)
        feed_->cancel();
      feed_ = std::make_shared<utterance_feed>();
      std::vector<int16_t> rest;
      resampler_.flush(rest);
      const auto& audio = detector_.utterance_audio();
      upsample_into(audio.data(), audio.size());
      fed = true;
      out.push_back(started{feed_, *s});
    } else if (auto* t = std::get_if<turn_ended>(&ev)) {
      if (feed_) {
        upsampled_.clear();
        resampler_.flush(upsampled_);
        feed_->append(upsampled_);
        feed_->finish();
      }
      out.push_back(ended{std::exchange(feed_, nullptr), std::move(*t)});
    } else if (auto* d = std::get_if<utterance_dropped>(&ev)) {
      if (feed_)
        feed_->cancel();
      feed_.reset();
      std::vector<int16_t> rest;
      resampler_.flush(rest);
      out.push_back(dropped{*d});
    } else if (auto* b = std::get_if<barge_in>(&ev)) {
      out.push_back(barged{*b});
    }
  }
}

std::vector<media_listener::event>
media_listener::hear(int64_t timestamp_ms, std::string_view mulaw) {
  std::vector<event> out;
  placement_ = timeline_.push(timestamp_ms, mulaw);
  while (true) {
    auto at_ms = timeline_.position() / mulaw_timeline::samples_per_ms;
    if (!timeline_.pull(vad_frame_samples, frame_))
      break;
    bool was_in = detector_.in_utterance();
    auto events = detector_.process(frame_.data(), at_ms);
    bool fed = false;
    if (!events.empty())
      handle(events, out, fed);
    if (feed_ && was_in && !fed && detector_.in_utterance())
      upsample_into(frame_.data(), frame_.size());
  }
  return out;
}

std::vector<media_listener::event> media_listener::finish() {
  std::vector<event> out;
  auto events = detector_.finish();
  bool fed = false;
  handle(events, out, fed);
  if (feed_) {
    feed_->cancel();
    feed_.reset();
  }
  return out;
}

} // namespace sb
