// Twilio's side of one Media Streams call, for the end-to-end tests: the
// signed upgrade, `connected` and `start`, the caller's audio as 20 ms
// μ-law frames in real time (silence when the caller says nothing, as
// Twilio sends it), and Twilio's playout queue: our audio is consumed in
// real time, a mark is echoed once the audio before it has played, and
// `clear` drops the queue and echoes every pending mark. Everything the
// daemon sent is recorded with the time it came. Blocking, one thread;
// header-only, for this suite.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "backends/audio/audio_format.hpp"
#include "backends/audio/audio_resampler.hpp"
#include "cli/sim/relay_client.hpp"
#include "cli/sim/sim_webhook.hpp"
#include "cli/sim/twiml_reader.hpp"
#include "core/error.hpp"
#include "support/daemon_process.hpp"
#include "twilio/media_frames.hpp"

namespace sb::test {

using media_clock = std::chrono::steady_clock;

/// Where the TwiML told Twilio to stream, and the <Parameter>s to send.
struct stream_twiml {
  std::string url;    // ws://127.0.0.1:PORT/media
  std::string target; // /media
  std::string action; // the <Connect action>
  std::string status_callback;
  std::vector<std::pair<std::string, std::string>> parameters;
};

inline std::optional<stream_twiml> stream_of(const std::string& twiml) {
  auto doc = read_twiml(twiml);
  if (!doc)
    return std::nullopt;
  auto* connect = doc->find("Connect");
  auto* stream = doc->find("Stream");
  if (!connect || !stream)
    return std::nullopt;
  stream_twiml s;
  s.url = stream->attr("url");
  s.target = url_target(s.url);
  s.action = connect->attr("action");
  s.status_callback = stream->attr("statusCallback");
  for (auto* p : stream->find_all("Parameter"))
    s.parameters.emplace_back(p->attr("name"), p->attr("value"));
  return s;
}

/// A reply as the caller heard it: audio that began after at least
/// `reply_pause` of none.
struct heard_reply {
  media_clock::time_point first_audio;
  media_clock::time_point last_audio;
  std::string mulaw;              // as it arrived
  std::vector<size_t> frame_ms;   // each media message's length
  std::vector<std::string> marks; // names, in order
};

/// `clip` (any rate) as 8 kHz μ-law.
inline std::string to_mulaw(const pcm_audio& clip) {
  auto phone = resample(clip, phone_sample_rate);
  REQUIRE(phone);
  std::string out;
  for (auto s : phone->samples)
    out.push_back(static_cast<char>(linear_to_mulaw(s)));
  return out;
}

class media_line {
public:
  static constexpr std::chrono::milliseconds reply_pause{700};

  media_line(const daemon_process& d, std::string call_sid,
             std::string auth_token)
    : d_(d), sid_(std::move(call_sid)), auth_(std::move(auth_token)) {
    stream_sid_ = "MZ" + sid_.substr(2);
  }

  /// Opens the socket the TwiML names; sends connected and start (with
  /// the TwiML's parameters, or `parameters` when given).
  void open(const stream_twiml& s, bool send_start = true,
            std::optional<std::vector<std::pair<std::string, std::string>>>
              parameters = std::nullopt) {
    client_ = std::make_unique<relay_client>(std::chrono::seconds(5));
    auto base = "ws://127.0.0.1:" + std::to_string(d_.port());
    auto sig = sign_webhook(auth_, base, s.target, {});
    auto ok = client_->connect("127.0.0.1", std::to_string(d_.port()), s.target,
                               {{"X-Twilio-Signature", sig}});
    INFO((ok ? std::string{} : what(ok.error())) << d_.log());
    REQUIRE(ok);
    REQUIRE(client_->send_text(twilio_connected_frame()));
    if (send_start)
      REQUIRE(client_->send_text(twilio_start_frame(
        stream_sid_, "ACtest", sid_, parameters ? *parameters : s.parameters)));
    started_ = media_clock::now();
    next_frame_ = started_;
    last_tick_ = started_;
  }

  relay_client& client() {
    return *client_;
  }
  const std::string& stream_sid() const {
    return stream_sid_;
  }

  /// Queues `mulaw` as the caller's speech: it is streamed (in real
  /// time, from the next frame on) by wait() and run().
  void say(const std::string& mulaw) {
    talk_ = mulaw;
    talk_at_ = 0;
  }

  /// say(mulaw), then wait(max, until).
  bool run(const std::string& mulaw, std::chrono::milliseconds max,
           const std::function<bool()>& until = {}) {
    say(mulaw);
    return wait(max, until);
  }

  /// Streams what the caller has left to say, then silence, in real time,
  /// while playing out what comes back, until `until` says stop or `max`
  /// passes (false then) or the daemon closes the socket.
  bool wait(std::chrono::milliseconds max,
            const std::function<bool()>& until = {}) {
    auto deadline = media_clock::now() + max;
    while (media_clock::now() < deadline && !closed) {
      if (until && until())
        return true;
      step();
    }
    return until ? until() : true;
  }

