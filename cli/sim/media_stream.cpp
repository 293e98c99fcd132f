// One stream from Twilio's side. Three things come due on their own
// clocks — a media frame every 20 ms since the start, the keys pressed,
// the echoes of marks whose audio has played — and due() sends them
// merged in time order, so sequence numbers follow the order on the wire.
#include "cli/sim/media_stream.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "twilio/media_frames.hpp"

namespace sb {

media_stream::media_stream(media_stream_ids ids, media_time start,
                           std::chrono::milliseconds reply_quiet,
                           heard_audio* heard)
  : ids_(std::move(ids)), start_(start), playout_(reply_quiet), heard_(heard) {
  // nop
}

std::vector<std::string> media_stream::opening_frames() const {
  return {twilio_connected_frame(),
          twilio_start_frame(ids_.stream_sid, ids_.account_sid, ids_.call_sid,
                             ids_.custom_parameters)};
}

void media_stream::say(std::string_view mulaw) {
  if (outgoing_.empty() && !mulaw.empty()) {
    new_utterance_ = true;
    said_from_.reset();
    said_until_.reset();
  }
  outgoing_.append(mulaw);
}

void media_stream::press(std::string_view keys, media_time now) {
  // Keys pressed while others are still going out follow them.
  auto at = keys_.empty() ? now : keys_.back().at + key_spacing;
  for (char k : keys) {
    keys_.push_back({at, k});
    at += key_spacing;
  }
}

std::string media_stream::next_payload(bool& voiced_audio) {
  voiced_audio = !outgoing_.empty();
  auto take = std::min(outgoing_.size(), frame_bytes);
  std::string payload = outgoing_.substr(0, take);
  outgoing_.erase(0, take);
  payload.resize(frame_bytes, static_cast<char>(mulaw_silence));
  return payload;
}

media_time media_stream::next_due() const {
  auto next = start_ + frame_period * (chunk_ + 1);
  if (!keys_.empty())
    next = std::min(next, keys_.front().at);
  if (auto mark = playout_.next_mark())
    next = std::min(next, *mark);
  return next;
}

void media_stream::due(media_time now, std::vector<std::string>& out) {
  for (;;) {
    auto frame_at = start_ + frame_period * (chunk_ + 1);
    auto key_at = keys_.empty() ? media_time::max() : keys_.front().at;
    auto mark_at = playout_.next_mark().value_or(media_time::max());
    auto first = std::min({frame_at, key_at, mark_at});
    if (first > now)
      return;
    if (first == mark_at) {
      for (auto& name : playout_.due_marks(first))
        out.push_back(twilio_mark_frame(ids_.stream_sid, ++sequence_, name));
    } else if (first == key_at) {
      out.push_back(twilio_dtmf_frame(ids_.stream_sid, ++sequence_,
                                      std::string(1, keys_.front().key)));
      keys_.pop_front();
      last_key_ = now;
    } else {
      bool audio = false;
      auto payload = next_payload(audio);
      ++chunk_;
      if (now - frame_at > frame_period)
        ++late_;
      // The frame's timestamp is where its audio starts on the stream's
      // clock; it goes out once that audio has been spoken.
      auto stamp = std::chrono::duration_cast<std::chrono::milliseconds>(
        frame_period * (chunk_ - 1));
      out.push_back(twilio_media_frame(ids_.stream_sid, ++sequence_, chunk_,
                                       stamp.count(), payload));
      if (audio) {
        voice_.add(now, payload);
        if (new_utterance_)
          said_from_ = now;
        new_utterance_ = false;
        if (outgoing_.empty())
          said_until_ = now;
      }
    }
  }
}

caf::error media_stream::receive(media_time now, std::string_view text,
                                 std::vector<std::string>& out) {
  auto command = parse_media_command(text);
  if (!command)
    return command.error();
  if (command->stream_sid != ids_.stream_sid)
    return make_error(errc::bad_request,
                      "a " + std::string(text.substr(0, 40))
                        + "... frame for streamSid '" + command->stream_sid
                        + "', not this stream's " + ids_.stream_sid);
  switch (command->what) {
    case media_command::kind::media: {
      // A reply starts with audio after a quiet spell (or a clear): note
      // the caller's last input then, for its turn gap.
      auto over = playout_.reply_over_at();
      if (!playout_.in_reply() || (over && now >= *over)) {
        auto input = voice_.last_voiced();
        if (last_key_ && (!input || *last_key_ > *input))
          input = last_key_;
        caller_ends_.push_back(input);
      }
      auto at = playout_.audio(now, command->payload.size());
      if (heard_)
        heard_->play(at, command->payload);
      break;
    }
    case media_command::kind::mark:
      playout_.mark(now, command->name);
      for (auto& name : playout_.due_marks(now))
        out.push_back(twilio_mark_frame(ids_.stream_sid, ++sequence_, name));
      break;
    case media_command::kind::clear:
      if (heard_)
        heard_->cut(now);
      for (auto& name : playout_.clear(now))
        out.push_back(twilio_mark_frame(ids_.stream_sid, ++sequence_, name));
      break;
  }
  return caf::none;
}

std::string media_stream::stop_frame() {
  return twilio_stop_frame(ids_.stream_sid, ++sequence_, ids_.account_sid,
                           ids_.call_sid);
}

void media_stream::end(media_time now) {
  if (heard_ && playout_.queued_until() > now)
    heard_->cut(now);
  playout_.end(now);
}

std::optional<stream_reply> media_stream::finished_reply(media_time now) {
  auto reply = playout_.finished_reply(now);
  if (!reply)
    return std::nullopt;
  stream_reply out{std::move(*reply), std::nullopt};
  if (!caller_ends_.empty()) {
    out.caller_end = caller_ends_.front();
    caller_ends_.pop_front();
  }
  return out;
}

} // namespace sb
