// The figures of a media load run: what one call's conversation measured
// (from its events), their sum over the run, and the report in two forms,
// an aligned table for people and one JSON line for scripts. Pure, no I/O.
#pragma once

#include <string>
#include <vector>

#include "cli/sim/media_conversation.hpp"
#include "cli/sim/sim_media_load.hpp"

namespace sb {

/// One call's figures from its conversation's events: every reply, its
/// turn gap (or, with no caller input before it, its gap from the
/// stream's start, as a greeting), its playback gaps over
/// opts.playback_gap, and for interrupted replies the barge-in reaction
/// or a no-clear. Calls, frames and errors are left at zero.
media_load_report call_figures(const std::vector<media_event>& events,
                               const media_conversation_options& opts);

/// Adds `one` (a call's figures, or a part of a run) to `into`; wall_s is
/// left alone.
void add_figures(media_load_report& into, const media_load_report& one);

/// The human-readable summary, several lines each ending in '\n':
/// calls ok and failed, wall time, replies, turn gap and greeting gap
/// percentiles (p50, p95, p99, max in ms), the barge-in reaction when any
/// reply was interrupted, playback gaps, late frames, errors by kind.
std::string format_media_load_report(const media_load_options& opts,
                                     const media_load_report& report);

/// The same as one JSON object on one line (no trailing newline). Keys:
/// transport ("media"), calls, calls_ok, calls_failed, concurrency,
/// wall_s, replies, turn_gap_ms, greeting_ms and barge_in_ms (each
/// {count, p50, p95, p99, max}), interrupted, no_clear, playback_gaps,
/// playback_gap_max_ms, frames_sent, late_frames, errors (kind -> count).
std::string media_load_report_json(const media_load_options& opts,
                                   const media_load_report& report);

/// True when every call went through; the exit status is 0 exactly then.
bool media_load_clean(const media_load_report& report);

} // namespace sb
