// The callers of bench/relay_latency: N threads, each playing whole calls
// one after another against a running switchboardd, timing every turn on
// steady_clock and reading the paced model's stamps out of what the
// daemon sends back (bench/paced_model.hpp). Both transports:
//   relay   POST /voice/inbound, open the <ConversationRelay> WebSocket,
//           setup, then per turn a prompt frame and the text frames of the
//           reply up to last:true; close (1000), POST the <Connect action>
//           (/voice/relay-done, SessionStatus=completed) and /call-status.
//   gather  POST /voice/inbound, then per turn a POST to the <Gather>
//           action (/voice/process-speech) answered with the whole reply
//           as TwiML; POST /call-status.
// Every wait is bounded (connect, each request, each frame); a call that
// fails anywhere is counted with its reason and its thread goes on with
// the next call. Blocking; threads mostly wait on their sockets.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace sb::bench {

/// One turn, in ns on steady_clock; -1 where it does not apply.
struct turn_sample {
  int64_t first_word_ns = -1;  // prompt sent -> first text frame (relay),
                               // -> TwiML (gather)
  int64_t whole_reply_ns = -1; // prompt sent -> last frame / TwiML
  int64_t first_share_ns = -1; // relay: first frame in - first-token stamp
  int64_t last_share_ns = -1;  // last frame / TwiML in - done stamp
};

struct caller_plan {
  std::string transport = "relay"; // relay | gather
  std::string base_url;            // http://127.0.0.1:PORT
  int callers = 1;
  int calls_per_caller = 3;
  int turns = 3; // prompts per call
  /// Caller i starts i * stagger / callers after the others: turns spread
  /// over the model's pace instead of all arriving at once.
  std::chrono::milliseconds stagger{0};
  /// Bounds connecting, each request, each send and each frame awaited.
  std::chrono::milliseconds timeout{15000};
};

struct level_result {
  std::vector<turn_sample> turns; // of the calls that completed
  int64_t calls_ok = 0;
  int64_t calls_failed = 0;
  std::vector<std::string> errors; // up to 5 distinct reasons
  double seconds = 0;              // wall time of the whole level
};

/// Runs `plan.callers` threads to the end of their calls and merges what
/// they measured.
/// REQUIRES: the daemon at plan.base_url runs with voice.transport =
/// plan.transport, signatures off, and a paced_model as its model.
level_result run_callers(const caller_plan& plan);

} // namespace sb::bench
