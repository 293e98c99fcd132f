// Internal to the call actor (actors/call*.cpp): its state and the steps
// its files share. call.cpp owns the webhook dispatch, status, AMD and
// recordings; call_turn.cpp owns a conversation turn (speech, the LLM, the
// deadline and /voice/await); call_replay.cpp tells Twilio's retries of a
// webhook from new ones. Nothing outside actors/ includes this.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <caf/actor_clock.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/call.hpp"
#include "actors/media_peer.hpp"
#include "actors/relay_peer.hpp"
#include "backends/llm/clause_chunker.hpp"
#include "core/clock.hpp"

namespace sb::call_detail {

using steady = std::chrono::steady_clock;

/// The turn the LLM is working on. `promise` is the Twilio request waiting
/// for it; it is empty while Twilio is on its way back through
/// /voice/await after a filler.
struct turn_in_flight {
  uint64_t id = 0; // N of /voice/await?turn=N
  voice_reply_promise promise;
  steady::time_point started;
  uint64_t deadline_gen = 0;      // the deadline timer that counts
  steady::time_point deadline_at; // when that timer fires
  int redirects = 0;              // fillers said for this turn
  bool done = false;              // answer written, store not yet confirmed
};

/// An answer that was ready while nobody was waiting for it.
struct ready_turn {
  uint64_t id = 0;
  voice_reply reply;
};

/// A webhook this call answered or is answering, kept so that Twilio's
/// retry of it gets the same reply instead of being acted on again. Shared
/// with the webhook's reply promise, whose delivery (always on this actor,
/// see answer()) records the reply here.
struct seen_webhook {
  uint64_t id = 0; // to find it after older ones left
  event_kind kind = event_kind::inbound;
  uint64_t digest = 0;                      // call_event::request_digest
  std::string token;                        // I-Twilio-Idempotency-Token or ""
  std::optional<voice_reply> reply;         // empty while still unanswered
  std::vector<voice_reply_promise> waiting; // retries waiting for that reply
};

/// An answer decided but not yet sent: it waits until the store has
/// answered every write this call sent up to `after_write`.
struct held_answer {
  uint64_t after_write = 0;
  voice_reply_promise promise;
  voice_reply reply;
};

/// A reply being streamed into a ConversationRelay session.
struct relay_turn {
  uint64_t id = 0;
  steady::time_point started; // the caller's prompt arrived
  std::optional<steady::time_point> first_token;
  std::shared_ptr<std::atomic<bool>> cancel;
  clause_chunker chunker;
  std::string received; // every token so far
  std::string spoken;   // every text frame of the model's words so far
  int frames = 0;
  /// voice.filler was sent (a frame of its own, before the answer's
  /// words, while a tool ran); kept out of `spoken`, which is stored.
  std::string filler;
};

/// The call's ConversationRelay side: the session (if one is open), the
/// reply in flight, and the last reply, which a late interrupt trims.
struct relay_link {
  relay_peer peer; // invalid while no session is open
  std::string session_id;
  int reconnects = 0;        // sessions opened after a failed one
  std::string prompt_pieces; // interim prompt text (last = false)
  std::optional<relay_turn> turn;
  std::optional<turn_row> last_reply; // stored, still being spoken
  std::string handoff;                // reason of the `end` we sent, or ""
};

/// What the call says into its media stream, one reply at a time: the
/// model's answer cut into clauses as it streams, or a fixed phrase (the
/// greeting, a re-prompt, the transfer message). Each clause goes to the
/// stream's proxy; its mark coming back means the caller heard it.
struct media_reply {
  uint64_t generation = 0; // names its clauses' marks
  steady::time_point started;
  std::optional<steady::time_point> first_token;
  /// Set to stop the model; null for a fixed phrase.
  std::shared_ptr<std::atomic<bool>> cancel;
  clause_chunker chunker;
  std::string received;             // every token so far
  std::vector<std::string> clauses; // sent to the proxy, in order
  /// The clause that is voice.filler, said while a tool ran: heard like
  /// any clause, but not the model's words, so not in the stored content.
  std::optional<uint32_t> filler_clause;
  std::vector<tool_call_row> tool_calls; // the model's, for the stored turn
  /// By clause: the audio the caller heard (audio cache ids), as the
  /// marks come back; "" for a clause not heard yet or without audio.
  std::vector<std::string> clause_audio;
  uint32_t heard = 0;    // clauses whose marks came back
  bool complete = false; // nothing more will be added
  bool interruptible = true;
  std::string then;            // once heard: "" listen, "transfer", "goodbye"
  bool stored_reply = false;   // a model's answer: stored as a turn
  std::optional<turn_row> row; // that turn, once stored
  std::string model;
  int64_t queue_ms = -1, llm_ms = -1;
  int64_t eot_wait_ms = -1, stt_tail_ms = -1; // of the turn it answers
  int64_t turn_gap_ms = -1, tts_first_audio_ms = -1;
};

/// The call's Media Streams side: the stream (if one is open) and the
/// reply being spoken.
struct media_link {
  media_peer peer; // invalid while no stream is open
  std::string stream_sid;
  int reconnects = 0;   // streams opened after a failed one
  bool greeted = false; // the greeting went out (once per call)
  std::optional<media_reply> reply;
  uint32_t operator_clauses = 0; // what operators said (generation 0)
  std::string handoff; // why we closed the stream: transfer, goodbye, ""
};

struct call_state {
  static const char* name;
  call_deps deps;
  call_row row;
  std::deque<turn_row> history; // the last llm.max_history_turns turns
  int64_t last_seq = 0;
  int silent_prompts = 0;
  caf::actor_clock::time_point last_activity; // last webhook
  uint64_t turns_started = 0;
  uint64_t deadlines_armed = 0;
  std::optional<turn_in_flight> turn;
  std::optional<ready_turn> ready;
  bool ended = false;
  int64_t last_status_seq = -1; // highest SequenceNumber applied
  bool machine_handled = false; // machine_message said or hang-up sent
  std::deque<std::shared_ptr<seen_webhook>> seen; // the last few, oldest first
  uint64_t webhooks_seen = 0;
  uint64_t writes_sent = 0;             // ids of this call's writes, 1, 2, ...
  std::set<uint64_t> writes_unanswered; // sent, the store not yet back
  std::vector<held_answer> held;        // answers waiting for those writes
  bool released = false;                // (ended) came: exit once nothing is
                                        // held or unanswered
  bool relay_transport = false;         // the call was answered with <Connect>
  relay_link relay;
  bool media_transport = false; // answered with <Connect><Stream>
  media_link media;

