// What bench/media_bench reads off a running or stopped switchboardd:
// Prometheus text from GET /metrics (one value, or a histogram's buckets,
// and a quantile estimated from them the way Prometheus's
// histogram_quantile does), and the media timings of every assistant turn
// from the `turns` table of its SQLite file. Plain functions over text and
// files; no state.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <caf/expected.hpp>

namespace sb::bench {

/// One histogram family without labels, as /metrics printed it.
struct histogram_reading {
  /// (upper bound, observations at or below it), ascending; the last
  /// bound is +Inf.
  std::vector<std::pair<double, double>> buckets;
  double count = 0;
  double sum = 0;
};

/// The value of the sample `name` (no labels) in `text`, or -1.
double metric_value(const std::string& text, const std::string& name);

/// The buckets, count and sum of histogram `name` in `text` (empty if
/// absent).
histogram_reading read_histogram(const std::string& text,
                                 const std::string& name);

/// The `q` quantile (0..1) estimated from the buckets: linear inside the
/// bucket that holds it, the largest finite bound when it falls in +Inf;
/// -1 with no observations.
double histogram_quantile(const histogram_reading& h, double q);

/// The share (0..1) of observations at or below `bound`, which must be
/// one of the bucket bounds (exact there); -1 with no observations or no
/// such bound.
double share_at_or_below(const histogram_reading& h, double bound);

/// The assistant turns of media calls (turn_gap_ms set), in ms, and the
/// count of user turns. Each
/// vector is ascending; a part is left out where the daemon stored none.
struct turn_parts {
  std::vector<int64_t> gap;         // turn_gap_ms
  std::vector<int64_t> eot_wait;    // eot_wait_ms
  std::vector<int64_t> stt_tail;    // stt_tail_ms
  std::vector<int64_t> first_token; // first_token_ms
  std::vector<int64_t> tts_first;   // tts_first_audio_ms
  /// The daemon's own share: gap - eot_wait - stt_tail - first_token, for
  /// the turns that have all four.
  std::vector<int64_t> daemon_share;
  int64_t interrupted = 0; // replies the caller talked over
  int64_t user_turns = 0;  // what the caller said, as recognised
};

/// Reads `db_path` (read-only). Errors: errc::backend_failed naming the
/// file and SQLite's message.
caf::expected<turn_parts> read_turn_parts(const std::string& db_path);

} // namespace sb::bench
