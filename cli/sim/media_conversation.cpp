// The script driver. Each line goes through phases: what the caller says
// goes out (speaking), then a reply is awaited (awaiting, by a deadline,
// required or not), heard (hearing, up to its end, where an interrupt
// line may talk over it), or time passes (waiting, for pause and timed
// silence). Replies are collected whenever they are over, whatever the
// phase, so one that ends while the caller talks is still recorded.
#include "cli/sim/media_conversation.hpp"

#include <cstdio>

#include "cli/sim/sim_call_webhooks.hpp"

namespace sb {

namespace {

double ms_between(media_time from, media_time to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

// "20 s", or "300 ms" for what is not whole seconds.
std::string duration_text(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0)
    return std::to_string(d.count() / 1000) + " s";
  return std::to_string(d.count()) + " ms";
}

std::string seconds_text(double s) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f s", s);
  return text;
}

} // namespace

media_conversation::media_conversation(
  std::shared_ptr<const media_script> script, media_conversation_options opts)
  : script_(std::move(script)), opts_(opts) {
  // nop
}

bool media_conversation::lines_left() const {
  return line_ + 1 < static_cast<long>(script_->size());
}

void media_conversation::stream_started(media_time now, bool expect_greeting) {
  if (!started_once_) {
    started_once_ = true;
    if (expect_greeting)
      await(now + opts_.reply_timeout, true);
    else
      phase_ = phase::next_line;
    return;
  }
  // A new stream after a reconnect: the daemon may speak first again.
  if (phase_ != phase::done)
    await(now + opts_.listen, false);
}

void media_conversation::await(media_time deadline, bool required) {
  phase_ = phase::awaiting;
  deadline_ = deadline;
  required_ = required;
}

media_conversation::status media_conversation::fail(std::string why) {
  if (error_.empty())
    error_ = std::move(why);
  phase_ = phase::done;
  return status::failed;
}

std::string media_conversation::waiting_for() const {
  if (line_ < 0)
    return "greeting";
  const auto& step = (*script_)[static_cast<size_t>(line_)].step;
  auto where = step.line > 0 ? "line " + std::to_string(step.line)
                             : "\"" + step.text + "\"";
  if (step.kind == sim_step_kind::silence)
    return "re-prompt after the silence of " + where;
  return "reply to " + where;
}

media_conversation::status media_conversation::advance(media_time now,
                                                       media_stream& stream) {
  collect(now, stream);
  for (;;) {
    switch (phase_) {
      case phase::next_line:
        if (!lines_left()) {
          phase_ = phase::done;
          break;
        }
        ++line_;
        start_line(now, stream);
        break;
      case phase::speaking:
        if (stream.speaking() || stream.pressing())
          return status::going;
        if ((*script_)[static_cast<size_t>(line_)].step.kind
            == sim_step_kind::digits)
          await(now + opts_.listen, false);
        else
          await(stream.said_until().value_or(now) + opts_.reply_timeout, true);
        break;
      case phase::awaiting:
        if (stream.playout().in_reply()) {
          phase_ = phase::hearing;
          break;
        }
        if (now < deadline_)
          return status::going;
        if (required_) {
          auto what = waiting_for();
          error_kind_ = "no " + what.substr(0, what.find(' '));
          return fail("no " + what + " within "
                      + duration_text(opts_.reply_timeout));
        }
        phase_ = phase::next_line;
        break;
      case phase::hearing: {
        const auto* reply = stream.playout().current();
        const auto* next = pending_interrupt();
        if (reply && next
            && now >= reply->first_audio
                        + std::chrono::duration_cast<media_clock::duration>(
                          std::chrono::duration<double>(next->step.seconds))) {
          interrupt(stream);
          break;
        }
        // Over (collected above) once quiet: a reply the daemon cleared
        // itself may be followed by more (keys acknowledged one by one).
        if (stream.playout().quiet(now)) {
          phase_ = phase::next_line;
          break;
        }
        return status::going;
      }
      case phase::waiting:
        if (now < deadline_)
          return status::going;
        phase_ = stream.playout().in_reply() ? phase::hearing
                                             : phase::next_line;
        break;
      case phase::done:
        return stream.playout().in_reply() ? status::going : status::hang_up;
    }
  }
}