  const config& cfg() const {
    return *deps.cfg;
  }

  voice_reply reply(reply_action action, std::string text) const {
    return {action, std::move(text), row.language, row.voice, 0, {}, {}};
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

using call_pointer = call_actor::stateful_pointer<call_state>;

// -- call.cpp -----------------------------------------------------------------

/// Whole milliseconds from `from` to `to`: the turns' timings.
inline int64_t ms_between(steady::time_point from, steady::time_point to) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(to - from)
    .count();
}

/// A reply whose audio is being synthesised; the step that finishes it
/// delivers it.
struct reply_join {
  voice_reply reply;
  int pending = 1;
  /// The audio cache's id of reply.audio_url once add_audio made it.
  std::string audio_id;
};

/// Hands `batch` to the store and returns the write's id (for
/// answer_after). `on_stored`, if set, runs on this actor once the store
/// has answered the write (committed, refused, or kept for retry), before
/// any answer that waits for it goes out. Every write of the call goes
/// through here.
uint64_t store_writes(call_pointer self, write_batch batch,
                      std::function<void()> on_stored = {});

/// The one way an answer leaves for Twilio (webhook TwiML, a callback's
/// ack, a relay frame's ack): `reply` goes to `promise`, on this actor, once
/// the store has answered every write this call sent so far (see
/// call.hpp, "Who answers Twilio").
void answer(call_pointer self, voice_reply_promise promise, voice_reply reply);

/// answer(), waiting only for the writes up to `after_write` (an id from
/// store_writes): for an answer decided when that write was sent and
/// finished later (its audio).
void answer_after(call_pointer self, uint64_t after_write,
                  voice_reply_promise promise, voice_reply reply);

/// Synthesises `join->reply.text` (if there is a TTS pool and something to
/// say) and sets its audio_url; then calls `done`, also on failure. Waits
/// at most tts.timeout_ms, or `limit` when that is shorter (the time left
/// before Twilio's answer is due).
void add_audio(
  call_pointer self, std::shared_ptr<reply_join> join,
  std::function<void()> done,
  std::chrono::milliseconds limit = std::chrono::milliseconds::max());

/// Whether add_audio() would synthesise anything for `r`.
bool needs_audio(const call_state& st, const voice_reply& r);

/// Writes `batch`, adds the reply's audio, and answers (whether or not
/// the write succeeded: the store logs failures). With `then_release`,
/// the ingress hears of the call's end once it is stored, before Twilio
/// hears the reply.
void persist_then_reply(call_pointer self, write_batch batch,
                        voice_reply_promise promise, voice_reply reply,
                        bool then_release = false);

/// Marks the call over (ended_at, end_reason, metrics); the caller
/// persists the final row and then notifies the ingress.
void finish_call(call_pointer self, const std::string& reason);

/// The reply to a call's first TwiML request: greet and listen, or hand
/// the call to a ConversationRelay session (voice.transport).
voice_reply greeting_reply(call_state& st);

/// The turn's reply as the transport needs it: a transfer intent becomes
/// reply_action::transfer when voice.transfer_number is set.
voice_reply turn_reply(call_state& st, std::string text, bool end_call,
                       bool transfer);

// -- call_relay.cpp -----------------------------------------------------------

/// An event from the call's ConversationRelay WebSocket (is_relay_frame).
void on_relay_event(call_pointer self, const call_event& ev, write_batch batch,
                    voice_reply_promise promise);

/// POST /voice/relay-done: the session ended; transfer, hang up, or open
/// a new session.
void on_relay_done(call_pointer self, const call_event& ev, write_batch batch,
                   voice_reply_promise promise);

/// A token of the streamed reply `turn`.
void on_relay_token(call_pointer self, uint64_t turn, std::string token);

/// The model of the streamed reply `turn` is about to call a tool: the
/// caller hears voice.filler (once per turn) ahead of the answer.
void on_relay_tool_wait(call_pointer self, uint64_t turn);

/// The call is over, or its session is gone: the reply in flight stops
/// at the model and what was spoken of it is stored.
void drop_relay_turn(call_pointer self);

// -- call_media.cpp -----------------------------------------------------------

/// An event of the call's media stream (is_media_frame).
void on_media_event(call_pointer self, const call_event& ev, write_batch batch,
                    voice_reply_promise promise);

/// POST /voice/media-done: the stream ended; transfer, hang up, or open
/// a new stream.
void on_media_done(call_pointer self, const call_event& ev, write_batch batch,
                   voice_reply_promise promise);

/// POST /voice/media-status: the stream's status callback, acknowledged.
void on_media_status(call_pointer self, const call_event& ev, write_batch batch,
                     voice_reply_promise promise);

/// A token of the streamed reply `generation`; false if it is not a
/// media reply's.
bool on_media_token(call_pointer self, uint64_t generation, std::string& token);

/// The model of the reply `generation` is about to call a tool: the caller
/// hears voice.filler as a clause of its own (once per reply) ahead of the
/// answer. False if it is not a media reply's.
bool on_media_tool_wait(call_pointer self, uint64_t generation);

/// The call is over, or its stream is gone: the reply in flight stops at
/// the model and what the caller heard of it is stored.
void drop_media_reply(call_pointer self);

/// An operator's words into the live stream; false when there is none.
bool say_into_media(call_pointer self, const std::string& text);

// -- call_replay.cpp ----------------------------------------------------------

/// If `ev` is a retry of a webhook this call answered, or is answering,
/// gives `promise` that webhook's reply (now, or when it comes) and returns
/// true: the retry changes nothing else. Otherwise remembers `ev`, makes
/// `promise` remember the reply it delivers, and returns false. The first
/// reply is sent after its write was answered (answer()), so a retry's is
/// too.
bool answer_replay(call_pointer self, const call_event& ev,
                   voice_reply_promise& promise);

// -- call_turn.cpp ------------------------------------------------------------

/// What the model is asked for the call's next reply: its history, the
/// caller, the language, and whether it may transfer the call.
llm_request make_llm_request(const call_state& st);

/// Asks the LLM actor to stream the next reply (make_llm_request): its
/// tokens arrive here as (llm_token, turn, token) straight from the
/// worker's thread, `cancel` stops it, and `done` or `failed` runs on this
/// actor when it ends. With deps.instant the answer comes at once, inline.
void stream_reply(call_pointer self, uint64_t turn,
                  std::shared_ptr<std::atomic<bool>> cancel,
                  std::function<void(llm_reply&)> done,
                  std::function<void(const caf::error&)> failed);

/// process-speech: the caller's turn, or a re-prompt for silence.
void on_speech(call_pointer self, const call_event& ev, write_batch batch,
               voice_reply_promise promise);

/// /voice/await?turn=N: Twilio back for a turn that was not ready.
void on_await(call_pointer self, const call_event& ev, write_batch batch,
              voice_reply_promise promise);

/// The deadline timer `gen` fired.
void on_deadline(call_pointer self, uint64_t gen);

/// The call ended while a turn was in flight: the waiting request (if
/// any) gets a hang-up and the turn is dropped.
void drop_turn(call_pointer self);

} // namespace sb::call_detail
