// One conversation turn of a call: the caller's words are stored, the LLM
// is asked, and the answer goes back to Twilio — at once if it is ready
// within limits.webhook_deadline_ms, else after a filler and a <Redirect> to
// /voice/await?turn=N (bounded by limits.max_await_redirects, then the
// apology). Nothing here can leave Twilio without an answer.
#include <caf/send.hpp>

#include "actors/call_state.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/text.hpp"

namespace sb::call_detail {

llm_request make_llm_request(const call_state& st) {
  llm_request req;
  req.call_sid = st.row.call_sid;
  req.language = st.row.language;
  req.caller = st.row.from_number;
  for (const auto& t : st.history)
    req.history.push_back({t.role, t.content});
  req.offer_transfer = !st.cfg().voice.transfer_number.empty();
  return req;
}

namespace {

void arm_deadline(call_pointer self) {
  auto& st = self->state;
  st.turn->deadline_gen = ++st.deadlines_armed;
  auto deadline = std::chrono::milliseconds(
    st.cfg().limits.webhook_deadline_ms);
  st.turn->deadline_at = steady::now() + deadline;
  self->delayed_send(self, deadline, deadline_atom::value,
                     st.turn->deadline_gen);
}

// The answer is complete (its audio too): it goes to whoever waits, once
// its write `written` is answered, or is kept for the /voice/await request
// that is on its way.
void complete_turn(call_pointer self, uint64_t id, uint64_t written,
                   voice_reply reply) {
  auto& st = self->state;
  if (!st.turn || st.turn->id != id)
    return;
  if (st.turn->promise)
    answer_after(self, written, std::move(st.turn->promise), std::move(reply));
  else
    st.ready = ready_turn{id, std::move(reply)};
  st.turn.reset();
}

// The reply's audio is ready: its turn is written again with the audio's
// id (what the console plays) and the time it took, so latency_ms is the
// whole time to answer, the model and the speech. Nothing waits for this
// write but the next answer, like any of the call's writes.
void store_reply_audio(call_pointer self, turn_row row, std::string audio_id,
                       steady::time_point started,
                       steady::time_point tts_started) {
  const auto now = steady::now();
  row.audio = std::move(audio_id);
  row.latency_ms = ms_between(started, now);
  row.tts_first_audio_ms = ms_between(tts_started, now);
  write_batch batch;
  batch.turns.push_back(std::move(row));
  store_writes(self, std::move(batch));
}

void finish_turn(call_pointer self, std::string text, bool end_call,
                 std::string model, const llm_reply* timing = nullptr,
                 write_batch batch = {}) {
  auto& st = self->state;
  auto& turn = *st.turn;
  turn.done = true;
  auto row = st.new_turn("assistant", text);
  row.model = std::move(model);
  metrics::daemon().assistant_turns.inc();
  row.latency_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                     steady::now() - turn.started)
                     .count();
  if (timing) {
    row.queue_ms = timing->queue_ms;
    row.llm_ms = timing->llm_ms;
    row.tool_calls = timing->tool_calls;
  }
  st.remember(row);
  auto stored = row;
  batch.turns.push_back(std::move(row));
  auto reply = turn_reply(st, std::move(text), end_call,
                          timing != nullptr && timing->transfer);
  auto id = turn.id;
  auto written = store_writes(self, std::move(batch));
  auto join = std::make_shared<reply_join>(reply_join{std::move(reply), 1});
  std::function<void()> done = [self, id, written, join, stored,
                                started = turn.started,
                                tts_started = steady::now()]() mutable {
    if (!join->audio_id.empty())
      store_reply_audio(self, std::move(stored), join->audio_id, started,
                        tts_started);
    complete_turn(self, id, written, join->reply);
  };
  // Audio that would make Twilio wait past the deadline is not worth it:
  // the caller hears <Say> instead.
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
    turn.deadline_at - steady::now());
  add_audio(self, join, std::move(done),
            st.turn->promise ? left : std::chrono::milliseconds::max());
}

bool is_current(call_state& st, uint64_t id) {
  return st.turn && st.turn->id == id && !st.turn->done;
}

void start_turn(call_pointer self, voice_reply_promise promise) {
  auto& st = self->state;
  auto id = ++st.turns_started;
  st.ready.reset();
  st.turn = turn_in_flight{};
  st.turn->id = id;
  st.turn->promise = std::move(promise);
  st.turn->started = steady::now();
  arm_deadline(self);
  self
    ->request(st.deps.llm, caf::infinite, generate_atom::value,
              make_llm_request(st))
    .then(
      [self, id](llm_reply& r) {
        if (!is_current(self->state, id)) {
          SB_LOG_NOTICE("call " << self->state.row.call_sid
                                << ": late LLM reply dropped");
          return;
        }
        finish_turn(self, r.text, r.end_call, r.model, &r);
      },
      [self, id](caf::error& err) {
        if (!is_current(self->state, id))
          return;
        SB_LOG_WARNING("call " << self->state.row.call_sid
                               << ": LLM failed: " << what(err));
        finish_turn(self, self->state.cfg().voice.apology, false, "apology");
      });
}

