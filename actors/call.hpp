// One actor per live phone call: the only owner of that call's state
// (numbers, direction, status, language, voice, history, the turn in
// flight). It turns typed call events (core/call_event.hpp; the fronts
// read Twilio's wire, this actor never does) into replies, writes every
// event to the store before it answers, and exits when the call ends or
// goes idle.
//
// Who answers Twilio — the one rule every answer follows:
//   The actor that decided an answer sends it, on its own thread, once the
//   store has answered the writes sent before it (committed; refused and
//   logged; or kept for retry during an outage). For every event of a
//   call that actor is this one: each reply leaves through answer() /
//   answer_after() in actors/call_state.hpp and nowhere else. The ingress
//   answers only what it turns away before any call actor exists. The
//   store never answers Twilio and never sees TwiML; the front renders a
//   voice_reply into TwiML or frames in the promise's delivery. A retry of a
//   webhook gets the first answer, which by this rule left after its
//   commit.
//
// Protocol:
//   (event, call_event, voice_reply_promise)
//       inbound/outbound: greet and listen.
//       process_speech: store the caller's turn, ask the LLM, store the
//         answer, reply listen (or hangup on a goodbye intent). Empty speech
//         re-prompts; voice.max_silent_prompts in a row end the call. If the
//         LLM has not answered by limits.webhook_deadline_ms, the reply is
//         `wait` (voice.filler, then /voice/await?turn=N) and the turn goes
//         on; after limits.max_await_redirects such rounds, or if the LLM
//         fails, the caller hears voice.apology and the call goes on.
//       await_turn: the answer of turn N as soon as it is ready (or the
//         next `wait` at the deadline); an unknown turn gets the apology.
//       call_status: record the status (never moving backwards); a terminal
//         status ends the call: reply ack, tell the ingress, exit.
//         Callbacks carrying a SequenceNumber not above the last one seen
//         are stored in the event log and change nothing else.
//       recording_status: the recording row is stored (upsert); ack.
//       amd_status: AnsweredBy stored; a machine answer redirects the live
//         call (REST update) so it hears voice.machine_message, or hangs
//         it up, per voice.machine_action; ack.
//       An answered call whose AnsweredBy is a machine (synchronous AMD)
//       hears voice.machine_message once and is hung up.
//       A retry of one of the call's last few webhooks (equal
//       I-Twilio-Idempotency-Token, or an identical body while the first
//       is unanswered) gets the first one's reply and changes nothing:
//       no event, no turn, no second model request.
//       relay_done: a ConversationRelay session ended (POST
//         /voice/relay-done): a transfer we asked for gets <Dial>
//         voice.transfer_number, a goodbye or the caller's hang-up gets
//         <Hangup/>, a failed session a new <Connect> (the same
//         conversation goes on) up to relay.max_reconnects times.
//       relay_open/prompt/interrupt/dtmf/error/closed: frames of the
//         call's ConversationRelay WebSocket (actors/call_relay.cpp): a
//         prompt is the caller's turn, and the reply is streamed to the
//         session's proxy (relay_peer) clause by clause as the model's
//         tokens arrive; an interrupt stops the model and trims the
//         stored reply to what the caller heard. Each is acknowledged;
//         one for a call that has ended gets hangup (the proxy closes).
//       An LLM transfer intent (scripted rule or model tool call) hands
//         the caller to voice.transfer_number when one is set.
//   (llm_token, turn, token)       a token of a streamed reply, from the
//       LLM worker.
//   (tool_wait, turn)              the model of a streamed reply is about
//       to call an MCP tool, from the LLM worker: over relay and media the
//       caller hears voice.filler, once per turn, before the answer.
//   (snapshot) -> stored_call      the call's row and its turns in memory.
//   (idle, 0)                      from the ingress, now and then: a call
//       with no webhook for limits.call_idle_timeout_s (and no answer
//       owed to Twilio) ends as idle-timeout.
//   (deadline, turn)               internal turn deadline.
//   (ended)                        the ingress released the call: exit,
//       once every answer still owed (waiting for its write) is out.
//   (say, text, done_promise)         an operator's words: stored as an
//       assistant turn (model "operator") and spoken into the live call at
//       once through Twilio's REST API (the current TwiML is replaced by a
//       speech <Gather>, so the caller can answer).
//   (reload, config_ptr)           the reloaded settings, from now on.
// Whatever the call says is synthesised by the TTS pool (when one runs)
// and played from /audio/<id>.wav; if synthesis fails or takes longer than
// tts.timeout_ms the reply keeps its text and Twilio says it instead.
// When the call ends (terminal status, silence, idle) it sends (ended,
// call_sid) to its ingress and keeps answering (late webhooks are stored
// and acknowledged) until the ingress's (ended) arrives. The ingress takes
// the call out of its call_directory before it sends (ended), and the
// fronts send through the directory under its lock, so no webhook is ever
// sent to an actor that has already exited.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/llm.hpp"
#include "actors/messages.hpp"
#include "actors/store.hpp"
#include "actors/tts.hpp"
#include "actors/twilio.hpp"
#include "core/config.hpp"

namespace sb {

using call_actor = caf::typed_actor<
  caf::reacts_to<event_atom, call_event, voice_reply_promise>,
  caf::replies_to<snapshot_atom>::with<stored_call>,
  caf::reacts_to<idle_atom, uint64_t>, caf::reacts_to<deadline_atom, uint64_t>,
  caf::reacts_to<llm_token_atom, uint64_t, std::string>,
  caf::reacts_to<tool_wait_atom, uint64_t>, caf::reacts_to<ended_atom>,
  caf::reacts_to<say_atom, std::string, done_promise>,
  caf::reacts_to<reload_atom, config_ptr>>;

/// What a call actor reports to when it ends.
using call_ingress = caf::typed_actor<caf::reacts_to<ended_atom, std::string>>;

struct call_deps {
  store_actor store;
  llm_actor llm;
  twilio_actor twilio;
  call_ingress ingress;
  std::shared_ptr<const config> cfg;
  tts_actor tts; // invalid with tts.engine = "say"
  /// Turns a reply into TwiML, for replies sent through the REST API (the
  /// actors know no TwiML; the daemon passes its renderer).
  std::function<std::string(const voice_reply&, const config&)> render;
  instant_llm instant; // set: asked inline instead of `llm`
};

/// Spawns the actor for `initial.call.call_sid`, starting from `initial`
/// (a stored call when rebuilt after a restart, else just the sid).
call_actor spawn_call(caf::actor_system& sys, call_deps deps,
                      stored_call initial);

/// Status ordering used to ignore late or duplicate callbacks: queued <
/// initiated < ringing < in-progress < terminal.
int status_rank(const std::string& status);
bool is_terminal_status(const std::string& status);

} // namespace sb
