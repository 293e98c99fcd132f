// The SQLite database: one connection, WAL mode, synchronous=NORMAL, a busy
// timeout, and forward-only schema migrations tracked in PRAGMA
// user_version. Not thread-safe: owned by exactly one thread (the store
// actor); readers elsewhere (sqlite3, switchboardctl) open their own
// connection on the same file.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "storage/records.hpp"

struct sqlite3;

namespace sb {

/// What database::write() did with a list of batches, in order.
struct write_report {
  /// One entry per batch. For batches [0, done): none if committed, else
  /// errc::storage_failed saying why SQLite refused that batch's data for
  /// good (a constraint, a value out of range): retrying cannot help.
  /// Entries from `done` on are none and mean nothing.
  std::vector<caf::error> refused;
  /// How many batches, from the first, were committed or refused.
  size_t done = 0;
  /// Set when done < refused.size(): SQLite cannot write now (disk full,
  /// I/O error, the lock held by another writer past the busy timeout,
  /// read-only file), so batches [done, end) were neither committed nor
  /// judged; write them again later. errc::storage_failed with SQLite's
  /// message.
  caf::error unavailable;
};

class database {
public:
  /// Opens (creating if needed) the file at `path` (":memory:" works) and
  /// migrates it to schema_version(). Errors: errc::storage_failed with the
  /// path and SQLite's message (unwritable directory, not a database, a
  /// schema newer than this binary knows).
  static caf::expected<std::unique_ptr<database>> open(const std::string& path);

  ~database();
  database(const database&) = delete;
  database& operator=(const database&) = delete;

  /// The schema version this binary migrates to.
  static int schema_version();

  /// Applies every batch in one transaction. If SQLite refuses the data of
  /// one, the batches are retried one by one, each in its own transaction,
  /// so one bad batch cannot lose the others. If SQLite cannot write at all
  /// (see write_report::unavailable), it stops there: nothing is lost, the
  /// rest is for the caller to retry. Null entries count as empty batches.
  /// Calls and recordings are upserted by key, filling in what a row knows
  /// (NULL elsewhere keeps what is stored). Turns are upserted by
  /// (call_sid, seq): a second write replaces content and interrupted,
  /// fills in the measurements it knows (confidence, latency_ms, model,
  /// audio, queue_ms, llm_ms, first_token_ms, eot_wait_ms, stt_tail_ms,
  /// tts_first_audio_ms, turn_gap_ms) and keeps role and
  /// created_at of the first. A turn's tool_calls, when it carries any,
  /// replace those stored for it (none carried leaves them as they are).
  /// So writing the same batch twice stores it once, and only data SQLite
  /// itself refuses (a role other than user or assistant, an empty
  /// content, wrong types) is refused.
  write_report write(const std::vector<const write_batch*>& batches);

  /// Convenience for one batch: none once committed, else why not (refused
  /// or unavailable).
  caf::error write(const write_batch& batch);

  /// How long a write waits for another connection's lock before giving up
  /// as unavailable. open() sets 5 s.
  void set_busy_timeout(std::chrono::milliseconds timeout);

  /// The call and its turns (each with its tool calls, by idx), or
  /// nullopt if the call is unknown.
  caf::expected<std::optional<stored_call>>
  load_call(const std::string& call_sid);

  /// Calls with no ended_at, newest first, at most `limit`.
  caf::expected<std::vector<call_row>> open_calls(int limit);

  /// Rows counts, for tests and stats: table name -> count.
  caf::expected<int64_t> count_rows(const std::string& table);

  sqlite3* handle() {
    return db_;
  }

private:
  explicit database(sqlite3* db);
  caf::error migrate();
  caf::error apply(const write_batch& batch);
  caf::error apply_tool_calls(const turn_row& turn);

  sqlite3* db_;
  struct statements;
  std::unique_ptr<statements> stmts_;
};

} // namespace sb
