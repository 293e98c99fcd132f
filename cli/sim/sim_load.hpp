// switchboard-sim load: many calls at once against a running daemon, the
// way Twilio's many webhook clients would hit it. One process, one
// io_context (run by one or more threads), asynchronous Beast HTTP: every
// live call has its own keep-alive TCP connection, at most `concurrency`
// calls are live at once, `calls` calls in all. Each call: the answered
// webhook, `turns` speech results (English and Hindi that never end the
// call, <Redirect>s followed), then the completed status callback. Every
// request is signed like single-call mode and timed per route.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "cli/sim/latency_stats.hpp"
#include "cli/sim/sim_call.hpp"
#include "cli/sim/sim_db_check.hpp"

namespace sb {

struct load_options {
  /// gather: run_load() below; media: run_media_load()
  /// (cli/sim/sim_media_load.hpp). Never relay.
  sim_transport transport = sim_transport::gather;
  std::string base_url = "http://127.0.0.1:8000"; // http://HOST:PORT only
  std::string public_url; // what signatures cover; empty = base_url
  std::string auth_token; // empty = unsigned
  std::string account_sid = "AC00000000000000000000000000000000";
  std::string from = "+14155550100";
  std::string to = "+14155550199";
  int calls = 100;
  int concurrency = 10;
  /// The first `concurrency` calls start evenly spread over this, rather
  /// than all at the same moment; 0: all at once.
  std::chrono::milliseconds ramp{0};
  int turns = 3;
  int threads = 1;          // threads running the io_context
  bool outbound = false;    // /voice/outbound instead of /voice/inbound
  bool complete = true;     // end each call with CallStatus=completed
  bool fetch_audio = false; // GET every <Play> URL, check it is WAV
  int max_redirects = 10;   // per turn
  std::chrono::milliseconds timeout{15000}; // per request, connect included
};

struct load_report {
  int64_t calls_ok = 0; // every step answered as expected
  int64_t calls_failed = 0;
  int64_t requests = 0; // answered with any HTTP status
  int64_t turns_ok = 0; // process-speech answered 200
  double wall_s = 0;
  latency_stats latency;                 // per route, answered requests
  std::map<std::string, int64_t> errors; // by kind: "HTTP 403", "timeout"...
  std::vector<sent_call> sent; // per call: the utterances answered 200
};

/// The utterance of `turn` (0-based) in call number `call`: a rotation of
/// English and Hindi phrases, none of which ends a call.
const std::string& load_utterance(int64_t call, int turn);

/// Raises RLIMIT_NOFILE's soft limit to its hard limit (thousands of
/// sockets); returns the soft limit now in force.
uint64_t raise_open_files_limit();

/// Runs the load to the end. Errors: errc::bad_request for a URL this
/// runner cannot use, errc::backend_failed if the host does not resolve.
/// Failed calls are not errors: they are counted in the report.
caf::expected<load_report> run_load(const load_options& opts);

} // namespace sb
