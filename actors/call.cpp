// The call actor's behaviour. One instance per live call; every change to a
// call's state happens here, in order, one webhook at a time.
#include "actors/call.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include <caf/actor_system.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/call_state.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "net/text/json.hpp"

namespace sb {

int status_rank(const std::string& status) {
  if (status == "queued")
    return 1;
  if (status == "initiated")
    return 2;
  if (status == "ringing")
    return 3;
  if (status == "in-progress" || status == "answered")
    return 4;
  if (is_terminal_status(status))
    return 5;
  return 0;
}

bool is_terminal_status(const std::string& status) {
  return status == "completed" || status == "busy" || status == "failed"
         || status == "no-answer" || status == "canceled";
}

namespace call_detail {

const char* call_state::name = "call";

void finish_call(call_pointer self, const std::string& reason) {
  auto& st = self->state;
  st.ended = true;
  drop_relay_turn(self);
  st.relay.peer = relay_peer{};
  drop_media_reply(self);
  st.media.peer = media_peer{};
  if (st.row.ended_at.empty())
    st.row.ended_at = iso8601_utc_now();
  if (st.row.end_reason.empty())
    st.row.end_reason = reason;
  SB_LOG_INFO("call " << st.row.call_sid << " ended: " << st.row.end_reason);
  metrics::count_call_end(st.row.direction, st.row.end_reason);
}

voice_reply greeting_reply(call_state& st) {
  const auto& v = st.cfg().voice;
  st.relay_transport = v.transport == "relay";
  st.media_transport = v.transport == "media";
  // Stored with the row the answer writes: the console lists calls by it.
  st.row.transport = st.media_transport   ? "media"
                     : st.relay_transport ? "relay"
                                          : "gather";
  // A media call hears its greeting in the stream, once it is open.
  if (st.media_transport)
    return st.reply(reply_action::media, {});
  return st.reply(st.relay_transport ? reply_action::relay
                                     : reply_action::listen,
                  v.greeting);
}

voice_reply turn_reply(call_state& st, std::string text, bool end_call,
                       bool transfer) {
  const auto& v = st.cfg().voice;
  if (transfer && !v.transfer_number.empty()) {
    st.row.end_reason = "transferred";
    auto r = st.reply(reply_action::transfer, std::move(text));
    r.dial_to = v.transfer_number;
    return r;
  }
  return st.reply(end_call ? reply_action::hangup : reply_action::listen,
                  std::move(text));
}

namespace {

// Tells the ingress the call is over; it answers with (ended) and the
// actor exits then, after every webhook already routed here.
void notify_ingress(call_pointer self) {
  self->send(self->state.deps.ingress, ended_atom::value,
             self->state.row.call_sid);
}

} // namespace

bool needs_audio(const call_state& st, const voice_reply& r) {
  return st.deps.tts && !r.text.empty() && r.action != reply_action::ack;
}

namespace {

// The store answered write `id`: what waited for it goes on, its own
// follow-up first (the ingress hears of an end before Twilio does).
void on_written(call_pointer self, uint64_t id,
                const std::function<void()>& on_stored) {
  auto& st = self->state;
  st.writes_unanswered.erase(id);
  if (on_stored)
    on_stored();
  auto ready = [&st](const held_answer& h) {
    return st.writes_unanswered.empty()
           || *st.writes_unanswered.begin() > h.after_write;
  };
  // Most writes have no answer waiting behind them (the caller's words
  // stored before the model is asked, a relay turn): nothing to sort out.
  if (st.held.empty()) {
    if (st.released && st.writes_unanswered.empty())
      self->quit();
    return;
  }
  std::vector<held_answer> now;
  for (auto it = st.held.begin(); it != st.held.end();) {
    if (ready(*it)) {
      now.push_back(std::move(*it));
      it = st.held.erase(it);
    } else {
      ++it;
    }
  }
  for (auto& h : now)
    h.promise.deliver(std::move(h.reply));
  if (st.released && st.held.empty() && st.writes_unanswered.empty())
    self->quit();
}

} // namespace

uint64_t store_writes(call_pointer self, write_batch batch,
                      std::function<void()> on_stored) {
  auto& st = self->state;
  auto id = ++st.writes_sent;
  st.writes_unanswered.insert(id);
  self
    ->request(st.deps.store, caf::infinite, persist_atom::value,
              std::move(batch))
    .then([self, id, on_stored](bool) { on_written(self, id, on_stored); },
          [self, id, on_stored](caf::error&) {
            // Logged and counted by the store; the caller still gets an
            // answer, since a silent line would lose the call as well.
            on_written(self, id, on_stored);
          });
  return id;
}

void answer_after(call_pointer self, uint64_t after_write,
                  voice_reply_promise promise, voice_reply reply) {
  auto& st = self->state;
  if (st.writes_unanswered.empty()
      || *st.writes_unanswered.begin() > after_write) {
    promise.deliver(std::move(reply));
    return;
  }
  st.held.push_back({after_write, std::move(promise), std::move(reply)});
}

void answer(call_pointer self, voice_reply_promise promise, voice_reply reply) {
  answer_after(self, self->state.writes_sent, std::move(promise),
               std::move(reply));
}

void persist_then_reply(call_pointer self, write_batch batch,
                        voice_reply_promise promise, voice_reply reply,
                        bool then_release) {
  std::function<void()> on_stored;
  if (then_release)
    on_stored = [self] { notify_ingress(self); };
  auto written = store_writes(self, std::move(batch), std::move(on_stored));
  if (!needs_audio(self->state, reply)) {
    answer_after(self, written, std::move(promise), std::move(reply));
    return;
  }
  auto join = std::make_shared<reply_join>(reply_join{std::move(reply), 1});
  add_audio(self, join, [self, written, promise, join] {
    answer_after(self, written, promise, join->reply);
  });
}

void add_audio(call_pointer self, std::shared_ptr<reply_join> join,
               std::function<void()> done, std::chrono::milliseconds limit) {
  auto& st = self->state;
  const auto& r = join->reply;
  if (!needs_audio(st, r)) {
    done();
    return;
  }
  auto base = st.cfg().server.public_url + "/audio/";
  auto timeout = std::min(std::chrono::milliseconds(st.cfg().tts.timeout_ms),
                          std::max(limit, std::chrono::milliseconds(1)));
  self
    ->request(st.deps.tts, timeout, speak_atom::value,
              tts_request{r.text, r.language})
    .then(
      [join, done, base](tts_audio& audio) {
        join->reply.audio_url = base + audio.id + ".wav";
        join->audio_id = audio.id;
        done();
      },
      [self, done](caf::error& err) {
        SB_LOG_WARNING("call "
                       << self->state.row.call_sid
                       << ": no audio, saying it instead: " << what(err));
        done();
      });
}

namespace {

// Takes what an event says about the call; fields it does not carry stay.
// Returns whether the row changed.
bool apply_facts(call_row& row, const call_facts& facts,
                 const std::string& now) {
  bool changed = false;
  auto take = [&changed](std::string& field, const std::string& said) {
    if (!said.empty() && field != said) {
      field = said;
      changed = true;
    }
  };
  take(row.account_sid, facts.account_sid);
  take(row.direction, facts.direction);
  take(row.from_number, facts.from);
  take(row.to_number, facts.to);
  take(row.answered_by, facts.answered_by);
  if (!facts.status.empty()
      && status_rank(facts.status) > status_rank(row.status)) {
    row.status = facts.status;
    if (row.answered_at.empty() && status_rank(facts.status) == 4)
      row.answered_at = now;
    changed = true;
  }
  return changed;
}

// Calls have no idle timer of their own: a delayed message per call would
// keep every finished call's actor alive in the clock until it fired (an
// hour by default), so memory would grow with every call handled. The
// ingress asks every live call now and then (idle, 0); a call compares the
// actor clock with its last webhook (tests fake the clock).
void touch(call_pointer self) {
  self->state.last_activity = self->clock().now();
}

// A status callback older than one already applied (Twilio does not keep
// their order, and retries) is logged as an event and changes nothing.
bool stale_callback(call_state& st, const call_event& ev) {
  if (!ev.status.sequence)
    return false;
  auto n = *ev.status.sequence;
  if (n <= st.last_status_seq)
    return true;
  st.last_status_seq = n;
  return false;
}

void on_status(call_pointer self, const call_event& ev, write_batch batch,
               voice_reply_promise promise) {
  auto& st = self->state;
  bool ending = is_terminal_status(st.row.status) && !st.ended;
  if (ending) {
    if (ev.status.duration_s)
      st.row.duration_s = ev.status.duration_s;
    drop_turn(self); // the caller hung up while we were thinking
    finish_call(self, st.row.status);
    batch.calls.back() = st.row;
  }
  persist_then_reply(self, std::move(batch), std::move(promise),
                     st.reply(reply_action::ack, {}), ending);
}

bool is_machine(const std::string& answered_by) {
  return answered_by.rfind("machine", 0) == 0 || answered_by == "fax";
}

// Synchronous AMD: the answered-call webhook says who picked up.
voice_reply answer_reply(call_state& st) {
  const auto& v = st.cfg().voice;
  if (!is_machine(st.row.answered_by) || v.machine_action == "continue")
    return greeting_reply(st);
  st.row.end_reason = "answering-machine";
  if (st.machine_handled || v.machine_action == "hangup") {
    st.machine_handled = true;
    return st.reply(reply_action::hangup, {});
  }
  st.machine_handled = true;
  return st.reply(reply_action::hangup, v.machine_message);
}

// Asynchronous AMD: the call is already talking to whoever answered; a
// machine gets the call redirected to /voice/outbound (which now answers
// with the machine message) or hung up.
void on_amd(call_pointer self, write_batch batch, voice_reply_promise promise) {
  auto& st = self->state;
  const auto& cfg = st.cfg();
  if (is_machine(st.row.answered_by) && cfg.voice.machine_action != "continue"
      && !st.machine_handled && !st.ended) {
    call_update u;
    if (cfg.voice.machine_action == "hangup")
      u.status = "completed";
    else
      u.url = cfg.server.public_url + "/voice/outbound";
    SB_LOG_INFO("call " << st.row.call_sid << ": answered by "
                        << st.row.answered_by << ", "
                        << cfg.voice.machine_action);
    self
      ->request(st.deps.twilio, caf::infinite, update_atom::value,
                st.row.call_sid, std::move(u))
      .then([](call_resource&) {}, [](caf::error&) {});
  }
  persist_then_reply(self, std::move(batch), std::move(promise),
                     st.reply(reply_action::ack, {}));
}

recording_row make_recording(const call_event& ev) {
  recording_row r;
  r.recording_sid = ev.recording.recording_sid;
  r.call_sid = ev.call_sid;
  r.url = ev.recording.url;
  r.status = ev.recording.status;
  r.duration_s = ev.recording.duration_s;
  r.channels = ev.recording.channels;
  r.created_at = ev.received_at;
  return r;
}

// A webhook for a call that is already over (late, duplicate, or for a
// finished call rebuilt from storage): stored, answered, then released.
void on_after_end(call_pointer self, const call_event& ev, write_batch batch,
                  voice_reply_promise promise) {
  auto& st = self->state;
  // A relay frame's hang-up makes its proxy close the socket.
  persist_then_reply(self, std::move(batch), std::move(promise),
                     st.reply(wants_twiml(ev.kind) ? reply_action::hangup
                                                   : reply_action::ack,
                              {}),
                     true);
}

void on_event(call_pointer self, call_event& ev, voice_reply_promise& promise) {
  auto& st = self->state;
  touch(self);
  // Frames of a WebSocket are never retried; equal ones are new words.
  bool frame = is_relay_frame(ev.kind) || is_media_frame(ev.kind);
  if (!frame && answer_replay(self, ev, promise))
    return;
  write_batch batch;
  // A mark per clause and the first audio of each reply are counted in
  // the reply's turn, not logged one by one.
  if (ev.kind != event_kind::media_heard
      && ev.kind != event_kind::media_playing)
    batch.events.push_back(event_log_row(ev));
  bool stale = ev.kind == event_kind::call_status && stale_callback(st, ev);
  bool changed = !stale && apply_facts(st.row, ev.call, ev.received_at);
  if (ev.kind == event_kind::recording_status
      && !ev.recording.recording_sid.empty())
    batch.recordings.push_back(make_recording(ev));
  // A turn or relay frame that changes nothing in the row need not rewrite
  // it (and its index): the row was stored with the webhook that started
  // the call.
  bool row_unchanged = !changed && !st.ended
                       && (ev.kind == event_kind::process_speech || frame);
  if (!row_unchanged)
    batch.calls.push_back(st.row);
  if (st.ended)
    return on_after_end(self, ev, std::move(batch), std::move(promise));
  switch (ev.kind) {
    case event_kind::inbound:
    case event_kind::outbound: {
      auto reply = answer_reply(st);
      batch.calls.back() = st.row;
      return persist_then_reply(self, std::move(batch), std::move(promise),
                                std::move(reply));
    }
    case event_kind::process_speech:
      return on_speech(self, ev, std::move(batch), std::move(promise));
    case event_kind::call_status:
      return on_status(self, ev, std::move(batch), std::move(promise));
    case event_kind::amd_status:
      return on_amd(self, std::move(batch), std::move(promise));
    case event_kind::await_turn:
      return on_await(self, ev, std::move(batch), std::move(promise));
    case event_kind::recording_status:
      return persist_then_reply(self, std::move(batch), std::move(promise),
                                st.reply(reply_action::ack, {}));
    case event_kind::relay_done:
      return on_relay_done(self, ev, std::move(batch), std::move(promise));
    case event_kind::relay_open:
    case event_kind::relay_prompt:
    case event_kind::relay_interrupt:
    case event_kind::relay_dtmf:
    case event_kind::relay_error:
    case event_kind::relay_closed:
      return on_relay_event(self, ev, std::move(batch), std::move(promise));
    case event_kind::media_done:
      return on_media_done(self, ev, std::move(batch), std::move(promise));
    case event_kind::media_status:
      return on_media_status(self, ev, std::move(batch), std::move(promise));
    case event_kind::media_open:
    case event_kind::media_turn:
    case event_kind::media_heard:
    case event_kind::media_playing:
    case event_kind::media_barge_in:
    case event_kind::media_dtmf:
    case event_kind::media_silence:
    case event_kind::media_stop:
    case event_kind::media_closed:
      return on_media_event(self, ev, std::move(batch), std::move(promise));
  }
}

// The operator speaks into the call: the words are stored, synthesised
// if there is a voice, and Twilio is told to say them now.
void say_now(call_pointer self, std::string text, done_promise promise) {
  auto& st = self->state;
  if (st.ended || !st.deps.render) {
    promise.deliver(st.ended ? "the call has ended"
                             : "cannot speak into calls");
    return;
  }
  auto row = st.new_turn("assistant", text);
  row.model = "operator";
  metrics::daemon().assistant_turns.inc();
  st.remember(row);
  write_batch batch;
  batch.turns.push_back(std::move(row));
  store_writes(self, std::move(batch));
  // A call on ConversationRelay hears it through its session: new TwiML
  // would end the session.
  if (st.relay.peer) {
    self->send(st.relay.peer, relay_text_atom::value, std::move(text), true);
    promise.deliver(std::string{});
    return;
  }
  // A media call likewise, through its stream.
  if (say_into_media(self, text)) {
    promise.deliver(std::string{});
    return;
  }
  auto join = std::make_shared<reply_join>(
    reply_join{st.reply(reply_action::listen, std::move(text)), 1});
  add_audio(self, join, [self, join, promise] {
    auto& st = self->state;
    call_update update;
    update.twiml = st.deps.render(join->reply, st.cfg());
    self
      ->request(st.deps.twilio, caf::infinite, update_atom::value,
                st.row.call_sid, std::move(update))
      .then([promise](call_resource&) { promise.deliver(std::string{}); },
            [promise](caf::error& err) { promise.deliver(what(err)); });
  });
}

void init_state(call_state& st, call_deps deps, stored_call initial) {
  st.deps = std::move(deps);
  st.row = std::move(initial.call);
  if (st.row.started_at.empty())
    st.row.started_at = iso8601_utc_now();
  if (st.row.language.empty())
    st.row.language = st.cfg().voice.language;
  if (st.row.voice.empty())
    st.row.voice = st.cfg().voice.voice;
  for (auto& t : initial.turns) {
    st.last_seq = std::max(st.last_seq, t.seq);
    st.remember(std::move(t));
  }
  // A call Twilio reported over stays over; one reaped as idle (or cut off
  // by a restart) is live again, since Twilio is still talking to us. A
  // call turned away at max_calls never was live: its closing status
  // callback must not turn "rejected-busy" into "completed".
  if (is_terminal_status(st.row.status)
      || st.row.end_reason == "rejected-busy") {
    st.ended = true;
    return;
  }
  st.row.ended_at.clear();
  st.row.end_reason.clear();
}

// The idle timer `gen` fired. A request Twilio is still waiting on is not
// idleness, so the timer starts over; a turn Twilio never came back for
// (its /voice/await did not arrive) is, and must not keep the call alive.
void on_idle(call_pointer self) {
  auto& st = self->state;
  if (st.ended)
    return;
  auto timeout = std::chrono::duration_cast<caf::actor_clock::duration_type>(
    std::chrono::seconds(st.cfg().limits.call_idle_timeout_s));
  // Twilio waiting on us for an answer is not an idle call.
  // Nor is a call whose ConversationRelay session is open: Twilio holds
  // the line, and a caller thinking in silence sends no frame.
  if (self->clock().now() - st.last_activity < timeout
      || (st.turn && st.turn->promise) || st.relay.peer || st.media.peer)
    return;
  drop_turn(self);
  finish_call(self, "idle-timeout");
  write_batch batch;
  batch.calls.push_back(st.row);
  store_writes(self, std::move(batch), [self] { notify_ingress(self); });
}

// The ingress let the call go (no event will be routed here any more). A
// late event's answer may still wait for its write: the actor stays until
// it is out, so no request loses its answer to the exit.
void on_released(call_pointer self) {
  auto& st = self->state;
  st.released = true;
  if (st.held.empty() && st.writes_unanswered.empty())
    self->quit();
}

call_actor::behavior_type call_impl(call_pointer self, call_deps deps,
                                    stored_call initial) {
  init_state(self->state, std::move(deps), std::move(initial));
  return {
    [self](event_atom, call_event& ev, voice_reply_promise& promise) {
      on_event(self, ev, promise);
    },
    [self](snapshot_atom) {
      return stored_call{self->state.row,
                         {self->state.history.begin(),
                          self->state.history.end()}};
    },
    [self](idle_atom, uint64_t) { on_idle(self); },
    [self](deadline_atom, uint64_t gen) { on_deadline(self, gen); },
    [self](llm_token_atom, uint64_t turn, std::string& token) {
      if (!on_media_token(self, turn, token))
        on_relay_token(self, turn, std::move(token));
    },
    [self](tool_wait_atom, uint64_t turn) {
      if (!on_media_tool_wait(self, turn))
        on_relay_tool_wait(self, turn);
    },
    [self](say_atom, std::string& text, done_promise& promise) {
      say_now(self, std::move(text), std::move(promise));
    },
    [self](reload_atom, const config_ptr& cfg) { self->state.deps.cfg = cfg; },
    [self](ended_atom) { on_released(self); },
  };
}

} // namespace
} // namespace call_detail

call_actor spawn_call(caf::actor_system& sys, call_deps deps,
                      stored_call initial) {
  return sys.spawn(call_detail::call_impl, std::move(deps), std::move(initial));
}

} // namespace sb
