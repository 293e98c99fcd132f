// The ConversationRelay player, one open session: prompt, dtmf and
// interrupt frames sent, the daemon's frames read (text, end, sendDigits),
// each reply heard from its first text frame to its closing one.
#include <algorithm>
#include <variant>

#include "cli/sim/sim_relay_player.hpp"
#include "cli/sim/sim_transcript.hpp"
#include "core/error.hpp"

namespace sb::sim_relay_detail {

bool relay_player::send(const std::string& frame) {
  auto sent = ws_->send_text(frame);
  if (sent)
    return true;
  // A close from the daemon may be what broke the write: say so.
  auto waiting = ws_->read_text(milliseconds(0));
  if (waiting && waiting->closed)
    return daemon_closed(*waiting);
  return fail("relay socket: " + what(sent.error()));
}

got relay_player::next(steady::time_point deadline) {
  for (;;) {
    auto left = std::chrono::ceil<milliseconds>(deadline - steady::now());
    auto msg = ws_->read_text(std::max(left, milliseconds(0)));
    if (!msg && has_code(msg.error(), errc::timed_out))
      return got::timeout;
    if (!msg) {
      fail("relay socket: " + what(msg.error()));
      return got::failed;
    }
    if (msg->closed) {
      closed_ = *msg;
      return got::closed;
    }
    auto frame = parse_daemon_frame(msg->text);
    if (!frame || msg->binary) {
      fail((frame ? "a binary message" : what(frame.error()))
           + " from the daemon: " + msg->text.substr(0, 200));
      return got::failed;
    }
    if (auto* t = std::get_if<daemon_text>(&*frame)) {
      text_ = std::move(*t);
      return got::text;
    }
    if (auto* e = std::get_if<daemon_end>(&*frame)) {
      handoff_ = e->handoff_data;
      return got::end;
    }
    if (auto* d = std::get_if<daemon_send_digits>(&*frame))
      line("twilio", "sendDigits " + d->digits);
    // Other types (play, language...): Twilio acts on them, the
    // simulator has nothing to show for them.
  }
}

bool relay_player::other(got g, const std::string& waiting_for) {
  switch (g) {
    case got::end: return end_session();
    case got::closed: return daemon_closed(closed_);
    case got::timeout:
      return fail("no " + waiting_for + " from the daemon within "
                  + std::to_string(relay_.frame_timeout.count()) + " ms");
    case got::text:
    case got::failed: break;
  }
  return false;
}

bool relay_player::say(const sim_step& step) {
  line("caller", step.text, -1,
       step.confidence ? "confidence not sent: relay prompts have none" : "");
  if (!send(sim_prompt_frame(step.text, lang_)))
    return false;
  ++result.turns_sent;
  auto start = steady::now();
  auto g = next(start + relay_.frame_timeout);
  if (g != got::text)
    return other(g, "reply");
  return hear(start, {}) && settle();
}

bool relay_player::settle() {
  auto g = next(steady::now());
  if (g == got::timeout)
    return true;
  if (g != got::text)
    return other(g, "frame");
  return unprompted(steady::now()) && settle();
}

bool relay_player::unprompted(steady::time_point start) {
  if (text_.last && text_.token.empty())
    return true;
  return hear(start, "unprompted");
}

bool relay_player::press(const std::string& keys) {
  line("caller", "[digits " + keys + "]");
  for (char key : keys)
    if (!send(sim_dtmf_frame(std::string(1, key))))
      return false;
  ++result.turns_sent;
  return listen(relay_.listen, true);
}

bool relay_player::listen(milliseconds span, bool one_reply) {
  auto start = steady::now();
  auto deadline = start + span;
  for (;;) {
    auto g = next(deadline);
    if (g == got::timeout)
      return true;
    if (g != got::text)
      return other(g, "frame");
    if (text_.last && text_.token.empty())
      continue; // a stray closing frame, not a reply
    if (!hear(start, "unprompted"))
      return false;
    if (one_reply)
      return settle();
  }
}

bool relay_player::hear(steady::time_point start, std::string note) {
  reply r;
  r.first_ms = ms_since(start);
  for (;;) {
    if (r.interrupt_ms >= 0) {
      // In flight when the interrupt went; the empty closing frame the
      // daemon owes is not one of them.
      if (!(text_.last && text_.token.empty()))
        ++r.dropped;
    } else {
      ++r.frames;
      r.text += text_.token;
      if (!text_.token.empty() && relay_.on_token)
        relay_.on_token(text_.token);
    }
    if (text_.last)
      break;
    if (r.interrupt_ms < 0 && relay_.interrupt_after_tokens > 0
        && r.frames >= relay_.interrupt_after_tokens) {
      r.interrupt_ms = ms_since(start);
      auto ms = static_cast<int64_t>(r.interrupt_ms - r.first_ms);
      if (!send(sim_interrupt_frame(r.text, ms))) {
        record(r, note);
        return false;
      }
    }
    auto g = next(steady::now() + relay_.frame_timeout);
    if (g != got::text) {
      record(r, note + (note.empty() ? "" : ", ") + "cut short");
      return other(g, r.interrupt_ms < 0 ? "rest of the reply"
                                         : "closing frame after the "
                                           "interrupt");
    }
  }
  r.last_ms = ms_since(start);
  record(r, note);
  return true;
}

void relay_player::record(const reply& r, std::string note) {
  if (relay_.on_reply_end)
    relay_.on_reply_end();
  std::string how;
  if (r.interrupt_ms >= 0)
    how = "interrupted after " + std::to_string(r.frames) + " tokens at "
          + ms_text(r.interrupt_ms) + ", " + std::to_string(r.dropped)
          + " more dropped";
  else
    how = std::to_string(r.frames) + " tokens"
          + (r.last_ms >= 0 ? ", last at " + ms_text(r.last_ms) : "");
  line("assistant", r.text.empty() ? "[empty reply]" : r.text, r.first_ms,
       note.empty() ? how : note + ", " + how);
}

} // namespace sb::sim_relay_detail
