// The call actor's behaviour. One instance per live call; every change to a
// call's state happens here, in order, one webhook at a time.
#include "actors/call.hpp"

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <deque>
#include <optional>

#include <caf/actor_system.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "net/json.hpp"

namespace sb {

int status_rank(const std::string& status) {
  if (status == "queued") return 1;
  if (status == "initiated") return 2;
  if (status == "ringing") return 3;
  if (status == "in-progress" || status == "answered") return 4;
  if (is_terminal_status(status)) return 5;
  return 0;
}

bool is_terminal_status(const std::string& status) {
  return status == "completed" || status == "busy" || status == "failed"
         || status == "no-answer" || status == "canceled";
}

namespace {

using steady = std::chrono::steady_clock;

struct turn_in_flight {
  uint64_t id = 0;
  voice_reply_slot slot;
  steady::time_point started;
};

struct call_state {
  static const char* name;
  call_deps deps;
  call_row row;
  std::deque<turn_row> history;   // the last llm.max_history_turns turns
  int64_t last_seq = 0;
  int silent_prompts = 0;
  uint64_t activity = 0;          // idle-timer generation
  uint64_t turns_started = 0;
  std::optional<turn_in_flight> turn;
  bool ended = false;
  int64_t last_status_seq = -1;   // highest SequenceNumber applied
  bool machine_handled = false;   // machine_message said or hang-up sent

  const config& cfg() const { return *deps.cfg; }

  voice_reply reply(reply_action action, std::string text) const {
    return {action, std::move(text), row.language, row.voice};
  }

  void remember(turn_row t) {
    history.push_back(std::move(t));
    auto cap = static_cast<size_t>(cfg().llm.max_history_turns);
    while (history.size() > cap)
      history.pop_front();
  }

