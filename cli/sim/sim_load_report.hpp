// How a load run is reported: a table for people (throughput, per-route
// latency percentiles in ms with microsecond resolution, errors by kind,
// the database check) and one JSON line with the same figures for the
// benchmark scripts. Pure formatting, no I/O.
#pragma once

#include <optional>
#include <string>

#include "cli/sim/sim_db_check.hpp"
#include "cli/sim/sim_load.hpp"

namespace sb {

/// The human-readable summary, several lines, each ending in '\n'. `db`
/// is the database check when one ran; `db_path` names its file.
std::string format_load_report(const load_options& opts,
                               const load_report& report,
                               const std::optional<db_check_result>& db,
                               const std::string& db_path);

/// The same as one JSON object on one line (no trailing newline). Keys:
/// calls, calls_ok, calls_failed, concurrency, turns_per_call, requests,
/// turns, wall_s, requests_per_s, turns_per_s, latency_ms (per route:
/// count, p50, p90, p99, max), errors (kind -> count), lost_turns (null
/// without a check) and db_error (absent unless the check failed to read).
std::string load_report_json(const load_options& opts,
                             const load_report& report,
                             const std::optional<db_check_result>& db);

/// True when the run was clean: no failed call, no lost turn, no check
/// error. The exit status is 0 exactly then.
bool load_clean(const load_report& report,
                const std::optional<db_check_result>& db);

} // namespace sb
