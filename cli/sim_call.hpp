// Plays one phone call against a running daemon the way Twilio would: the
// answered-call webhook, one <Gather> speech result per utterance, following
// <Redirect>s, fetching every <Play> URL (it must be a WAV file), stopping
// at <Hangup/>, then the final status callback. Used
// by switchboard-sim and by the end-to-end tests.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/http_client.hpp"

namespace sb {

struct sim_call_options {
  std::string base_url = "http://127.0.0.1:8000"; // where the daemon listens
  std::string public_url;      // what the daemon calls itself (its
                               // server.public_url); empty = base_url
  std::string auth_token;      // sign requests like Twilio; empty = unsigned
  std::string call_sid;                           // empty = random CA...
  std::string account_sid = "AC00000000000000000000000000000000";
  std::string from = "+14155550100";
  std::string to = "+14155550199";
  bool outbound = false;       // /voice/outbound (REST-created) vs inbound
  std::string answered_by;     // outbound: AnsweredBy (human, machine_start...)
  double confidence = 0.92;
  int max_redirects = 10;      // per turn, as Twilio bounds redirect loops
  bool send_completed = true;  // finish with CallStatus=completed
};

struct sim_line {
  std::string speaker;         // "caller" | "assistant"
  std::string text;
  long latency_ms = -1;        // assistant: ms until the TwiML arrived (first line of a reply)
};

struct sim_result {
  std::string call_sid;
  std::vector<sim_line> transcript;
  bool hung_up = false;        // the daemon ended the call with <Hangup/>
  int turns_sent = 0;          // speech results posted
  std::string error;           // empty on success
};

/// The playing time of a WAV file, or nullopt if `wav` is not one.
std::optional<double> wav_seconds(std::string_view wav);

/// A fresh Twilio-shaped call SID: "CA" + 32 lower-case hex digits.
std::string random_call_sid();

/// Plays the call. Never throws; protocol or HTTP failures end the call
/// early and are described in result.error.
sim_result play_call(http_client& client, const sim_call_options& opts,
                     const std::vector<std::string>& utterances);

} // namespace sb
