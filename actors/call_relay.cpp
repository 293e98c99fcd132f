// A call's ConversationRelay side: the caller's prompts become turns, the
// model's tokens are spoken clause by clause into the session as they
// arrive, an interrupt stops the model and trims the stored reply to what
// the caller heard, and the session's end (transfer, goodbye, failure)
// decides what /voice/relay-done answers. The session itself is a proxy
// actor (relay_peer); nothing here knows of WebSockets or JSON.
#include <caf/send.hpp>

#include "actors/call_state.hpp"
#include "backends/llm/speakable.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/text.hpp"

namespace sb::call_detail {

namespace {

void send_text(call_pointer self, std::string token, bool last) {
  auto& st = self->state;
  if (st.relay.peer)
    self->send(st.relay.peer, relay_text_atom::value, std::move(token), last);
}

// Ends the session: Twilio then posts `reason` back to /voice/relay-done
// as HandoffData, where the call is transferred or hung up.
void end_session(call_pointer self, const std::string& reason) {
  auto& st = self->state;
  st.relay.handoff = reason;
  if (st.relay.peer)
    self->send(st.relay.peer, relay_end_atom::value,
               std::string{"{\"reason\":\""} + reason + "\"}");
}

std::string model_name(const config& cfg) {
  return cfg.llm.backend == "scripted" ? std::string{"scripted"}
                                       : cfg.llm.model;
}

// Stores the reply of `t` as the assistant turn: its text is what the
// caller heard (all of it, or up to the interruption).
void store_reply(call_pointer self, const relay_turn& t, std::string content,
                 bool interrupted, const llm_reply* timing, std::string model) {
  auto& st = self->state;
  auto row = st.new_turn("assistant", std::move(content));
  row.model = std::move(model);
  row.interrupted = interrupted;
  row.latency_ms = ms_between(t.started, steady::now());
  if (t.first_token)
    row.first_token_ms = ms_between(t.started, *t.first_token);
  if (timing) {
    row.queue_ms = timing->queue_ms;
    row.llm_ms = timing->llm_ms;
    row.tool_calls = timing->tool_calls;
  }
  metrics::daemon().assistant_turns.inc();
  st.remember(row);
  if (interrupted)
    st.relay.last_reply.reset();
  else
    st.relay.last_reply = row;
  write_batch batch;
  batch.turns.push_back(std::move(row));
  store_writes(self, std::move(batch));
}

// A text frame of the turn in flight; the first one is the silence the
// caller heard before we spoke.
void send_frame(call_pointer self, std::string token, bool last) {
  auto& t = *self->state.relay.turn;
  if (t.frames++ == 0)
    metrics::daemon().relay_first_text.observe(
      std::chrono::duration<double>(steady::now() - t.started).count());
  send_text(self, std::move(token), last);
}

// One piece of the reply into the session, made speakable (markdown and
// emoji out). Pieces are sent with the space that separates them, so the
// frames concatenate to the reply. A last frame is sent even when empty:
// it ends the talk cycle.
void speak_piece(call_pointer self, std::string_view piece, bool last) {
  auto& t = *self->state.relay.turn;
  auto words = make_speakable(piece, 0);
  if (words.empty() && !last)
    return;
  auto token = t.spoken.empty() || words.empty() ? words : " " + words;
  t.spoken += token;
  // The filler was said before the model's first words: a space between
  // them in the caller's ear, none in the stored answer.
  if (!t.filler.empty() && t.spoken == token && !token.empty())
    token = " " + token;
  send_frame(self, std::move(token), last);
}

// The reply of the turn in flight is complete (or capped): the rest is
// spoken with last = true, the turn is stored, and a goodbye or a
// transfer ends the session.
void complete_turn(call_pointer self, const llm_reply* r, std::string model) {
  auto& st = self->state;
  auto& t = *st.relay.turn;
  speak_piece(self, t.chunker.finish(), true);
  store_reply(self, t, t.spoken, false, r, std::move(model));
  st.relay.turn.reset();
  bool transfer = r && r->transfer && !st.cfg().voice.transfer_number.empty();
  if (transfer) {
    st.row.end_reason = "transferred";
    end_session(self, "transfer");
  } else if (r && r->end_call) {
    end_session(self, "goodbye");
  }
}

// Tokens the model produced, in order.
void feed(call_pointer self, std::string_view tokens) {
  auto& st = self->state;
  auto& t = *st.relay.turn;
  if (!t.first_token)
    t.first_token = steady::now();
  t.received.append(tokens);
  auto cap = static_cast<size_t>(st.cfg().llm.max_reply_chars);
  for (auto& piece : t.chunker.push(tokens)) {
    speak_piece(self, piece, false);
    if (t.spoken.size() >= cap) {
      // Long enough for a phone call: the model stops here.
      t.cancel->store(true);
      t.chunker.finish();
      complete_turn(self, nullptr, model_name(st.cfg()));
      return;
    }
  }
}

bool is_current(call_state& st, uint64_t id) {
  return st.relay.turn && st.relay.turn->id == id;
}

void on_reply(call_pointer self, uint64_t id, llm_reply& r) {
  auto& st = self->state;
  if (!is_current(st, id))
    return;
  // Every token reached us before the reply; if one did not (an instant
  // backend, a model that answered in one piece), the rest is in the text.
  auto& received = st.relay.turn->received;
  if (r.text.size() > received.size()
      && r.text.compare(0, received.size(), received) == 0)
    feed(self, std::string_view{r.text}.substr(received.size()));
  if (!is_current(st, id))
    return; // capped meanwhile
  complete_turn(self, &r, r.model);
}

void on_failure(call_pointer self, uint64_t id, const caf::error& err) {
  auto& st = self->state;
  if (!is_current(st, id) || st.relay.turn->cancel->load())
    return;
  SB_LOG_WARNING("call " << st.row.call_sid << ": LLM failed: " << what(err));
  auto& t = *st.relay.turn;
  if (!t.spoken.empty() || t.chunker.pending_bytes() > 0) {
    complete_turn(self, nullptr, "error");
    return;
  }
  for (auto& piece : t.chunker.push(st.cfg().voice.apology))
    speak_piece(self, piece, false);
  complete_turn(self, nullptr, "apology");
}

// What the caller heard of the model's words: Twilio's account of the
// talk cycle, less the filler we said in it (the stored turn is the
// model's answer; the filler is not its words, and in the history it would
// make the model think it had said so).
std::string without_filler(std::string heard, const std::string& filler) {
  auto at = filler.empty() ? std::string::npos : heard.find(filler);
  if (at == std::string::npos)
    return heard;
  heard.erase(at, filler.size());
  return std::string{trim_space(heard)};
}

// Stops the reply in flight at the model: the worker closes the stream
// and the pool frees the promise; tokens already on their way are dropped
// (their turn is no longer current).
void stop_turn(call_pointer self, std::string heard) {
  auto& st = self->state;
  auto& t = *st.relay.turn;
  t.cancel->store(true);
  store_reply(self, t, without_filler(std::move(heard), t.filler), true,
              nullptr, model_name(st.cfg()));
  st.relay.turn.reset();
}

void start_turn(call_pointer self) {
  auto& st = self->state;
  auto id = ++st.turns_started;
  st.relay.turn.emplace();
  auto& t = *st.relay.turn;
  t.id = id;
  t.started = steady::now();
  t.cancel = std::make_shared<std::atomic<bool>>(false);
  stream_reply(
    self, id, t.cancel, [self, id](llm_reply& r) { on_reply(self, id, r); },
    [self, id](const caf::error& err) { on_failure(self, id, err); });
}

// Twilio heard the caller in another language than the call's (with
// language detection): the call follows, so the model is prompted for it
// and Twilio speaks and listens in it from now on.
void follow_language(call_pointer self, const std::string& lang,
                     write_batch& batch) {
  auto& st = self->state;
  // A BCP-47 tag, nothing else, reaches the row and the frame.
  if (lang.empty() || lang == st.row.language || lang.size() > 35
      || lang.find_first_not_of(
           "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-")
           != std::string::npos)
    return;
  SB_LOG_INFO("call " << st.row.call_sid << ": caller speaks " << lang
                      << ", was " << st.row.language);
  st.row.language = lang;
  batch.calls.assign(1, st.row);
  if (st.relay.peer)
    self->send(st.relay.peer, relay_language_atom::value, lang);
}

// The caller's words, whole: a turn of the conversation.
void on_prompt(call_pointer self, const call_event& ev, write_batch& batch) {
  auto& st = self->state;
  follow_language(self, ev.input.language, batch);
  auto piece = std::string{trim_space(ev.input.speech)};
  auto& pieces = st.relay.prompt_pieces;
  if (!piece.empty())
    pieces += (pieces.empty() ? "" : " ") + piece;
  if (!ev.input.last || pieces.empty())
    return;
  auto words = std::move(pieces);
  pieces.clear();
  // The caller spoke again before our reply was done (no interrupt came,
  // e.g. with interruptible = none): that reply stops where it was.
  if (st.relay.turn)
    stop_turn(self, st.relay.turn->spoken);
  st.relay.last_reply.reset();
  auto user = st.new_turn("user", std::move(words));
  metrics::daemon().user_turns.inc();
  st.remember(user);
  batch.turns.push_back(std::move(user));
  store_writes(self, std::move(batch));
  batch = write_batch{};
  start_turn(self);
}

// The caller talked over the reply: it stops, and what is stored is what
// the caller heard (Twilio's utteranceUntilInterrupt), marked interrupted.
// A reply already complete but still being spoken is trimmed the same way.
void on_interrupt(call_pointer self, const call_event& ev, write_batch& batch) {
  auto& st = self->state;
  auto heard = ev.relay.heard;
  metrics::daemon().relay_interrupts.inc();
  if (st.relay.turn) {
    send_text(self, {}, true); // closes the talk cycle
    stop_turn(self, std::move(heard));
    return;
  }
  if (!st.relay.last_reply)
    return;
  auto row = std::move(*st.relay.last_reply);
  st.relay.last_reply.reset();
  row.content = std::move(heard);
  row.interrupted = true;
  for (auto& h : st.history)
    if (h.seq == row.seq)
      h = row;
  batch.turns.push_back(std::move(row));
}

void on_dtmf(call_pointer self, const call_event& ev) {
  auto& st = self->state;
  const auto& digit = ev.input.digits;
  SB_LOG_INFO("call " << st.row.call_sid << ": caller pressed " << digit);
  // 0 asks for a person, as on any phone menu, when there is one to ask.
  if (digit == "0" && !st.cfg().voice.transfer_number.empty()) {
    if (st.relay.turn)
      stop_turn(self, st.relay.turn->spoken);
    st.row.end_reason = "transferred";
    end_session(self, "transfer");
  }
}

bool same_actor(const relay_peer& peer, const caf::actor& other) {
  return peer && other && peer.address() == other.address();
}

// What /voice/relay-done says when the session ended without a hand-off
// and the caller is still there: a new session, up to max_reconnects.
voice_reply reconnect_or_give_up(call_state& st) {
  if (st.relay.reconnects < st.cfg().relay.max_reconnects) {
    ++st.relay.reconnects;
    SB_LOG_NOTICE("call " << st.row.call_sid << ": relay session failed; "
                          << "reconnecting (" << st.relay.reconnects << " of "
                          << st.cfg().relay.max_reconnects << ")");
    return st.reply(reply_action::relay, {});
  }
  SB_LOG_WARNING("call " << st.row.call_sid << ": relay session failed "
                         << st.relay.reconnects
                         << " times after reconnecting; hanging up");
  return st.reply(reply_action::hangup, st.cfg().voice.apology);
}

// Ours if we ended the session; else what Twilio handed back.
std::string handoff_reason(const call_state& st, const call_event& ev) {
  if (!st.relay.handoff.empty())
    return st.relay.handoff;
  return ev.relay.handoff;
}

} // namespace

void on_relay_token(call_pointer self, uint64_t turn, std::string token) {
  if (is_current(self->state, turn) && !self->state.relay.turn->cancel->load())
    feed(self, token);
}

// The filler goes out as a text frame of its own (last = false: the talk
// cycle goes on with the answer), after any words of the model still
// waiting in the chunker, so the caller hears them in order.
void on_relay_tool_wait(call_pointer self, uint64_t turn) {
  auto& st = self->state;
  if (!is_current(st, turn) || st.relay.turn->cancel->load()
      || !st.relay.turn->filler.empty())
    return;
  auto& t = *st.relay.turn;
  speak_piece(self, t.chunker.finish(), false);
  auto filler = make_speakable(st.cfg().voice.filler, 0);
  if (filler.empty())
    return;
  auto token = t.spoken.empty() ? filler : " " + filler;
  t.filler = filler;
  send_frame(self, std::move(token), false);
}

void drop_relay_turn(call_pointer self) {
  auto& st = self->state;
  if (st.relay.turn)
    stop_turn(self, st.relay.turn->spoken);
  st.relay.last_reply.reset();
  st.relay.prompt_pieces.clear();
}

void on_relay_event(call_pointer self, const call_event& ev, write_batch batch,
                    voice_reply_promise promise) {
  auto& st = self->state;
  if (ev.kind == event_kind::relay_open) {
    // A new session (a reconnect) replaces the old one; what the old one
    // was saying is lost with it.
    drop_relay_turn(self);
    st.relay.peer = caf::actor_cast<relay_peer>(ev.relay_peer);
    st.relay.session_id = ev.relay.session_id;
    st.relay_transport = true;
    SB_LOG_INFO("call " << st.row.call_sid << ": relay session "
                        << st.relay.session_id << " open");
  } else if (ev.kind == event_kind::relay_closed) {
    // Only the session in use: a reconnect may already have replaced it.
    if (same_actor(st.relay.peer, ev.relay_peer)) {
      drop_relay_turn(self);
      st.relay.peer = relay_peer{};
    }
  } else if (!same_actor(st.relay.peer, ev.relay_peer)) {
    SB_LOG_NOTICE("call " << st.row.call_sid << ": " << to_string(ev.kind)
                          << " from a session no longer in use; ignored");
  } else if (ev.kind == event_kind::relay_prompt) {
    on_prompt(self, ev, batch);
  } else if (ev.kind == event_kind::relay_interrupt) {
    on_interrupt(self, ev, batch);
  } else if (ev.kind == event_kind::relay_dtmf) {
    on_dtmf(self, ev);
  } else if (ev.kind == event_kind::relay_error) {
    SB_LOG_WARNING("call " << st.row.call_sid << ": ConversationRelay error: "
                           << ev.relay.description);
  }
  // The frame is in the event log; the proxy needs no more than an ack.
  if (!batch.events.empty() || !batch.calls.empty() || !batch.turns.empty())
    store_writes(self, std::move(batch));
  answer(self, std::move(promise), st.reply(reply_action::ack, {}));
}

void on_relay_done(call_pointer self, const call_event& ev, write_batch batch,
                   voice_reply_promise promise) {
  auto& st = self->state;
  drop_relay_turn(self);
  st.relay.peer = relay_peer{};
  auto reason = handoff_reason(st, ev);
  st.relay.handoff.clear();
  const auto& status = ev.relay.session_status;
  const auto& v = st.cfg().voice;
  voice_reply reply;
  if (reason == "transfer" && !v.transfer_number.empty()) {
    SB_LOG_INFO("call " << st.row.call_sid << ": transferring to "
                        << v.transfer_number);
    st.row.end_reason = "transferred";
    reply = st.reply(reply_action::transfer, v.transfer_message);
    reply.dial_to = v.transfer_number;
  } else if (reason == "goodbye" || status == "completed") {
    reply = st.reply(reply_action::hangup, {});
  } else {
    reply = reconnect_or_give_up(st);
  }
  batch.calls.assign(1, st.row);
  persist_then_reply(self, std::move(batch), std::move(promise),
                     std::move(reply));
}

} // namespace sb::call_detail