const media_line* media_conversation::pending_interrupt() const {
  if (!lines_left())
    return nullptr;
  const auto& next = (*script_)[static_cast<size_t>(line_ + 1)];
  return next.step.kind == sim_step_kind::interrupt ? &next : nullptr;
}

void media_conversation::start_line(media_time now, media_stream& stream) {
  const auto& line = (*script_)[static_cast<size_t>(line_)];
  const auto& step = line.step;
  pausing_ = false;
  media_event ev;
  ev.text = line.shown;
  switch (step.kind) {
    case sim_step_kind::speech:
    case sim_step_kind::wav:
    case sim_step_kind::interrupt:
      stream.say(line.audio);
      ev.note = seconds_text(mulaw_seconds(line.audio))
                + (step.kind == sim_step_kind::wav ? " of audio"
                                                   : " of speech");
      if (step.kind == sim_step_kind::interrupt)
        ev.note += ", nothing to interrupt: said as a line of its own";
      phase_ = phase::speaking;
      break;
    case sim_step_kind::digits:
      stream.press(step.text, now);
      ev.text = "[digits " + step.text + "]";
      phase_ = phase::speaking;
      break;
    case sim_step_kind::silence:
      if (step.seconds <= 0) {
        ev.text = "[silence]";
        await(now + opts_.reply_timeout, true);
        break;
      }
      [[fallthrough]];
    case sim_step_kind::pause:
      ev.text = "["
                + std::string(step.kind == sim_step_kind::pause ? "pause "
                                                                : "silence ")
                + number_text(step.seconds) + " s]";
      pausing_ = true;
      phase_ = phase::waiting;
      deadline_ = now
                  + std::chrono::duration_cast<media_clock::duration>(
                    std::chrono::duration<double>(step.seconds));
      break;
  }
  events_.push_back(std::move(ev));
}

void media_conversation::interrupt(media_stream& stream) {
  ++line_;
  const auto& line = (*script_)[static_cast<size_t>(line_)];
  stream.say(line.audio);
  interrupted_reply_ = stream.playout().current()->first_audio;
  // Shown after the reply it talks over, once that reply is over.
  media_event ev;
  ev.text = line.shown;
  ev.note = "talks over the reply " + number_text(line.step.seconds)
            + " s into it, " + seconds_text(mulaw_seconds(line.audio))
            + (line.step.wav_path.empty() ? " of speech" : " of audio");
  interrupt_event_ = std::move(ev);
  pausing_ = false;
  phase_ = phase::speaking;
}

void media_conversation::collect(media_time now, media_stream& stream) {
  while (auto reply = stream.finished_reply(now))
    record(std::move(*reply), stream);
}

void media_conversation::record(stream_reply reply,
                                const media_stream& stream) {
  media_event ev;
  ev.what = media_event::kind::reply;
  auto& rec = ev.reply;
  auto first = reply.playout.first_audio;
  rec.from_caller = reply.caller_end && *reply.caller_end <= first;
  rec.turn_gap_ms = ms_between(
    rec.from_caller ? *reply.caller_end : stream.start(), first);
  rec.unprompted = pausing_;
  if (interrupted_reply_ && *interrupted_reply_ == first) {
    rec.interrupted = true;
    interrupted_reply_.reset();
    auto from = stream.said_from();
    for (auto clear : reply.playout.clears)
      if (from && clear >= *from && clear - *from <= opts_.clear_timeout) {
        rec.barge_in_ms = ms_between(*from, clear);
        break;
      }
  }
  rec.heard = std::move(reply);
  bool interrupted = rec.interrupted;
  events_.push_back(std::move(ev));
  if (interrupted)
    flush_interrupt();
}

void media_conversation::flush_interrupt() {
  if (interrupt_event_)
    events_.push_back(std::move(*interrupt_event_));
  interrupt_event_.reset();
}

void media_conversation::stream_ended(media_time now, media_stream& stream) {
  collect(now, stream);
  flush_interrupt();
  interrupted_reply_.reset();
  if (phase_ != phase::done)
    phase_ = phase::next_line;
}

} // namespace sb
