// Every message type the actors exchange: atoms, plain structs with an
// inspect() overload (so CAF can serialise them when pools move to other
// hosts), and the local-only reply promises. Also the CAF type-ID block; the
// daemon registers it with cfg.add_message_types<caf::id_block::switchboard>().
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/meta/load_callback.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/type_id.hpp>

#include "backends/stt/utterance_feed.hpp"
#include "core/call_event.hpp"
#include "core/chat.hpp"
#include "core/config.hpp"
#include "core/reply_promise.hpp"
#include "net/text/form.hpp"
#include "storage/records.hpp"

namespace sb {

/// What the transport should do next; TwiML or WebSocket frames are made
/// from it outside the actors.
enum class reply_action : uint8_t {
  listen,   // speak `text` (if any), then listen for the caller
  hangup,   // speak `text` (if any), then end the call
  ack,      // a callback: acknowledge, nothing to say
  wait,     // the reply is not ready: say `text` (a filler), then come
            // back for turn `await_turn` (/voice/await?turn=N)
  relay,    // hand the call to a ConversationRelay WebSocket; `text` is
            // its welcome greeting (may be empty, e.g. on a reconnect)
  media,    // hand the call to a Media Streams WebSocket (<Connect>
            // <Stream>); the greeting, if any, is spoken into the stream
  transfer, // say `text` (if any), then <Dial> `dial_to`
};

struct voice_reply {
  reply_action action = reply_action::listen;
  std::string text;
  std::string language;
  std::string voice;
  int64_t await_turn = 0;
  std::string audio_url; // non-empty: play this instead of saying text
  std::string dial_to;   // transfer: the number to connect the caller to
};

struct llm_request {
  std::string call_sid;
  std::string language;              // the call's language, e.g. hi-IN
  std::string caller;                // the caller's number
  std::vector<chat_message> history; // oldest first; the last is the caller's
  bool offer_transfer = false;       // the model may ask to transfer the call
  // The model may end the call (its end_call tool); a real-model pool
  // offers it only where llm.end_call_tool is also set.
  bool offer_end_call = true;
};

struct llm_reply {
  std::string text;
  bool end_call = false;      // a goodbye intent: say text, then hang up
  std::string model;          // what produced it (stored in turns.model)
  int64_t queue_ms = 0;       // waiting for a free model slot
  int64_t llm_ms = 0;         // in the model
  bool transfer = false;      // a transfer intent: hand the caller to a person
  int64_t first_token_ms = 0; // model start to its first token (streamed)
  /// The MCP tools the model called on the way to this answer (at most
  /// llm.max_tool_rounds rounds), each with its result or error.
  std::vector<tool_call_row> tool_calls;
};

/// How a streamed generation reaches the one who asked, token by token,
/// and how that one stops it. Local only (it holds a function).
struct llm_stream {
  /// Called once per token, in order, on the worker's thread, before the
  /// reply is delivered. Must not block (it sends a message).
  std::function<void(std::string token)> on_token;
  /// Set to stop the generation: the worker closes the model's stream,
  /// no further token is delivered, and the request fails.
  std::shared_ptr<std::atomic<bool>> cancel;
  /// Called once per request, on the worker's thread, just before the
  /// first MCP tool call runs (the caller may say a filler meanwhile).
  /// May be empty. Must not block (it sends a message).
  std::function<void()> on_tool_wait;
};

/// Text to synthesise for a call speaking `language`.
struct tts_request {
  std::string text;
  std::string language; // BCP-47, e.g. hi-IN: picks the voice
};

/// Synthesised phone audio, stored in the audio cache under `id`.
struct tts_audio {
  std::string id;      // 64 hex digits: /audio/<id>.wav
  bool cached = false; // found in the cache, nothing synthesised
  int64_t synth_ms = 0;
};

/// One utterance's text from the speech-recognition pool (actors/stt.hpp).
struct stt_result {
  std::string text;           // empty: nothing recognisable was said
  double confidence = -1;     // 0..1 where the engine gives one, else -1
  std::string language;       // as the engine reports it, or the one asked for
  std::string engine;         // "pocketsphinx" or the endpoint's URL
  bool fallback = false;      // pocketsphinx stood in for the HTTP endpoints
  int64_t queue_ms = 0;       // waiting for a worker
  int64_t recognition_ms = 0; // from the worker's start to the text
  int64_t tail_ms = 0;        // from the end of speech to the text
};

struct ingress_stats {
  int64_t live_calls = 0;
  int64_t calls_total = 0;
  int64_t calls_rejected = 0; // turned away at max_calls or while draining
  bool draining = false;      // new inbound calls hear the busy message
};

/// A configuration swapped in by a reload; shared, never changed.
using config_ptr = std::shared_ptr<const config>;

/// What /make-call asked for: E.164 numbers, already validated.
struct dial_request {
  std::string to;
  std::string from;
};

/// The answer to a dial: the new call's SID and Twilio's status, or why it
/// failed (errc::bad_request, unauthorized, overloaded, backend_failed).
struct dial_outcome {
  std::string call_sid;
  std::string status;
  caf::error error;
};

using voice_reply_promise = reply_promise<voice_reply>;
using dial_promise = reply_promise<dial_outcome>;
/// An operator command's outcome: empty when done, else why it was not.
using done_promise = reply_promise<std::string>;
using stats_promise = reply_promise<ingress_stats>;
using calls_promise = reply_promise<std::vector<stored_call>>;

// -- inspect overloads --------------------------------------------------------

/// CAF 0.17 cannot inspect std::optional; this proxy writes it as
/// (has_value, value) and restores it after loading.
template <class T>
struct optional_field {
  std::optional<T>& ref;
};

template <class Inspector, class T>
typename Inspector::result_type inspect(Inspector& f, optional_field<T>& x) {
  bool has = x.ref.has_value();
  T value = has ? *x.ref : T{};
  auto restore = caf::meta::load_callback([&]() -> caf::error {
    if (has)
      x.ref = value;
    else
      x.ref.reset();
    return caf::none;
  });
  return f(has, value, restore);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, call_facts& x) {
  return f(caf::meta::type_name("call_facts"), x.account_sid, x.direction,
           x.from, x.to, x.status, x.answered_by);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, caller_input& x) {
  optional_field<double> confidence{x.confidence};
  return f(caf::meta::type_name("caller_input"), x.speech, confidence,
           x.language, x.last, x.digits);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, status_details& x) {
  optional_field<int64_t> sequence{x.sequence};
  optional_field<int64_t> duration{x.duration_s};
  return f(caf::meta::type_name("status_details"), sequence, duration);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, recording_details& x) {
  optional_field<int64_t> duration{x.duration_s};
  optional_field<int64_t> channels{x.channels};
  return f(caf::meta::type_name("recording_details"), x.recording_sid, x.url,
           x.status, duration, channels);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, relay_details& x) {
  optional_field<int64_t> heard_ms{x.heard_ms};
  return f(caf::meta::type_name("relay_details"), x.session_id, x.heard,
           heard_ms, x.description, x.reason, x.session_status, x.handoff);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, media_details& x) {
  return f(caf::meta::type_name("media_details"), x.stream_sid, x.generation,
           x.clause, x.audio_id, x.eot_wait_ms, x.stt_tail_ms, x.audio_path,
           x.turn_gap_ms, x.tts_first_audio_ms, x.reaction_ms, x.stream_event,
           x.stream_error, x.reason);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, call_event& x) {
  // relay_peer and media_peer are local actor handles and are left out.
  return f(caf::meta::type_name("call_event"), x.kind, x.call_sid,
           x.received_at, x.authenticated, x.idempotency_token,
           x.request_digest, x.turn, x.call, x.input, x.status, x.recording,
           x.relay, x.raw, x.media);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, voice_reply& x) {
  return f(caf::meta::type_name("voice_reply"), x.action, x.text, x.language,
           x.voice, x.await_turn, x.audio_url, x.dial_to);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, dial_request& x) {
  return f(caf::meta::type_name("dial_request"), x.to, x.from);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, chat_tool_call& x) {
  return f(caf::meta::type_name("chat_tool_call"), x.id, x.name, x.arguments);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, tool_call_row& x) {
  return f(caf::meta::type_name("tool_call_row"), x.idx, x.round, x.server,
           x.name, x.arguments, x.result, x.error, x.ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, chat_message& x) {
  return f(caf::meta::type_name("chat_message"), x.role, x.content,
           x.tool_calls, x.tool_call_id, x.tool_name);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, llm_request& x) {
  return f(caf::meta::type_name("llm_request"), x.call_sid, x.language,
           x.caller, x.history, x.offer_transfer, x.offer_end_call);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, llm_reply& x) {
  return f(caf::meta::type_name("llm_reply"), x.text, x.end_call, x.model,
           x.queue_ms, x.llm_ms, x.transfer, x.first_token_ms, x.tool_calls);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, tts_request& x) {
  return f(caf::meta::type_name("tts_request"), x.text, x.language);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, tts_audio& x) {
  return f(caf::meta::type_name("tts_audio"), x.id, x.cached, x.synth_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stt_result& x) {
  return f(caf::meta::type_name("stt_result"), x.text, x.confidence, x.language,
           x.engine, x.fallback, x.queue_ms, x.recognition_ms, x.tail_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ingress_stats& x) {
  return f(caf::meta::type_name("ingress_stats"), x.live_calls, x.calls_total,
           x.calls_rejected, x.draining);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, call_row& x) {
  optional_field<int64_t> duration{x.duration_s};
  return f(caf::meta::type_name("call_row"), x.call_sid, x.account_sid,
           x.direction, x.from_number, x.to_number, x.status, x.answered_by,
           x.language, x.voice, x.started_at, x.answered_at, x.ended_at,
           duration, x.end_reason, x.adopted_at, x.transport);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, turn_row& x) {
  optional_field<double> confidence{x.confidence};
  optional_field<int64_t> latency{x.latency_ms};
  optional_field<int64_t> queue{x.queue_ms};
  optional_field<int64_t> llm{x.llm_ms};
  optional_field<int64_t> first_token{x.first_token_ms};
  optional_field<int64_t> eot_wait{x.eot_wait_ms};
  optional_field<int64_t> stt_tail{x.stt_tail_ms};
  optional_field<int64_t> tts_first_audio{x.tts_first_audio_ms};
  optional_field<int64_t> turn_gap{x.turn_gap_ms};
  return f(caf::meta::type_name("turn_row"), x.call_sid, x.seq, x.role,
           x.content, confidence, x.created_at, latency, x.model, x.audio,
           queue, llm, first_token, x.interrupted, eot_wait, stt_tail,
           tts_first_audio, turn_gap, x.tool_calls);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, recording_row& x) {
  optional_field<int64_t> duration{x.duration_s};
  optional_field<int64_t> channels{x.channels};
  return f(caf::meta::type_name("recording_row"), x.recording_sid, x.call_sid,
           x.url, x.status, duration, channels, x.created_at);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, event_row& x) {
  return f(caf::meta::type_name("event_row"), x.call_sid, x.kind, x.received_at,
           x.payload);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, write_batch& x) {
  return f(caf::meta::type_name("write_batch"), x.events, x.calls, x.recordings,
           x.turns);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stored_call& x) {
  return f(caf::meta::type_name("stored_call"), x.call, x.turns);
}

} // namespace sb

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sb::voice_reply_promise)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sb::stats_promise)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sb::calls_promise)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sb::dial_promise)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sb::done_promise)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sb::config_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sb::llm_stream)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sb::utterance_ptr)

