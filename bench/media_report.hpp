// What bench/media_bench prints: the turn gap and its parts per run, the
// barge-in reactions, the density steps with their verdicts, the goals
// as PASS/MISS, and notes (failed calls, exit statuses, kept
// directories). Pure formatting over the runs' results (and the density
// verdict, which the stepping also uses); writes to the FILE* given.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "media_run.hpp"

namespace sb::bench {

/// The goals' bounds.
struct media_goals {
  double daemon_share_p99_ms = 30; // at `share_level` calls
  int share_level = 100;
  double barge_in_p99_ms = 540; // media.barge_in_ms + 40
  double frame_lag_ms = 20;     // density: p99 of the inbound frames' lag
  double playback_gap_ms = 40;  // density: none longer inside a reply
  int density_calls = 1000;
};

/// Why a density step failed ("" when it passed): calls failed, frame
/// lag p99 at or over the bound, playback gaps, the daemon not started.
std::string density_failure(const media_result& r, const media_goals& g);

/// The simulator fell behind (late frames over 0.1 % of those sent):
/// its playback gaps and turn gaps are then suspect.
bool sim_fell_behind(const media_result& r);

/// Turn gap and parts, one row per run.
void print_turn_gaps(std::FILE* out, const std::vector<media_result>& runs);

/// Barge-in reactions, one row per run that had interrupted replies.
void print_barge_ins(std::FILE* out, const std::vector<media_result>& runs);

/// The density steps (the runs that are not embedded).
void print_density(std::FILE* out, const std::vector<media_result>& runs,
                   const media_goals& g);

/// The CPU (cores: CPU time / wall time while the calls ran) of the
/// daemon by thread name and in all, of the simulator, this process and
/// the rest of the machine, one row per run.
void print_cpu(std::FILE* out, const std::vector<media_result>& runs);

/// The goals; returns true when every one passed.
bool print_media_goals(std::FILE* out, const std::vector<media_result>& runs,
                       const media_goals& g);

/// Failed calls by kind, exit statuses, kept directories; "none".
void print_media_notes(std::FILE* out, const std::vector<media_result>& runs);

/// "embedded" or "HTTP STT + paced model".
std::string run_label(const media_result& r);

} // namespace sb::bench
