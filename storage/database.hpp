// The SQLite database: one connection, WAL mode, synchronous=NORMAL, a busy
// timeout, and forward-only schema migrations tracked in PRAGMA
// user_version. Not thread-safe: owned by exactly one thread (the store
// actor); readers elsewhere (sqlite3, switchboardctl) open their own
// connection on the same file.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "storage/records.hpp"

struct sqlite3;

namespace sb {

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

  /// Applies every batch in one transaction. If that transaction fails, the
  /// batches are retried one by one, each in its own transaction, so one bad
  /// batch cannot lose the others. Returns one entry per batch: none on
  /// success, else errc::storage_failed with SQLite's message.
  std::vector<caf::error> write(const std::vector<const write_batch*>& batches);

  /// Convenience for one batch.
  caf::error write(const write_batch& batch);

  /// The call and its turns, or nullopt if the call is unknown.
  caf::expected<std::optional<stored_call>> load_call(const std::string& call_sid);

  /// Calls with no ended_at, newest first, at most `limit`.
  caf::expected<std::vector<call_row>> open_calls(int limit);

  /// Rows counts, for tests and stats: table name -> count.
  caf::expected<int64_t> count_rows(const std::string& table);

  sqlite3* handle() { return db_; }

private:
  explicit database(sqlite3* db);
  caf::error migrate();
  caf::error apply(const write_batch& batch);

  sqlite3* db_;
  struct statements;
  std::unique_ptr<statements> stmts_;
};

} // namespace sb
