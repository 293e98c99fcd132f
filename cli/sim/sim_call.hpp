// Plays one phone call against a running daemon the way Twilio would: the
// answered-call webhook, then the caller's script (speech with its
// confidence, silence, DTMF digits, pauses) against each <Gather>, running
// the TwiML verbs in order: following <Redirect>s, fetching every <Play>
// URL (it must be a WAV file), stopping at <Hangup/>; optionally the status
// callbacks, an asynchronous AMD result and a recording callback; finally
// the completed status callback. Used by switchboard-sim and by the
// end-to-end tests.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/sim/sim_script.hpp"
#include "net/client/http_client.hpp"

namespace sb {

/// How the conversation travels: <Gather> webhooks (play_script), a
/// ConversationRelay WebSocket (play_relay_script, cli/sim/sim_relay.hpp)
/// or a Media Streams WebSocket (play_media_script, cli/sim/sim_media.hpp).
enum class sim_transport { gather, relay, media };

struct sim_call_options {
  sim_transport transport = sim_transport::gather;
  std::string base_url = "http://127.0.0.1:8000"; // where the daemon listens
  std::string public_url; // what the daemon calls itself (its
                          // server.public_url); empty = base_url
  std::string auth_token; // sign requests like Twilio; empty = unsigned
  std::string call_sid;   // empty = random CA...
  std::string account_sid = "AC00000000000000000000000000000000";
  std::string from = "+14155550100";
  std::string to = "+14155550199";
  bool outbound = false;      // /voice/outbound (REST-created) vs inbound
  std::string answered_by;    // outbound: AnsweredBy (human, machine_start...)
  double confidence = 0.92;   // for speech that names none
  int max_redirects = 10;     // per turn, as Twilio bounds redirect loops
  bool send_completed = true; // finish with CallStatus=completed
  // Every status callback Twilio sends when all events are subscribed
  // (outbound: initiated, ringing, in-progress, completed; inbound, where a
  // number's callback only ever gets completed: completed), each with its
  // SequenceNumber, Timestamp and CallbackSource; completed with
  // CallDuration and Duration. Off: completed with CallDuration only.
  bool status_callbacks = false;
  bool recording = false; // after the call: a completed recording
                          // callback to /recording-status
  std::string amd_result; // outbound: post AnsweredBy=this to
                          // /amd-status after the answer (async AMD)
};

struct sim_line {
  std::string speaker; // "caller" | "assistant" | "twilio"
  std::string text;
  double latency_ms = -1; // assistant: ms until the TwiML arrived (first
                          // line of a reply); twilio: the callback's ms
  std::string note;       // e.g. "confidence 0.55"; empty = none
};

struct sim_result {
  std::string call_sid;
  std::vector<sim_line> transcript; // callbacks appear only when opted in
  bool hung_up = false;     // the daemon's side ended the call: <Hangup/>,
                            // or the TwiML ran out after a silence
  int turns_sent = 0;       // speech, silence and digits results posted
  double completed_ms = -1; // the plain completed callback's ms (-1: not
                            // sent, or in the transcript)
  std::string error;        // empty on success
};

/// The playing time of a WAV file, or nullopt if `wav` is not one.
std::optional<double> wav_seconds(std::string_view wav);

/// A fresh Twilio-shaped call SID: "CA" + 32 lower-case hex digits.
std::string random_call_sid();

/// Plays the call. Never throws; protocol or HTTP failures end the call
/// early and are described in result.error.
sim_result play_script(http_client& client, const sim_call_options& opts,
                       const std::vector<sim_step>& steps);

/// play_script() where the caller says each utterance in turn.
sim_result play_call(http_client& client, const sim_call_options& opts,
                     const std::vector<std::string>& utterances);

} // namespace sb
