// switchboard-sim load --transport media: many Media Streams calls at
// once against a running daemon, each playing the same prepared script
// (cli/sim/media_script.hpp: synthesised once, shared read-only by every
// call) the way a single call with --transport media does. One process,
// one io_context (run by one or more threads), asynchronous Beast: per
// live call a keep-alive HTTP connection for its webhooks, its WebSocket,
// and one timer that fires when the next frame is due; no thread per
// call. The report: turn gaps, barge-in reactions, playback gaps inside
// replies, the caller frames that went out late, calls completed and
// failed by kind.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "cli/sim/media_conversation.hpp"
#include "cli/sim/media_script.hpp"
#include "cli/sim/sim_load.hpp"

namespace sb {

struct media_load_options {
  /// calls, concurrency, threads, the daemon's URLs, the token, the
  /// numbers, outbound, complete and the per-request timeout, as for a
  /// load over <Gather> (turns and fetch_audio are not used).
  load_options load;
  /// What every caller does. REQUIRES: not null.
  std::shared_ptr<const media_script> script;
  std::chrono::milliseconds reply_quiet{1200};
  media_conversation_options conversation;
};

/// What a run (or one call of it) measured; times in microseconds.
struct media_load_report {
  int64_t calls_ok = 0;
  int64_t calls_failed = 0;
  double wall_s = 0;
  int64_t replies = 0;
  std::vector<int64_t> turn_gap_us; // replies after the caller's input
  std::vector<int64_t> greeting_us; // first replies, from the stream start
  std::vector<int64_t> barge_in_us; // interrupted replies that were cleared
  int64_t interrupted = 0;          // replies an interrupt line talked over
  int64_t no_clear = 0;             // of them, not cleared within 3 s
  int64_t playback_gaps = 0;        // gaps over 40 ms inside replies
  int64_t playback_gap_max_us = 0;
  int64_t frames_sent = 0; // the callers' media frames
  int64_t late_frames = 0; // of them, sent over a frame period late
  std::map<std::string, int64_t> errors; // failed calls by kind
};

/// The script of a media load run when none is given: two short English
/// sentences, none of which ends a call.
std::vector<sim_step> default_media_load_steps();

/// Runs the load to the end. Errors: errc::bad_request for a URL this
/// runner cannot use, errc::backend_failed if the host does not resolve.
/// Failed calls are not errors: they are counted in the report.
caf::expected<media_load_report> run_media_load(const media_load_options& opts);

} // namespace sb
