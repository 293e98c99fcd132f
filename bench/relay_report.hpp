// What bench/relay_latency prints: one row per (transport, callers) run
// with the percentiles of its turns, the CPU the daemon and everything
// else used meanwhile, the goal (relay's daemon share under a bound at
// p99) as PASS/FAIL, and the raw samples as CSV. Pure formatting over
// the runs' results; writes to the FILE* given.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "bench_callers.hpp"

namespace sb::bench {

struct run_row {
  std::string transport;
  int callers = 0;
  level_result result;
  level_result warmup;     // one call before the measured ones
  int daemon_exit = -1;    // after SIGTERM; -1: killed or never started
  std::string start_error; // the daemon did not start (no result then)
  double daemon_cores = 0; // its CPU time / wall time, during the callers
  double bench_cores = 0;  // this process (callers and model server)
  double other_cores = 0;  // the rest of the machine
  uint64_t model_requests = 0;
  uint64_t model_cut = 0;  // streams the daemon closed before the end
  std::string load_before; // /proc/loadavg's first three fields
  std::string kept_dir;    // the daemon's directory, kept after a failure
};

/// The Markdown table of all runs.
void print_runs(std::FILE* out, const std::vector<run_row>& rows);

/// The goal table, one line per relay run: PASS when the first frame's
/// daemon share has p99 < `goal_ms` and no call failed. Returns true if
/// every line passed (and there was at least one).
bool print_goals(std::FILE* out, const std::vector<run_row>& rows,
                 double goal_ms);

/// Errors, early-closed model streams, daemon exits and kept directories,
/// as a list; "none" when there is nothing to say.
void print_notes(std::FILE* out, const std::vector<run_row>& rows);

/// The header line of the raw samples' CSV.
void print_csv_header(std::FILE* out);

/// One CSV line per turn of `row`, in ns ("" where not applicable).
void print_csv(std::FILE* out, const run_row& row);

} // namespace sb::bench