CAF_BEGIN_TYPE_ID_BLOCK(switchboard, caf::first_custom_type_id)
  CAF_ADD_TYPE_ID(switchboard, (sb::call_event))
  CAF_ADD_TYPE_ID(switchboard, (sb::voice_reply))
  CAF_ADD_TYPE_ID(switchboard, (sb::chat_message))
  CAF_ADD_TYPE_ID(switchboard, (sb::llm_request))
  CAF_ADD_TYPE_ID(switchboard, (sb::llm_reply))
  CAF_ADD_TYPE_ID(switchboard, (sb::ingress_stats))
  CAF_ADD_TYPE_ID(switchboard, (sb::write_batch))
  CAF_ADD_TYPE_ID(switchboard, (sb::stored_call))
  CAF_ADD_TYPE_ID(switchboard, (sb::dial_request))
  CAF_ADD_TYPE_ID(switchboard, (sb::tts_request))
  CAF_ADD_TYPE_ID(switchboard, (sb::tts_audio))
  CAF_ADD_TYPE_ID(switchboard, (sb::stt_result))
CAF_END_TYPE_ID_BLOCK(switchboard)

namespace sb {

using event_atom = caf::atom_constant<caf::atom("event")>;
using persist_atom = caf::atom_constant<caf::atom("persist")>;
using flush_atom = caf::atom_constant<caf::atom("flush")>;
using load_atom = caf::atom_constant<caf::atom("load")>;
using generate_atom = caf::atom_constant<caf::atom("generate")>;
using snapshot_atom = caf::atom_constant<caf::atom("snapshot")>;
using sessions_atom = caf::atom_constant<caf::atom("sessions")>;
using session_atom = caf::atom_constant<caf::atom("session")>;
using stats_atom = caf::atom_constant<caf::atom("stats")>;
using ended_atom = caf::atom_constant<caf::atom("ended")>;
using idle_atom = caf::atom_constant<caf::atom("idle")>;
using deadline_atom = caf::atom_constant<caf::atom("deadline")>;
using speak_atom = caf::atom_constant<caf::atom("speak")>;
using drain_atom = caf::atom_constant<caf::atom("drain")>;
using reload_atom = caf::atom_constant<caf::atom("reload")>;
using say_atom = caf::atom_constant<caf::atom("say")>;
using hangup_atom = caf::atom_constant<caf::atom("hangup")>;
using sweep_atom = caf::atom_constant<caf::atom("sweep")>;
using stream_atom = caf::atom_constant<caf::atom("stream")>;
using llm_token_atom = caf::atom_constant<caf::atom("llmtoken")>;
using tool_wait_atom = caf::atom_constant<caf::atom("toolwait")>;
using recognize_atom = caf::atom_constant<caf::atom("recognize")>;

} // namespace sb
