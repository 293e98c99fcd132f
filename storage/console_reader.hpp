// The console's own way into the database: one read-only connection
// (SQLITE_OPEN_READONLY and PRAGMA query_only) owned by one thread of its
// own, which runs queued read jobs one at a time. HTTP handlers submit a
// job and return at once; the job runs here and answers through its own
// callback (which posts the HTTP answer back to the connection). So no
// console query ever runs on an I/O thread, and a slow query never holds
// the writer: WAL readers do not block the store actor's commits.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include <caf/expected.hpp>

struct sqlite3;

namespace sb {

class console_reader {
public:
  /// One read job; runs on the reader's thread with its connection.
  using job = std::function<void(sqlite3* db)>;

  /// Opens `path` read-only and starts the thread. The file must exist
  /// (the store created and migrated it first). Errors:
  /// errc::storage_failed with the path and SQLite's message.
  static caf::expected<std::unique_ptr<console_reader>>
  open(const std::string& path, size_t max_queued_jobs = 256);

  /// Stops the thread after the job running now; queued jobs are run with
  /// a null connection so each can still answer ("shutting down").
  ~console_reader();
  console_reader(const console_reader&) = delete;
  console_reader& operator=(const console_reader&) = delete;

  /// Any thread. Queues `j`; false (and `j` dropped, never run) when
  /// max_queued_jobs are already waiting, so a flood of console requests
  /// is answered 503 rather than queued without bound.
  bool submit(job j);

  /// Jobs waiting now (not counting the one running).
  size_t queued() const;

private:
  struct state;
  explicit console_reader(std::unique_ptr<state> s);
  std::unique_ptr<state> state_;
};

} // namespace sb
