// One measured run of bench/media_bench: a fresh switchboardd with
// voice.transport = "media" and a generated config, either on the
// embedded stack (pocketsphinx, the scripted model, espeak-ng) or with
// the HTTP recogniser served by canned_stt and the model by paced_model
// (both in this process); `switchboard-sim load --transport media --json`
// against it as a child process; and what is read meanwhile and after:
// the daemon's RSS and live streams every 250 ms, its /metrics at the
// end, the `turns` table once it has stopped, and the CPU of the daemon,
// the simulator, this process and the rest of the machine. Blocking; one
// thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include "canned_stt.hpp"
#include "media_probe.hpp"
#include "paced_model.hpp"

namespace sb::bench {

/// What every run shares.
struct media_setup {
  std::string daemon;      // switchboardd (a private copy)
  std::string sim;         // switchboard-sim
  std::string script_path; // what every caller says (a sim script)
  paced_model_options pace;
  canned_stt_options stt;
  int sim_threads = 2;    // switchboard-sim load --threads
  int quiet_wait_s = 0;   // before each run, wait for an idle machine
  bool keep_dirs = false; // leave every daemon's directory in place
  std::string auth_token = "media-bench-token";
};

/// One run's shape.
struct media_scenario {
  bool embedded = true; // else the HTTP recogniser and the paced model
  int live = 1;         // calls live at once (the sim's --concurrency)
  int rounds = 1;       // calls each live slot plays one after another
  std::chrono::milliseconds ramp{0}; // the first `live` calls spread over
};

/// A spread the simulator reported, in ms.
struct sim_spread {
  int64_t count = 0;
  double p50 = 0, p95 = 0, p99 = 0, max = 0;
};

/// The simulator's --json line.
struct sim_figures {
  bool parsed = false;
  int64_t calls = 0, calls_ok = 0, calls_failed = 0;
  double wall_s = 0;
  int64_t replies = 0;
  sim_spread turn_gap, barge_in;
  int64_t interrupted = 0, no_clear = 0;
  int64_t playback_gaps = 0;
  double playback_gap_max_ms = 0;
  int64_t frames_sent = 0, late_frames = 0;
  std::map<std::string, int64_t> errors;
};

struct media_result {
  media_scenario scenario;
  std::string start_error; // the daemon or the simulator did not start
  sim_figures sim;
  int sim_exit = -1;
  double sim_cores = 0; // its CPU time / its wall time
  turn_parts turns;
  std::string db_error;
  /// Utterances the recogniser gave no text for (the daemon's log lines
  /// "recognition failed": timed out, refused, failed).
  int64_t stt_failures = 0;
  histogram_reading frame_lag;   // switchboard_media_frame_lag_seconds
  histogram_reading barge_in;    // switchboard_barge_in_seconds
  double daemon_late_frames = 0; // switchboard_media_late_frames_total
  double frames_in = 0;          // switchboard_media_frames_in_total
  double daemon_cores = 0, bench_cores = 0, other_cores = 0;
  /// The daemon's CPU by thread name over the simulator's run (cores).
  std::map<std::string, double> thread_cores;
  long rss_idle_kib = 0;
  long rss_peak_kib = 0; // the most at the most streams seen live
  int peak_streams = 0;  // switchboard_media_streams, sampled
  uint64_t model_requests = 0, stt_requests = 0;
  int daemon_exit = -1;
  std::string load_before;
  std::string kept_dir; // the daemon's directory, kept (failure or asked)
};

/// Runs `scenario` to the end. Never throws for a failed run: what went
/// wrong is in the result (start_error, sim_exit, daemon_exit, db_error).
media_result run_media_scenario(const media_setup& setup,
                                const media_scenario& scenario);

/// The config text of a run listening on 127.0.0.1:`port`, its files in
/// `dir`; `stt_url` and `model_url` are used when not embedded.
std::string
media_daemon_config(const media_setup& setup, const media_scenario& scenario,
                    int port, const std::string& dir,
                    const std::string& stt_url, const std::string& model_url);

/// Reads the simulator's --json line (the last line of `output` that
/// starts with '{'); parsed is false when there is none.
sim_figures read_sim_json(const std::string& output);

} // namespace sb::bench
