// What the operator console reads from the database: the call list with its
// per-call aggregates and keyset pagination, the KPI strip, one call's
// detail, transcript search (FTS5, migration 6), and hourly statistics.
// Plain functions over a connection the caller owns; they only read, so
// they run on the console's read-only connection (storage/console_reader.hpp)
// and never on the writer's. Percentiles are computed here in C++: SQLite
// 3.40 has no median or percentile function.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "storage/records.hpp"

struct sqlite3;

namespace sb {

/// The list's filters, as the console's URL carries them. Empty = any.
struct call_filter {
  std::string since;     // started_at >= since (ISO-8601 UTC prefix works)
  std::string until;     // started_at <  until
  std::string direction; // inbound | outbound (outbound-api, outbound-dial)
  std::string status;    // calls.status, or "live" (ended_at IS NULL)
  std::string number;    // matches from_number or to_number, substring
  std::string transport; // gather | relay | media
};

/// Keyset position in the list, newest first: the last row's
/// (started_at, call_sid). Empty = from the newest.
struct call_cursor {
  std::string started_at;
  std::string call_sid;
  bool empty() const {
    return call_sid.empty();
  }
};

/// One row of the call list.
struct call_summary {
  call_row call;
  int64_t turns = 0;                      // user + assistant turns
  std::optional<int64_t> latency_mean_ms; // over assistant turns
  std::optional<int64_t> latency_max_ms;
  int64_t interruptions = 0; // assistant turns with interrupted = 1
};

struct call_page {
  std::vector<call_summary> calls;
  /// Where the next page starts; empty when this page is the last.
  call_cursor next;
};

/// The KPI strip over every call the filter matches.
struct call_kpis {
  int64_t calls = 0;
  int64_t answered = 0; // answered_at set, or status in-progress/completed
  std::optional<double> mean_duration_s;
  std::optional<int64_t> latency_p50_ms; // over their assistant turns
  std::optional<int64_t> latency_p95_ms;
  int64_t live_now = 0; // matching calls with no ended_at
};

/// One call as the detail page shows it.
struct call_detail {
  stored_call stored; // the call and its turns, by seq, with tool calls
  std::vector<recording_row> recordings;
  std::vector<int64_t> event_ids; // parallel to events: events.id
  std::vector<event_row> events;  // in id order (arrival order)
  std::string prev_call_sid;      // the next older call; empty if none
  std::string next_call_sid;      // the next newer call; empty if none
};

/// A transcript search hit: one turn whose content matches.
struct search_hit {
  call_row call;
  int64_t seq = 0;
  std::string role;
  std::string created_at;
  /// The matching turn's text around the match, cut into pieces: pieces
  /// at odd positions (1, 3, ...) are the matched words. Plain text, never
  /// markup: the console renders each piece with textContent.
  std::vector<std::string> snippet;
};

/// One (hour, transport) cell of the statistics.
struct hourly_stat {
  std::string hour;      // "YYYY-MM-DDTHH:00:00Z"
  std::string transport; // gather | relay | media | "" (not recorded)
  int64_t calls = 0;     // calls started in that hour
  int64_t turns = 0;     // assistant turns with a latency, of those calls
  std::optional<int64_t> latency_p50_ms;
  std::optional<int64_t> latency_p95_ms;
};

/// The `p`-th percentile (0..100) of `values` by the nearest-rank method;
/// nullopt when empty. Reorders `values`.
std::optional<int64_t> percentile(std::vector<int64_t>& values, double p);

/// Newest first, at most `limit` rows after `after`.
caf::expected<call_page> list_calls(sqlite3* db, const call_filter& filter,
                                    const call_cursor& after, int limit);

caf::expected<call_kpis> count_calls(sqlite3* db, const call_filter& filter);

/// nullopt when the call is unknown.
caf::expected<std::optional<call_detail>>
load_call_detail(sqlite3* db, const std::string& call_sid);

/// Turns whose content matches `query` (words, each matched as a prefix;
/// FTS5 syntax characters in it are taken literally), newest turn first,
/// among calls the filter matches. Errors: errc::bad_request when the
/// query has no word.
caf::expected<std::vector<search_hit>>
search_turns(sqlite3* db, const std::string& query, const call_filter& filter,
             int limit);

/// Whether the file has the full-text index search_turns reads (turns_fts,
/// migration 6): a file whose index was dropped, or a build of SQLite
/// without FTS5 reading a copy, has not.
caf::expected<bool> has_transcript_index(sqlite3* db);

/// search_turns without the index: turns whose content holds `text` as
/// typed (LIKE, so ASCII letters match either case; `%`, `_` and the
/// escape character in it are taken literally), newest turn first, among
/// calls the filter matches. Each hit's snippet is the turn's text cut
/// around the first match: [before, match, after]. Errors:
/// errc::bad_request when `text` is empty.
caf::expected<std::vector<search_hit>>
match_turns(sqlite3* db, const std::string& text, const call_filter& filter,
            int limit);

/// Hourly cells over calls started in [filter.since, filter.until) (and
/// matching the rest of the filter), oldest first, by transport. A call's
/// turns count in the hour the call started, so a cell's latencies are
/// those of its calls.
caf::expected<std::vector<hourly_stat>> hourly_stats(sqlite3* db,
                                                     const call_filter& filter);

} // namespace sb
