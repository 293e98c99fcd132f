// switchboardctl's reads of the database file: past calls (history) and one
// call's conversation (transcript). Each opens its own read-only connection
// (SQLITE_OPEN_READONLY, a busy timeout), never the daemon's, so it works
// whether or not switchboardd runs and can never write; the file is in WAL
// mode, so reading does not block the daemon. Every query is a fixed text
// with bound parameters. Results are JSON text in the shapes the admin
// socket uses, so ctl_format renders both the same way.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <caf/expected.hpp>

struct sqlite3;

namespace sb {

struct readonly_db_closer {
  void operator()(sqlite3* db) const;
};
using readonly_db = std::unique_ptr<sqlite3, readonly_db_closer>;

/// The connection history and transcript read through, for any reader of
/// the file: SQLITE_OPEN_READONLY, a 5 s busy timeout. Errors:
/// errc::storage_failed with the path and SQLite's message (no such file,
/// not a database).
caf::expected<readonly_db> open_readonly_database(const std::string& path);

struct history_filter {
  std::string since;  // normalise_since() text; empty = any time
  std::string number; // the call's from or to number; empty = any
  int limit = 50;     // at most this many calls, newest first
};

/// The history query: ?1 since, ?2 number (NULL: no filter), ?3 limit.
extern const char* const history_sql;

/// Past calls as {"calls": [{"call_sid", "direction", "from_number",
/// "to_number", "status", "started_at", "answered_at", "ended_at",
/// "duration_s", "end_reason", "turns"}, ...]}, newest first; unknown
/// values are null. Errors: errc::storage_failed with the path and
/// SQLite's message (missing or unreadable file, not a switchboard
/// database, locked past the busy timeout).
caf::expected<std::string> read_history(const std::string& db_path,
                                        const history_filter& filter);

/// One call as the admin socket's `call` result (the session object of
/// GET /session/{sid}, plus "ended_at", "duration_s" and "end_reason"),
/// its turns in order, a reply that called MCP tools with its
/// "tool_calls" (storage/tool_call_json.hpp); nullopt when the database
/// has no such call.
/// Errors: as read_history.
caf::expected<std::optional<std::string>>
read_transcript(const std::string& db_path, const std::string& call_sid);

} // namespace sb
