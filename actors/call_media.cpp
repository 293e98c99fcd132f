// A call's Media Streams side: the caller's recognised words become turns;
// the model's tokens are cut into clauses as they stream and each is sent
// to the stream's proxy (media_peer), which speaks it; the marks that come
// back say which clauses the caller heard, so a barge-in stores the reply
// trimmed to them. A transfer, a goodbye and the silent-call hang-up close
// the stream once their last words were heard, and /voice/media-done
// answers <Dial>, <Hangup/> or a new stream. Nothing here knows of
// WebSockets, JSON or audio.
#include <caf/send.hpp>

#include "actors/call_state.hpp"
#include "backends/llm/speakable.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/text.hpp"

namespace sb::call_detail {

namespace {

std::string model_name(const config& cfg) {
  return cfg.llm.backend == "scripted" ? std::string{"scripted"}
                                       : cfg.llm.model;
}

std::optional<int64_t> measured(int64_t ms) {
  if (ms < 0)
    return std::nullopt;
  return ms;
}

// The assistant turn of `r` as heard so far: every clause, or (cut short)
// the clauses whose marks came back.
turn_row reply_row(call_state& st, media_reply& r, bool interrupted) {
  std::string content;
  // The heard clauses' audio, in order: the console plays them as one.
  // The filler's is among them (the caller heard it); its words are not
  // the model's, so the content leaves them out.
  std::string audio;
  auto upto = interrupted ? r.heard : r.clauses.size();
  for (size_t i = 0; i < upto && i < r.clauses.size(); ++i) {
    if (r.filler_clause != i)
      content += (content.empty() ? "" : " ") + r.clauses[i];
    if (i < r.clause_audio.size() && !r.clause_audio[i].empty())
      audio += (audio.empty() ? "" : " ") + r.clause_audio[i];
  }
  turn_row row = r.row ? *r.row : st.new_turn("assistant", {});
  row.content = std::move(content);
  if (!audio.empty())
    row.audio = std::move(audio);
  row.model = r.model.empty() ? model_name(st.cfg()) : r.model;
  row.interrupted = interrupted;
  row.latency_ms = ms_between(r.started, steady::now());
  if (r.first_token)
    row.first_token_ms = ms_between(r.started, *r.first_token);
  row.queue_ms = measured(r.queue_ms);
  row.llm_ms = measured(r.llm_ms);
  row.eot_wait_ms = measured(r.eot_wait_ms);
  row.stt_tail_ms = measured(r.stt_tail_ms);
  row.turn_gap_ms = measured(r.turn_gap_ms);
  row.tts_first_audio_ms = measured(r.tts_first_audio_ms);
  row.tool_calls = r.tool_calls;
  return row;
}

// Whether the reply has a clause of the model's own (or a fixed phrase's),
// the filler aside.
bool has_words(const media_reply& r) {
  return r.clauses.size() > (r.filler_clause ? 1u : 0u);
}

void store_reply_row(call_pointer self, media_reply& r, bool interrupted) {
  auto& st = self->state;
  bool first = !r.row;
  auto row = reply_row(st, r, interrupted);
  if (first)
    metrics::daemon().assistant_turns.inc();
  r.row = row;
  bool known = false;
  for (auto& h : st.history)
    if (h.seq == row.seq) {
      h = row;
      known = true;
    }
  if (!known)
    st.remember(row);
  write_batch batch;
  batch.turns.push_back(std::move(row));
  store_writes(self, std::move(batch));
}

void speak_clause(call_pointer self, std::string text) {
  auto& st = self->state;
  auto& r = *st.media.reply;
  if (text.empty())
    return;
  auto n = static_cast<uint32_t>(r.clauses.size());
  r.clauses.push_back(text);
  if (st.media.peer)
    self->send(st.media.peer, media_speak_atom::value, r.generation, n,
               std::move(text), st.row.language, r.interruptible);
}

// The reply in flight stops (the caller spoke, pressed a key, hung up):
// the model is stopped, and a model's answer is stored as the caller
// heard it, marked interrupted when some of it was not.
void stop_reply(call_pointer self) {
  auto& st = self->state;
  if (!st.media.reply)
    return;
  auto& r = *st.media.reply;
  if (r.cancel)
    r.cancel->store(true);
  bool unheard = !r.complete || r.heard < r.clauses.size();
  if (r.stored_reply && (r.row || has_words(r)))
    store_reply_row(self, r, unheard);
  if (unheard && st.media.peer)
    self->send(st.media.peer, media_stop_reply_atom::value, r.generation);
  st.media.reply.reset();
}

media_reply& new_reply(call_pointer self, bool interruptible) {
  auto& st = self->state;
  stop_reply(self);
  st.media.reply.emplace();
  auto& r = *st.media.reply;
  r.generation = ++st.turns_started;
  r.started = steady::now();
  r.interruptible = interruptible;
  return r;
}

// The caller heard the whole reply: listen, or end the stream for what
// comes after it.
void on_reply_heard(call_pointer self) {
  auto& st = self->state;
  // Heard whole: the stored turn gains the audio of every clause.
  auto& r = *st.media.reply;
  if (r.stored_reply && r.row && !r.clause_audio.empty())
    store_reply_row(self, r, false);
  auto then = st.media.reply->then;
  st.media.reply.reset();
  if (then.empty())
    return;
  st.media.handoff = then;
  if (then == "transfer")
    st.row.end_reason = "transferred";
  SB_LOG_INFO("call " << st.row.call_sid << ": closing the stream (" << then
                      << ")");
  if (st.media.peer)
    self->send(st.media.peer, media_close_atom::value, then);
}

void finish_reply(call_pointer self) {
  auto& st = self->state;
  auto& r = *st.media.reply;
  r.complete = true;
  if (st.media.peer)
    self->send(st.media.peer, media_finish_atom::value, r.generation);
  if (r.heard >= r.clauses.size())
    on_reply_heard(self);
}

// A fixed phrase as a reply of its own (a cache hit at the TTS pool: the
// fixed phrases are synthesised at start-up, whole).
void say_fixed(call_pointer self, const std::string& text, std::string then,
               bool interruptible = true) {
  auto& r = new_reply(self, interruptible);
  r.then = std::move(then);
  speak_clause(self, text);
  finish_reply(self);
}

// The model's answer is complete (or capped): the rest is spoken, a
// transfer adds its message, the turn is stored.
void complete_reply(call_pointer self, const llm_reply* done) {
  auto& st = self->state;
  auto& r = *st.media.reply;
  speak_clause(self, make_speakable(r.chunker.finish(), 0));
  const auto& v = st.cfg().voice;
  if (done && done->transfer && !v.transfer_number.empty()) {
    speak_clause(self, v.transfer_message);
    r.then = "transfer";
  } else if (done && done->end_call) {
    if (!has_words(r))
      speak_clause(self, v.goodbye_message);
    r.then = "goodbye";
  }
  if (done) {
    r.model = done->model;
    r.queue_ms = done->queue_ms;
    r.llm_ms = done->llm_ms;
    r.tool_calls = done->tool_calls;
  }
  store_reply_row(self, r, false);
  finish_reply(self);
}

bool is_current(const call_state& st, uint64_t generation) {
  return st.media.reply && st.media.reply->generation == generation
         && st.media.reply->cancel && !st.media.reply->complete;
}

void feed(call_pointer self, std::string_view tokens) {
  auto& st = self->state;
  auto& r = *st.media.reply;
  if (!r.first_token)
    r.first_token = steady::now();
  r.received.append(tokens);
  auto cap = static_cast<size_t>(st.cfg().llm.max_reply_chars);
  for (auto& piece : r.chunker.push(tokens)) {
    speak_clause(self, make_speakable(piece, 0));
    size_t said = 0;
    for (size_t i = 0; i < r.clauses.size(); ++i)
      if (r.filler_clause != i)
        said += r.clauses[i].size();
    if (said >= cap) {
      // Long enough for a phone call: the model stops here.
      r.cancel->store(true);
      r.chunker.finish();
      complete_reply(self, nullptr);
      return;
    }
  }
}

void on_llm_reply(call_pointer self, uint64_t generation, llm_reply& reply) {
  auto& st = self->state;
  if (!is_current(st, generation))
    return;
  auto& received = st.media.reply->received;
  if (reply.text.size() > received.size()
      && reply.text.compare(0, received.size(), received) == 0)
    feed(self, std::string_view{reply.text}.substr(received.size()));
  if (!is_current(st, generation))
    return; // capped meanwhile
  complete_reply(self, &reply);
}

void on_llm_failure(call_pointer self, uint64_t generation,
                    const caf::error& err) {
  auto& st = self->state;
  if (!is_current(st, generation) || st.media.reply->cancel->load())
    return;
  SB_LOG_WARNING("call " << st.row.call_sid << ": LLM failed: " << what(err));
  auto& r = *st.media.reply;
  if (!has_words(r) && r.chunker.pending_bytes() == 0) {
    speak_clause(self, st.cfg().voice.apology);
    r.model = "apology";
  } else {
    r.model = "error";
  }
  complete_reply(self, nullptr);
}

// The caller's words: a turn, and the model asked for the reply.
void start_reply(call_pointer self, const call_event& ev, std::string words,
                 write_batch& batch) {
  auto& st = self->state;
  stop_reply(self);
  st.silent_prompts = 0;
  auto user = st.new_turn("user", std::move(words));
  user.confidence = ev.input.confidence;
  user.audio = ev.media.audio_path;
  metrics::daemon().user_turns.inc();
  st.remember(user);
  batch.turns.push_back(std::move(user));
  // Stored before the model is asked: a crash while it thinks must not
  // lose what the caller said.
  store_writes(self, std::move(batch));
  batch = write_batch{};
  auto& r = new_reply(self, true);
  r.stored_reply = true;
  r.cancel = std::make_shared<std::atomic<bool>>(false);
  r.eot_wait_ms = ev.media.eot_wait_ms;
  r.stt_tail_ms = ev.media.stt_tail_ms;
  auto generation = r.generation;
  stream_reply(
    self, generation, r.cancel,
    [self, generation](llm_reply& reply) {
      on_llm_reply(self, generation, reply);
    },
    [self, generation](const caf::error& err) {
      on_llm_failure(self, generation, err);
    });
}

// Nothing heard: a re-prompt, and after voice.max_silent_prompts in a row
// the silent-call goodbye. Not while we are answering.
void on_nothing_heard(call_pointer self) {
  auto& st = self->state;
  if (st.media.reply)
    return;
  const auto& v = st.cfg().voice;
  ++st.silent_prompts;
  if (st.silent_prompts > v.max_silent_prompts) {
    SB_LOG_INFO("call " << st.row.call_sid << ": silent "
                        << st.silent_prompts - 1 << " times; ending");
    st.row.end_reason = "silence";
    say_fixed(self, v.silence_goodbye, "goodbye");
  } else {
    say_fixed(self, v.reprompt, "");
  }
}

void on_turn(call_pointer self, const call_event& ev, write_batch& batch) {
  auto words = std::string{trim_space(ev.input.speech)};
  if (words.empty()) {
    on_nothing_heard(self);
    return;
  }
  start_reply(self, ev, std::move(words), batch);
}

void on_dtmf(call_pointer self, const call_event& ev, write_batch& batch) {
  auto& st = self->state;
  const auto& digit = ev.input.digits;
  SB_LOG_INFO("call " << st.row.call_sid << ": caller pressed " << digit);
  // 0 asks for a person, as on any phone menu, when there is one to ask.
  if (digit == "0" && !st.cfg().voice.transfer_number.empty()) {
    say_fixed(self, st.cfg().voice.transfer_message, "transfer", false);
    return;
  }
  start_reply(self, ev, digit, batch);
}

void on_heard(call_pointer self, const call_event& ev) {
  auto& st = self->state;
  if (!st.media.reply || st.media.reply->generation != ev.media.generation)
    return;
  auto& r = *st.media.reply;
  r.heard = std::max(r.heard, ev.media.clause + 1);
  if (ev.media.clause < r.clauses.size()) {
    r.clause_audio.resize(r.clauses.size());
    r.clause_audio[ev.media.clause] = ev.media.audio_id;
  }
  if (r.complete && r.heard >= r.clauses.size())
    on_reply_heard(self);
}

void on_playing(call_pointer self, const call_event& ev) {
  auto& st = self->state;
  if (!st.media.reply || st.media.reply->generation != ev.media.generation)
    return;
  auto& r = *st.media.reply;
  r.turn_gap_ms = ev.media.turn_gap_ms;
  r.tts_first_audio_ms = ev.media.tts_first_audio_ms;
  // Stored already (the model was quicker than the first audio): the
  // timings join the stored turn.
  if (r.row)
    store_reply_row(self, r, false);
}

void on_barge_in(call_pointer self, const call_event& ev) {
  auto& st = self->state;
  if (!st.media.reply || st.media.reply->generation > ev.media.generation)
    return;
  SB_LOG_INFO("call " << st.row.call_sid << ": caller barged in after "
                      << st.media.reply->heard << " of "
                      << st.media.reply->clauses.size() << " clauses");
  // The proxy cleared the audio already.
  auto& r = *st.media.reply;
  r.then.clear(); // a cut goodbye or transfer message does not end the call
  if (r.cancel)
    r.cancel->store(true);
  bool unheard = !r.complete || r.heard < r.clauses.size();
  if (r.stored_reply)
    store_reply_row(self, r, unheard);
  st.media.reply.reset();
}

void on_open(call_pointer self, const call_event& ev) {
  auto& st = self->state;
  // A new stream (a reconnect) replaces the old one; what the old one was
  // saying is lost with it.
  drop_media_reply(self);
  st.media.peer = caf::actor_cast<media_peer>(ev.media_peer);
  st.media.stream_sid = ev.media.stream_sid;
  st.media.handoff.clear();
  st.media_transport = true;
  SB_LOG_INFO("call " << st.row.call_sid << ": media stream "
                      << st.media.stream_sid << " open");
  // Greeted once per call: not after a reconnect, nor after a restart
  // (the history is back from the database).
  if (!st.media.greeted && st.history.empty()) {
    st.media.greeted = true;
    say_fixed(self, st.cfg().voice.greeting, "",
              st.cfg().media.greeting_interruptible);
  }
  st.media.greeted = true;
}

bool same_actor(const media_peer& peer, const caf::actor& other) {
  return peer && other && peer.address() == other.address();
}

// What /voice/media-done says when the stream ended without a hand-off
// and the caller is still there: a new stream, up to max_reconnects.
voice_reply reconnect_or_give_up(call_state& st) {
  const auto& m = st.cfg().media;
  if (st.media.reconnects < m.max_reconnects) {
    ++st.media.reconnects;
    SB_LOG_NOTICE("call " << st.row.call_sid << ": media stream ended; "
                          << "reconnecting (" << st.media.reconnects << " of "
                          << m.max_reconnects << ")");
    return st.reply(reply_action::media, {});
  }
  SB_LOG_WARNING("call " << st.row.call_sid << ": media stream failed "
                         << st.media.reconnects
                         << " times after reconnecting; hanging up");
  return st.reply(reply_action::hangup, st.cfg().voice.apology);
}

} // namespace

void drop_media_reply(call_pointer self) {
  stop_reply(self);
}

bool on_media_token(call_pointer self, uint64_t generation,
                    std::string& token) {
  auto& st = self->state;
  if (!st.media.reply || st.media.reply->generation != generation)
    return false;
  if (is_current(st, generation) && !st.media.reply->cancel->load())
    feed(self, token);
  return true;
}

// The model's words still in the chunker go first, then the filler as a
// clause of its own, so the caller hears them in order.
bool on_media_tool_wait(call_pointer self, uint64_t generation) {
  auto& st = self->state;
  if (!st.media.reply || st.media.reply->generation != generation)
    return false;
  auto& r = *st.media.reply;
  if (!is_current(st, generation) || r.cancel->load() || r.filler_clause)
    return true;
  speak_clause(self, make_speakable(r.chunker.finish(), 0));
  auto filler = make_speakable(st.cfg().voice.filler, 0);
  if (filler.empty())
    return true;
  r.filler_clause = static_cast<uint32_t>(r.clauses.size());
  speak_clause(self, std::move(filler));
  return true;
}

bool say_into_media(call_pointer self, const std::string& text) {
  auto& st = self->state;
  if (!st.media.peer)
    return false;
  self->send(st.media.peer, media_speak_atom::value, uint64_t{0},
             st.media.operator_clauses++, text, st.row.language, true);
  return true;
}

void on_media_event(call_pointer self, const call_event& ev, write_batch batch,
                    voice_reply_promise promise) {
  auto& st = self->state;
  if (ev.kind == event_kind::media_open) {
    on_open(self, ev);
  } else if (ev.kind == event_kind::media_closed) {
    // Only the stream in use: a reconnect may already have replaced it.
    if (same_actor(st.media.peer, ev.media_peer)) {
      drop_media_reply(self);
      st.media.peer = media_peer{};
    }
  } else if (!same_actor(st.media.peer, ev.media_peer)) {
    SB_LOG_NOTICE("call " << st.row.call_sid << ": " << to_string(ev.kind)
                          << " from a stream no longer in use; ignored");
  } else {
    switch (ev.kind) {
      case event_kind::media_turn: on_turn(self, ev, batch); break;
      case event_kind::media_heard: on_heard(self, ev); break;
      case event_kind::media_playing: on_playing(self, ev); break;
      case event_kind::media_barge_in: on_barge_in(self, ev); break;
      case event_kind::media_dtmf: on_dtmf(self, ev, batch); break;
      case event_kind::media_silence: on_nothing_heard(self); break;
      case event_kind::media_stop: drop_media_reply(self); break;
      default: break;
    }
  }
  if (!batch.events.empty() || !batch.calls.empty() || !batch.turns.empty())
    store_writes(self, std::move(batch));
  answer(self, std::move(promise), st.reply(reply_action::ack, {}));
}

void on_media_done(call_pointer self, const call_event& ev, write_batch batch,
                   voice_reply_promise promise) {
  auto& st = self->state;
  drop_media_reply(self);
  st.media.peer = media_peer{};
  auto reason = std::move(st.media.handoff);
  st.media.handoff.clear();
  const auto& v = st.cfg().voice;
  voice_reply reply;
  if (reason == "transfer" && !v.transfer_number.empty()) {
    SB_LOG_INFO("call " << st.row.call_sid << ": transferring to "
                        << v.transfer_number);
    st.row.end_reason = "transferred";
    // The transfer message was said in the stream, and heard.
    reply = st.reply(reply_action::transfer, {});
    reply.dial_to = v.transfer_number;
  } else if (reason == "goodbye" || ev.call.status == "completed") {
    reply = st.reply(reply_action::hangup, {});
  } else {
    reply = reconnect_or_give_up(st);
  }
  batch.calls.assign(1, st.row);
  persist_then_reply(self, std::move(batch), std::move(promise),
                     std::move(reply));
}

void on_media_status(call_pointer self, const call_event& ev, write_batch batch,
                     voice_reply_promise promise) {
  auto& st = self->state;
  const auto& m = ev.media;
  if (m.stream_event == "stream-error")
    SB_LOG_WARNING("call " << st.row.call_sid << ": media stream "
                           << m.stream_sid << " error: " << m.stream_error);
  else
    SB_LOG_INFO("call " << st.row.call_sid << ": media stream " << m.stream_sid
                        << " " << m.stream_event);
  persist_then_reply(self, std::move(batch), std::move(promise),
                     st.reply(reply_action::ack, {}));
}

} // namespace sb::call_detail
