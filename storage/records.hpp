// Rows of the database, as plain structs (no SQLite types). Column names in
// the schema match the field names. An empty string or nullopt field means
// "unknown": stored as NULL, and an upsert leaves the stored value as is.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sb {

struct call_row {
  std::string call_sid; // CA..., primary key
  std::string account_sid;
  std::string direction; // inbound | outbound-api | outbound-dial
  std::string from_number;
  std::string to_number;
  std::string status;      // Twilio CallStatus
  std::string answered_by; // AMD result
  std::string language;
  std::string voice;
  std::string started_at; // ISO-8601 UTC
  std::string answered_at;
  std::string ended_at;
  std::optional<int64_t> duration_s;
  std::string end_reason;
  /// Set when this daemon took the call over from a signed webhook of a
  /// call it had never seen (another node's, or before a lost database):
  /// when that was. Empty for calls that started here.
  std::string adopted_at;
  /// How the call was served: gather | relay | media (the transport it was
  /// answered with). Empty for calls never answered, and for calls stored
  /// before schema version 6.
  std::string transport;
};

/// One tool the model called while answering a turn, stored with that
/// assistant turn (table tool_calls, migration 7).
struct tool_call_row {
  int64_t idx = 0;       // 1, 2, ... within the turn, in the order called
  int64_t round = 0;     // the model round that asked for it, from 1
  std::string server;    // the [[llm.mcp_servers]] entry's name
  std::string name;      // the tool's name
  std::string arguments; // a JSON object's text, as the model sent it
  std::string result;    // what the model was given back; "" on error
  std::string error;     // why the call failed; "" when it succeeded
  int64_t ms = 0;        // asking the pool -> its answer or the failure
};

struct turn_row {
  std::string call_sid;
  int64_t seq = 0;                  // 1, 2, ... per call, unique with call_sid
  std::string role;                 // user | assistant
  std::string content;              // verbatim text (UTF-8)
  std::optional<double> confidence; // user turns: Twilio's Confidence
  std::string created_at;
  std::optional<int64_t> latency_ms; // assistant turns: total time to answer
  std::optional<int64_t> queue_ms;   // assistant: waiting for a model slot
  std::optional<int64_t> llm_ms;     // assistant: in the model
  std::optional<int64_t>
    first_token_ms;         // assistant, streamed: to the first token
  bool interrupted = false; // assistant: the caller talked over it;
                            // content is what was heard
  std::string model;        // assistant turns: what answered
  /// Assistant turns: the reply's audio as the caller heard it, by audio
  /// cache id (<Gather>: the one file, written once it is made; media: the
  /// heard clauses' ids, separated by spaces). User turns of a media call:
  /// the caller's utterance as a WAV file (only while
  /// media.keep_caller_audio is on).
  std::string audio;

  // Where the silence before a media call's reply went, on the assistant
  // turn whose gap it measures; the parts overlap rather than add up
  // exactly (recognition runs while the turn detector waits).
  /// The caller's last voiced frame -> the turn detector decided the
  /// turn had ended (about media.end_of_turn_ms).
  std::optional<int64_t> eot_wait_ms;
  /// The end of the caller's speech -> the recogniser's final text.
  std::optional<int64_t> stt_tail_ms;
  /// The reply's first clause handed to TTS -> its audio ready (<Gather>:
  /// the whole reply's audio, which latency_ms then includes).
  std::optional<int64_t> tts_first_audio_ms;
  /// The caller's last voiced frame -> our first outbound audio frame of
  /// the reply: the silence the caller heard.
  std::optional<int64_t> turn_gap_ms;
  /// Assistant turns: the tools the model called for this reply, by idx.
  std::vector<tool_call_row> tool_calls;
};

struct recording_row {
  std::string recording_sid; // RE..., primary key
  std::string call_sid;
  std::string url;
  std::string status;
  std::optional<int64_t> duration_s;
  std::optional<int64_t> channels;
  std::string created_at;
};

struct event_row {
  std::string call_sid; // may be empty for a malformed webhook
  std::string kind;     // route name: inbound, process-speech, ...
  std::string received_at;
  std::string payload; // raw webhook params as a JSON object
};

/// Everything one message asks to be written, applied in one transaction in
/// this order: events, calls (upsert), recordings (upsert), turns (insert).
struct write_batch {
  std::vector<event_row> events;
  std::vector<call_row> calls;
  std::vector<recording_row> recordings;
  std::vector<turn_row> turns;

  bool empty() const {
    return events.empty() && calls.empty() && recordings.empty()
           && turns.empty();
  }
};

/// A call as stored, with its turns in seq order: what a call actor is
/// rebuilt from after a restart.
struct stored_call {
  call_row call;
  std::vector<turn_row> turns;
};

} // namespace sb