  turn_row new_turn(std::string role, std::string content) {
    turn_row t;
    t.call_sid = row.call_sid;
    t.seq = ++last_seq;
    t.role = std::move(role);
    t.content = std::move(content);
    t.created_at = iso8601_utc_now();
    return t;
  }
};

const char* call_state::name = "call";

using call_pointer = call_actor::stateful_pointer<call_state>;

event_row make_event(const webhook_event& ev) {
  return {ev.call_sid, to_string(ev.kind), ev.received_at,
          params_to_json(ev.params)};
}

std::optional<double> parse_number(const std::string* text) {
  if (!text || text->empty())
    return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(text->c_str(), &end);
  // strtod also reads "nan" and "inf"; no Twilio number is either.
  if (end == text->c_str() || *end != '\0' || !std::isfinite(v))
    return std::nullopt;
  return v;
}

// Takes what a webhook says about the call; fields it does not carry stay.
void apply_params(call_row& row, const form_params& p, const std::string& now) {
  auto take = [&p](std::string& field, const char* key) {
    if (auto v = find_param(p, key); v && !v->empty())
      field = *v;
  };
  take(row.account_sid, "AccountSid");
  take(row.direction, "Direction");
  take(row.from_number, "From");
  take(row.to_number, "To");
  take(row.answered_by, "AnsweredBy");
  auto status = find_param(p, "CallStatus");
  if (status && status_rank(*status) > status_rank(row.status)) {
    row.status = *status;
    if (row.answered_at.empty() && status_rank(*status) == 4)
      row.answered_at = now;
  }
}

// Tells the registry the call is over; it answers with (ended) and the
// actor exits then, after every webhook already routed here.
void notify_registry(call_pointer self) {
  self->send(self->state.deps.registry, ended_atom::value,
             self->state.row.call_sid);
}

// Writes `batch`, then answers: every event is stored before Twilio hears
// back. A storage failure is logged by the store; the caller still gets an
// answer, since a silent line would lose the call as well. With
// `then_release`, the registry hears of the call's end only after that.
void persist_then_reply(call_pointer self, write_batch batch,
                        voice_reply_slot slot, voice_reply reply,
                        bool then_release = false) {
  auto done = [self, slot, reply, then_release] {
    slot.deliver(reply);
    if (then_release)
      notify_registry(self);
  };
  self->request(self->state.deps.store, caf::infinite, persist_atom::value,
                std::move(batch))
    .then([done](bool) { done(); }, [done](caf::error&) { done(); });
}

void arm_idle_timer(call_pointer self) {
  auto gen = ++self->state.activity;
  auto timeout = std::chrono::seconds(self->state.cfg().limits.call_idle_timeout_s);
  self->delayed_send(self, timeout, idle_atom::value, gen);
}

// Marks the call over; the caller persists the final row and then
// notifies the registry.
void finish_call(call_pointer self, const std::string& reason) {
  auto& st = self->state;
  st.ended = true;
  if (st.row.ended_at.empty())
    st.row.ended_at = iso8601_utc_now();
  if (st.row.end_reason.empty())
    st.row.end_reason = reason;
  SB_LOG_INFO("call " << st.row.call_sid << " ended: " << st.row.end_reason);
}

void finish_turn(call_pointer self, std::string text, bool end_call,
                 std::string model) {
  auto& st = self->state;
  auto turn = std::move(*st.turn);
  st.turn.reset();
  auto row = st.new_turn("assistant", text);
  row.model = std::move(model);
  row.latency_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                     steady::now() - turn.started).count();
  st.remember(row);
  write_batch batch;
  batch.turns.push_back(std::move(row));
  auto action = end_call ? reply_action::hangup : reply_action::listen;
  persist_then_reply(self, std::move(batch), turn.slot,
                     st.reply(action, std::move(text)));
}

llm_request make_llm_request(const call_state& st) {
  llm_request req;
  req.call_sid = st.row.call_sid;
  req.language = st.row.language;
  req.caller = st.row.from_number;
  for (const auto& t : st.history)
    req.history.push_back({t.role, t.content});
  return req;
}

void start_turn(call_pointer self, voice_reply_slot slot) {
  auto& st = self->state;
  auto id = ++st.turns_started;
  st.turn = turn_in_flight{id, std::move(slot), steady::now()};
  auto deadline = std::chrono::milliseconds(st.cfg().limits.webhook_deadline_ms);
  self->delayed_send(self, deadline, deadline_atom::value, id);
  self->request(st.deps.llm, caf::infinite, generate_atom::value,
                make_llm_request(st))
    .then(
      [self, id](llm_reply& r) {
        if (!self->state.turn || self->state.turn->id != id) {
          SB_LOG_NOTICE("call " << self->state.row.call_sid
                                << ": late LLM reply dropped");
          return;
        }
        finish_turn(self, std::move(r.text), r.end_call, std::move(r.model));
      },
      [self, id](caf::error& err) {
        if (!self->state.turn || self->state.turn->id != id)
          return;
        SB_LOG_WARNING("call " << self->state.row.call_sid
                               << ": LLM failed: " << what(err));
        finish_turn(self, self->state.cfg().voice.apology, false, "apology");
      });
}

void on_silence(call_pointer self, write_batch batch, voice_reply_slot slot) {
  auto& st = self->state;
  ++st.silent_prompts;
  if (st.silent_prompts > st.cfg().voice.max_silent_prompts) {
    persist_then_reply(self, std::move(batch), std::move(slot),
                       st.reply(reply_action::hangup,
                                st.cfg().voice.silence_goodbye));
    return;
  }
  persist_then_reply(self, std::move(batch), std::move(slot),
                     st.reply(reply_action::listen, st.cfg().voice.reprompt));
}

std::string trimmed(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos)
    return {};
  auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

void on_speech(call_pointer self, const webhook_event& ev, write_batch batch,
               voice_reply_slot slot) {
  auto& st = self->state;
  auto speech = trimmed(param_or(ev.params, "SpeechResult"));
  if (speech.empty()) {
    on_silence(self, std::move(batch), std::move(slot));
    return;
  }
  st.silent_prompts = 0;
  if (st.turn) // Twilio sent a new turn before we answered the last one.
    finish_turn(self, st.cfg().voice.apology, false, "superseded");
  auto user = st.new_turn("user", speech);
  user.confidence = parse_number(find_param(ev.params, "Confidence"));
  st.remember(user);
  batch.turns.push_back(std::move(user));
  // Stored now, not with the answer: a crash while the LLM thinks must not
  // lose what the caller said. The store keeps order, so the answer's write
  // commits after this one.
  caf::anon_send(st.deps.store, persist_atom::value, std::move(batch));
  start_turn(self, std::move(slot));
}

// A status callback older than one already applied (Twilio does not keep
// their order, and retries) is logged as an event and changes nothing.
bool stale_callback(call_state& st, const webhook_event& ev) {
  auto seq = parse_number(find_param(ev.params, "SequenceNumber"));
  if (!seq)
    return false;
  auto n = static_cast<int64_t>(*seq);
  if (n <= st.last_status_seq)
    return true;
  st.last_status_seq = n;
  return false;
}

void on_status(call_pointer self, const webhook_event& ev, write_batch batch,
               voice_reply_slot slot) {
  auto& st = self->state;
  bool ending = is_terminal_status(st.row.status) && !st.ended;
  if (ending) {
    if (auto d = parse_number(find_param(ev.params, "CallDuration")))
      st.row.duration_s = static_cast<int64_t>(*d);
    if (st.turn) { // the caller hung up while we were thinking
      st.turn->slot.deliver(st.reply(reply_action::hangup, {}));
      st.turn.reset();
    }
    finish_call(self, st.row.status);
    batch.calls.back() = st.row;
  }
  persist_then_reply(self, std::move(batch), std::move(slot),
                     st.reply(reply_action::ack, {}), ending);
}

bool is_machine(const std::string& answered_by) {
  return answered_by.rfind("machine", 0) == 0 || answered_by == "fax";
}

// Synchronous AMD: the answered-call webhook says who picked up.
voice_reply answer_reply(call_state& st) {
  const auto& v = st.cfg().voice;
  if (!is_machine(st.row.answered_by) || v.machine_action == "continue")
    return st.reply(reply_action::listen, v.greeting);
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
void on_amd(call_pointer self, write_batch batch, voice_reply_slot slot) {
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
                        << st.row.answered_by << ", " << cfg.voice.machine_action);
    self->request(st.deps.twilio, caf::infinite, update_atom::value,
                  st.row.call_sid, std::move(u))
      .then([](call_resource&) {}, [](caf::error&) {});
  }
  persist_then_reply(self, std::move(batch), std::move(slot),
                     st.reply(reply_action::ack, {}));
}