// An instant backend answers before a message round trip could: the
// caller's words (in `batch`) and the answer are stored in one write, in
// order, and no deadline timer is needed.
void answer_now(call_pointer self, write_batch batch,
                voice_reply_promise promise) {
  auto& st = self->state;
  auto id = ++st.turns_started;
  st.ready.reset();
  st.turn = turn_in_flight{};
  st.turn->id = id;
  st.turn->promise = std::move(promise);
  st.turn->started = steady::now();
  st.turn->deadline_at = st.turn->started
                         + std::chrono::milliseconds(
                           st.cfg().limits.webhook_deadline_ms);
  auto r = st.deps.instant(make_llm_request(st));
  if (!r) {
    SB_LOG_WARNING("call " << st.row.call_sid
                           << ": LLM failed: " << what(r.error()));
    finish_turn(self, st.cfg().voice.apology, false, "apology", nullptr,
                std::move(batch));
    return;
  }
  finish_turn(self, r->text, r->end_call, r->model, &*r, std::move(batch));
}

void on_silence(call_pointer self, write_batch batch,
                voice_reply_promise promise) {
  auto& st = self->state;
  const auto& voice = st.cfg().voice;
  ++st.silent_prompts;
  auto reply = st.silent_prompts > voice.max_silent_prompts
                 ? st.reply(reply_action::hangup, voice.silence_goodbye)
                 : st.reply(reply_action::listen, voice.reprompt);
  persist_then_reply(self, std::move(batch), std::move(promise),
                     std::move(reply));
}

} // namespace

void stream_reply(call_pointer self, uint64_t turn,
                  std::shared_ptr<std::atomic<bool>> cancel,
                  std::function<void(llm_reply&)> done,
                  std::function<void(const caf::error&)> failed) {
  auto& st = self->state;
  auto req = make_llm_request(st);
  if (st.deps.instant) {
    auto r = st.deps.instant(req);
    if (r)
      done(*r);
    else
      failed(r.error());
    return;
  }
  auto me = caf::actor_cast<caf::actor>(self);
  llm_stream stream{
    [me, turn](std::string token) {
      caf::anon_send(me, llm_token_atom::value, turn, std::move(token));
    },
    std::move(cancel),
    [me, turn] { caf::anon_send(me, tool_wait_atom::value, turn); }};
  self
    ->request(st.deps.llm, caf::infinite, stream_atom::value, std::move(req),
              std::move(stream))
    .then([done](llm_reply& r) { done(r); },
          [failed](caf::error& err) { failed(err); });
}

void on_speech(call_pointer self, const call_event& ev, write_batch batch,
               voice_reply_promise promise) {
  auto& st = self->state;
  auto speech = std::string{trim_space(ev.input.speech)};
  if (speech.empty())
    return on_silence(self, std::move(batch), std::move(promise));
  st.silent_prompts = 0;
  if (st.turn) { // Twilio moved on before we answered the last turn.
    if (st.turn->promise)
      answer(self, std::move(st.turn->promise),
             st.reply(reply_action::listen, st.cfg().voice.apology));
    st.turn.reset();
  }
  auto user = st.new_turn("user", speech);
  user.confidence = ev.input.confidence;
  metrics::daemon().user_turns.inc();
  st.remember(user);
  batch.turns.push_back(std::move(user));
  if (st.deps.instant)
    return answer_now(self, std::move(batch), std::move(promise));
  // Stored now, not with the answer: a crash while the LLM thinks must not
  // lose what the caller said. The store keeps order, so the answer's write
  // commits after this one.
  store_writes(self, std::move(batch));
  start_turn(self, std::move(promise));
}

void on_await(call_pointer self, const call_event& ev, write_batch batch,
              voice_reply_promise promise) {
  auto& st = self->state;
  auto id = static_cast<uint64_t>(ev.turn);
  store_writes(self, std::move(batch));
  if (st.ready && st.ready->id == id) {
    answer(self, std::move(promise), std::move(st.ready->reply));
    st.ready.reset();
    return;
  }
  if (st.turn && st.turn->id == id) {
    st.turn->promise = std::move(promise);
    if (!st.turn->done)
      arm_deadline(self);
    return;
  }
  // A turn this actor never had (the daemon restarted meanwhile) or one
  // already answered: the caller hears the apology and can speak again.
  SB_LOG_NOTICE("call " << st.row.call_sid << ": /voice/await for unknown turn "
                        << ev.turn);
  answer(self, std::move(promise),
         st.reply(reply_action::listen, st.cfg().voice.apology));
}

void on_deadline(call_pointer self, uint64_t gen) {
  auto& st = self->state;
  if (!st.turn || st.turn->done || st.turn->deadline_gen != gen
      || !st.turn->promise)
    return;
  auto& turn = *st.turn;
  if (turn.redirects >= st.cfg().limits.max_await_redirects) {
    SB_LOG_WARNING("call " << st.row.call_sid << ": turn " << turn.id
                           << " still not ready after " << turn.redirects
                           << " redirects; apologising");
    finish_turn(self, st.cfg().voice.apology, false, "deadline");
    return;
  }
  // A filler the first time; a short pause after that, not the same words
  // again and again.
  auto reply = st.reply(reply_action::wait,
                        turn.redirects == 0 ? st.cfg().voice.filler : "");
  reply.await_turn = static_cast<int64_t>(turn.id);
  ++turn.redirects;
  // The filler was synthesised at start-up: a cache hit, no real wait.
  auto join = std::make_shared<reply_join>(reply_join{std::move(reply), 1});
  auto promise = std::move(turn.promise);
  turn.promise = voice_reply_promise{};
  add_audio(self, join,
            [self, promise, join] { answer(self, promise, join->reply); });
}

void drop_turn(call_pointer self) {
  auto& st = self->state;
  if (st.turn && st.turn->promise)
    answer(self, std::move(st.turn->promise),
           st.reply(reply_action::hangup, {}));
  st.turn.reset();
  st.ready.reset();
}

} // namespace sb::call_detail