  /// Sends a raw text frame (bad input, dtmf ...).
  void send(const std::string& frame) {
    REQUIRE(client_->send_text(frame));
  }

  void dtmf(const std::string& digit) {
    send(twilio_dtmf_frame(stream_sid_, ++sequence_, digit));
  }

  /// Twilio's stop, then the socket closed.
  void hang_up() {
    if (closed)
      return;
    client_->send_text(
      twilio_stop_frame(stream_sid_, ++sequence_, "ACtest", sid_));
    client_->close(1000);
    closed = true;
  }

  // What came back.
  std::vector<heard_reply> replies;
  std::vector<media_clock::time_point> clears;
  std::vector<std::string> bad_frames; // what parse_media_command refused
  bool closed = false;
  uint16_t close_code = 0;
  std::string close_reason;
  /// When the caller's speech in the last run() ended (its last sample
  /// sent).
  media_clock::time_point talk_ended{};
  media_clock::time_point talk_started{};

  bool replies_since(size_t n) const {
    return replies.size() > n;
  }
  /// Everything queued has played and every mark came back.
  bool quiet() const {
    return played_ >= queued_ && marks_.empty()
           && media_clock::now() - last_audio_ > reply_pause;
  }

private:
  void step() {
    // One 20 ms frame of the caller, paced from the monotonic clock.
    auto now = media_clock::now();
    if (now >= next_frame_) {
      std::string frame(160, '\xff');
      if (talk_at_ < talk_.size()) {
        if (talk_at_ == 0)
          talk_started = now;
        auto n = std::min<size_t>(160, talk_.size() - talk_at_);
        frame.replace(0, n, talk_, talk_at_, n);
        talk_at_ += n;
        if (talk_at_ >= talk_.size())
          talk_ended = now + std::chrono::milliseconds(20);
      }
      auto ts = std::chrono::duration_cast<std::chrono::milliseconds>(
                  next_frame_ - started_)
                  .count();
      ++sequence_;
      client_->send_text(
        twilio_media_frame(stream_sid_, sequence_, ++chunk_, ts, frame));
      next_frame_ += std::chrono::milliseconds(20);
    }
    play_out();
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
      next_frame_ - media_clock::now());
    auto m = client_->read_text(std::max(wait, std::chrono::milliseconds(0)));
    if (!m)
      return; // timed out: time for the next frame
    if (m->closed) {
      closed = true;
      close_code = m->close_code;
      close_reason = m->close_reason;
      return;
    }
    on_message(m->text);
  }

  void play_out() {
    auto now = media_clock::now();
    auto ms = std::chrono::duration_cast<std::chrono::microseconds>(
                now - last_tick_)
                .count();
    last_tick_ = now;
    if (played_ < queued_)
      played_ = std::min(queued_, played_ + static_cast<size_t>(ms * 8 / 1000));
    while (!marks_.empty() && marks_.front().first <= played_) {
      echo(marks_.front().second);
      marks_.pop_front();
    }
  }

  void echo(const std::string& name) {
    client_->send_text(twilio_mark_frame(stream_sid_, ++sequence_, name));
  }

  void on_message(const std::string& text) {
    auto c = parse_media_command(text);
    if (!c) {
      bad_frames.push_back(text);
      return;
    }
    auto now = media_clock::now();
    if (c->what == media_command::kind::media) {
      if (replies.empty() || now - last_audio_ > reply_pause) {
        replies.emplace_back();
        replies.back().first_audio = now;
      }
      auto& r = replies.back();
      r.mulaw += c->payload;
      r.frame_ms.push_back(c->payload.size() / 8);
      r.last_audio = now;
      last_audio_ = now;
      if (played_ >= queued_)
        last_tick_ = now;
      queued_ += c->payload.size();
    } else if (c->what == media_command::kind::mark) {
      if (!replies.empty())
        replies.back().marks.push_back(c->name);
      if (played_ >= queued_)
        echo(c->name);
      else
        marks_.emplace_back(queued_, c->name);
    } else {
      clears.push_back(now);
      played_ = queued_;
      while (!marks_.empty()) {
        echo(marks_.front().second);
        marks_.pop_front();
      }
    }
  }

  const daemon_process& d_;
  std::string sid_;
  std::string auth_;
  std::string stream_sid_;
  std::unique_ptr<relay_client> client_;
  media_clock::time_point started_;
  media_clock::time_point next_frame_;
  media_clock::time_point last_tick_;
  media_clock::time_point last_audio_{};
  int64_t sequence_ = 1; // start was 1
  int64_t chunk_ = 0;
  std::string talk_;
  size_t talk_at_ = 0;
  size_t queued_ = 0;                                // bytes of ours received
  size_t played_ = 0;                                // of them played
  std::deque<std::pair<size_t, std::string>> marks_; // (after byte, name)
};

} // namespace sb::test