recording_row make_recording(const webhook_event& ev) {
  recording_row r;
  r.recording_sid = param_or(ev.params, "RecordingSid");
  r.call_sid = ev.call_sid;
  r.url = param_or(ev.params, "RecordingUrl");
  r.status = param_or(ev.params, "RecordingStatus");
  if (auto d = parse_number(find_param(ev.params, "RecordingDuration")))
    r.duration_s = static_cast<int64_t>(*d);
  if (auto c = parse_number(find_param(ev.params, "RecordingChannels")))
    r.channels = static_cast<int64_t>(*c);
  r.created_at = ev.received_at;
  return r;
}

// A webhook for a call that is already over (late, duplicate, or for a
// finished call rebuilt from storage): stored, answered, then released.
void on_after_end(call_pointer self, const webhook_event& ev,
                  write_batch batch, voice_reply_slot slot) {
  auto& st = self->state;
  bool twiml = ev.kind == webhook_kind::inbound
               || ev.kind == webhook_kind::outbound
               || ev.kind == webhook_kind::process_speech;
  persist_then_reply(self, std::move(batch), std::move(slot),
                     st.reply(twiml ? reply_action::hangup : reply_action::ack, {}),
                     true);
}

void on_webhook(call_pointer self, webhook_event& ev, voice_reply_slot& slot) {
  auto& st = self->state;
  arm_idle_timer(self);
  write_batch batch;
  batch.events.push_back(make_event(ev));
  bool stale = ev.kind == webhook_kind::call_status && stale_callback(st, ev);
  if (!stale)
    apply_params(st.row, ev.params, ev.received_at);
  if (ev.kind == webhook_kind::recording_status
      && find_param(ev.params, "RecordingSid"))
    batch.recordings.push_back(make_recording(ev));
  batch.calls.push_back(st.row);
  if (st.ended)
    return on_after_end(self, ev, std::move(batch), std::move(slot));
  switch (ev.kind) {
    case webhook_kind::inbound:
    case webhook_kind::outbound: {
      auto reply = answer_reply(st);
      batch.calls.back() = st.row;
      return persist_then_reply(self, std::move(batch), std::move(slot),
                                std::move(reply));
    }
    case webhook_kind::process_speech:
      return on_speech(self, ev, std::move(batch), std::move(slot));
    case webhook_kind::call_status:
      return on_status(self, ev, std::move(batch), std::move(slot));
    case webhook_kind::amd_status:
      return on_amd(self, std::move(batch), std::move(slot));
    case webhook_kind::recording_status:
      return persist_then_reply(self, std::move(batch), std::move(slot),
                                st.reply(reply_action::ack, {}));
  }
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
  // by a restart) is live again, since Twilio is still talking to us.
  if (is_terminal_status(st.row.status)) {
    st.ended = true;
    return;
  }
  st.row.ended_at.clear();
  st.row.end_reason.clear();
}

call_actor::behavior_type call_impl(call_pointer self, call_deps deps,
                                    stored_call initial) {
  init_state(self->state, std::move(deps), std::move(initial));
  return {
    [self](webhook_atom, webhook_event& ev, voice_reply_slot& slot) {
      on_webhook(self, ev, slot);
    },
    [self](snapshot_atom) {
      return stored_call{self->state.row,
                         {self->state.history.begin(), self->state.history.end()}};
    },
    [self](idle_atom, uint64_t gen) {
      auto& st = self->state;
      if (gen != st.activity || st.turn || st.ended)
        return;
      finish_call(self, "idle-timeout");
      write_batch batch;
      batch.calls.push_back(st.row);
      caf::anon_send(st.deps.store, persist_atom::value, std::move(batch));
      notify_registry(self);
    },
    [self](deadline_atom, uint64_t id) {
      auto& st = self->state;
      if (!st.turn || st.turn->id != id)
        return;
      SB_LOG_WARNING("call " << st.row.call_sid << ": turn missed the "
                             << st.cfg().limits.webhook_deadline_ms
                             << " ms deadline");
      finish_turn(self, st.cfg().voice.apology, false, "deadline");
    },
    [self](ended_atom) { self->quit(); },
  };
}

} // namespace

call_actor spawn_call(caf::actor_system& sys, call_deps deps,
                      stored_call initial) {
  return sys.spawn(call_impl, std::move(deps), std::move(initial));
}

} // namespace sb
