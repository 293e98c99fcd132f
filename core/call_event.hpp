// One event of a call, typed: what every front (a webhook, a
// ConversationRelay frame, and next a media stream) turns its input into
// before it reaches an actor. The fronts fill it through the pure mappings
// in twilio/call_events.hpp, the only place that reads Twilio's parameter
// and frame field names; the actors read these fields and nothing else.
// The request as received (`raw`) travels along only for the `events`
// table, the audit log that replays a call.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <caf/actor.hpp>

namespace sb {

/// What happened, and where it came from. The names (to_string) are the
/// `events.kind` column operators query: never rename one.
enum class event_kind : uint8_t {
  inbound,          // POST /voice/inbound: a call to our number
  outbound,         // POST /voice/outbound: the callee answered our call
  process_speech,   // POST /voice/process-speech: <Gather> result
  call_status,      // POST /call-status: status callback
  recording_status, // POST /recording-status
  amd_status,       // POST /amd-status: async answering-machine result
  await_turn,       // POST /voice/await?turn=N: Twilio back for a slow reply
  relay_done,       // POST /voice/relay-done: <Connect action> after a
                    // ConversationRelay session ended
  // Frames of a call's ConversationRelay WebSocket (app/relay_proxy):
  relay_open,      // setup, checked: the session is bound to the call
  relay_prompt,    // the caller's words
  relay_interrupt, // the caller talked over the reply
  relay_dtmf,      // a key pressed
  relay_error,     // Twilio reports an error of the session
  relay_closed,    // the WebSocket is gone
  media_done,      // POST /voice/media-done: <Connect action> after a
                   // media stream ended
  media_status,    // POST /voice/media-status: the stream's status
                   // callback (stream-started, -stopped, -error)
  // A call's Media Streams WebSocket (app/media_proxy): Twilio's frames,
  // and what the proxy heard in the caller's audio:
  media_open,     // start, checked: the stream is bound to the call
  media_turn,     // the caller's words, recognised (may be empty)
  media_heard,    // a mark came back: a clause of ours has played
  media_playing,  // the first audio of a reply went out (its timings)
  media_barge_in, // the caller talked over our reply: it was cleared
  media_dtmf,     // a key pressed
  media_silence,  // the caller has said nothing for reprompt_after_s
  media_stop,     // Twilio's stop: the stream is over
  media_closed,   // the WebSocket is gone
};

/// The event's name as stored in events.kind ("process-speech", ...).
const char* to_string(event_kind kind);

/// True for the events that come over a ConversationRelay WebSocket rather
/// than as a webhook.
bool is_relay_frame(event_kind kind);

/// True for the events that come over a Media Streams WebSocket.
bool is_media_frame(event_kind kind);

/// True for the requests Twilio answers with TwiML (the call waits for
/// what to do next), false for callbacks that only need acknowledging.
/// Relay frames count as TwiML: a hang-up closes their socket.
bool wants_twiml(event_kind kind);

/// What a request says about the call itself. An empty field was not said
/// and leaves what the call knows unchanged.
struct call_facts {
  std::string account_sid;
  std::string direction; // inbound, outbound-api, outbound-dial
  std::string from;      // E.164 as Twilio gives it
  std::string to;
  std::string status;      // queued ... in-progress, completed, busy ...
  std::string answered_by; // human, machine_start, fax, unknown ...
};

/// What the caller said or pressed.
struct caller_input {
  std::string speech;               // recognised words (may be empty)
  std::optional<double> confidence; // 0..1, when the recogniser gave one
  std::string language;             // BCP-47 the words were heard in, or ""
  bool last = true;                 // false: a piece, more words follow
  std::string digits;               // keys pressed
};

/// A status callback's details beyond the status itself.
struct status_details {
  std::optional<int64_t> sequence;   // orders the callbacks of one call
  std::optional<int64_t> duration_s; // of a call that ended
};

/// A recording callback.
struct recording_details {
  std::string recording_sid;
  std::string url;
  std::string status; // in-progress, completed, absent ...
  std::optional<int64_t> duration_s;
  std::optional<int64_t> channels;
};

/// What a ConversationRelay frame or its session's end says.
struct relay_details {
  std::string session_id;          // relay_open
  std::string heard;               // relay_interrupt: the reply up to the
                                   // point the caller talked over it
  std::optional<int64_t> heard_ms; // relay_interrupt: how long it played
  std::string description;         // relay_error
  std::string reason;              // relay_closed: why the socket went
  std::string session_status;      // relay_done: completed, failed ...
  std::string handoff;             // relay_done: what our `end` frame
                                   // asked for: "transfer", "goodbye", ""
};

/// What a media stream's frame, its status callback or the proxy's
/// hearing says. Times in ms; -1 where not measured.
struct media_details {
  std::string stream_sid;
  uint64_t generation = 0;  // heard, playing, barge_in: the reply
  uint32_t clause = 0;      // heard: the clause whose mark came back
  std::string audio_id;     // heard: that clause's audio (audio cache id)
  int64_t eot_wait_ms = -1; // turn: last voiced frame -> end of turn
  int64_t stt_tail_ms = -1; // turn: end of speech -> text
  std::string audio_path;   // turn: the utterance's WAV (keep_caller_audio)
  int64_t turn_gap_ms = -1; // playing: last voiced frame -> first audio out
  int64_t tts_first_audio_ms = -1; // playing: first clause -> its audio
  int64_t reaction_ms = -1;        // barge_in: speech start -> clear sent
  std::string stream_event;        // media_status: stream-started ...
  std::string stream_error;        // media_status: StreamError
  std::string reason;              // closed: why the socket went
};

struct call_event {
  event_kind kind = event_kind::inbound;
  std::string call_sid;
  std::string received_at; // ISO-8601 UTC
  /// Proven to come from Twilio: the webhook's X-Twilio-Signature, or the
  /// relay socket's signed per-call token, checked. False with
  /// twilio.validate_signatures off. Only an authenticated event may
  /// bring in a call this daemon has never seen (ingress.hpp).
  bool authenticated = false;
  /// Twilio's I-Twilio-Idempotency-Token, equal on retries, or "".
  std::string idempotency_token;
  /// A digest of the request as received (route, ?turn=, every
  /// parameter): equal for a retry of the same webhook. 0 for frames.
  uint64_t request_digest = 0;
  int64_t turn = 0; // await_turn: the turn asked for
  call_facts call;
  caller_input input;
  status_details status;
  recording_details recording;
  relay_details relay;
  /// The parameters as received (the same type as net/text's
  /// form_params), for the event log only.
  std::vector<std::pair<std::string, std::string>> raw;
  /// relay_open/closed and the frames: the proxy actor of the WebSocket;
  /// it takes relay_peer's messages (actors/relay_peer.hpp). Local only:
  /// never serialised.
  caf::actor relay_peer{};
  media_details media;
  /// media_open and the frames after it: the proxy actor of the stream;
  /// it takes media_peer's messages (actors/media_peer.hpp). Local only.
  caf::actor media_peer{};
};

} // namespace sb
