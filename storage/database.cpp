// The SQLite side of storage: the connection's pragmas, the migration list
// that defines the schema, the prepared statements that write and read rows,
// and the split of SQLite's failures into "refused for good" and "cannot
// write now". Only storage/ includes <sqlite3.h> (through sqlite_rows.hpp
// here); everything above it sees records.hpp.
#include "storage/database.hpp"

#include <algorithm>
#include <array>
#include <iterator>
#include <memory>
#include <string>
#include <utility>

#include <sqlite3.h>

#include "core/error.hpp"
#include "storage/sqlite_rows.hpp"
#include "storage/tool_calls.hpp"

namespace sb {

namespace {

using sqlite::bind_all;
using sqlite::column_text;
using sqlite::exec;
using sqlite::prepare;
using sqlite::read_call;
using sqlite::read_turn;
using sqlite::reset_guard;
using sqlite::sqlite_error;
using sqlite::stmt_ptr;
using sqlite::text_value;

// SELECTs of whole rows, in the order read_call() and read_turn() read.
std::string select_call_sql() {
  return "SELECT " + sqlite::column_list(sqlite::call_columns) + " FROM calls";
}

std::string select_turns_sql() {
  return "SELECT " + sqlite::column_list(sqlite::turn_columns)
         + " FROM turns WHERE call_sid = ?1 ORDER BY seq";
}

// Step N brings a file from user_version N-1 to N. Steps are frozen once
// shipped: a schema change is a new step, never an edit, because operators'
// files were built by the old text.
constexpr const char* migrations[] = {
  // 1: the initial schema. Every column but the keys is nullable: NULL means
  // "not known yet", and upserts fill columns in as webhooks arrive.
  R"sql(
CREATE TABLE calls (
  call_sid TEXT PRIMARY KEY,
  account_sid TEXT, direction TEXT, from_number TEXT, to_number TEXT,
  status TEXT, answered_by TEXT, language TEXT, voice TEXT,
  started_at TEXT, answered_at TEXT, ended_at TEXT,
  duration_s INTEGER, end_reason TEXT);
CREATE TABLE turns (
  id INTEGER PRIMARY KEY,
  call_sid TEXT NOT NULL,
  seq INTEGER NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
  content TEXT NOT NULL,
  confidence REAL,
  created_at TEXT NOT NULL,
  latency_ms INTEGER,
  model TEXT,
  audio TEXT,
  UNIQUE (call_sid, seq));
CREATE TABLE recordings (
  recording_sid TEXT PRIMARY KEY,
  call_sid TEXT, url TEXT, status TEXT,
  duration_s INTEGER, channels INTEGER, created_at TEXT);
CREATE TABLE events (
  id INTEGER PRIMARY KEY,
  call_sid TEXT,
  kind TEXT NOT NULL,
  received_at TEXT NOT NULL,
  payload TEXT NOT NULL);
CREATE INDEX events_call_sid ON events (call_sid);
CREATE INDEX calls_started_at ON calls (started_at);
CREATE INDEX recordings_call_sid ON recordings (call_sid);
)sql",
  // 2: where an assistant turn's time went: waiting for a free model slot
  // (queue_ms) and in the model (llm_ms); latency_ms stays the total.
  R"sql(
ALTER TABLE turns ADD COLUMN queue_ms INTEGER;
ALTER TABLE turns ADD COLUMN llm_ms INTEGER;
)sql",
  // 3: the relay transport. first_token_ms: model start to its first
  // streamed token. interrupted: the caller talked over the reply, so
  // content is only what they heard (the row is written again, trimmed).
  R"sql(
ALTER TABLE turns ADD COLUMN first_token_ms INTEGER;
ALTER TABLE turns ADD COLUMN interrupted INTEGER NOT NULL DEFAULT 0;
)sql",
  // 4: adopted_at: the call was taken over from a signed webhook of a
  // call this database had never seen (ISO-8601 UTC), NULL otherwise.
  R"sql(
ALTER TABLE calls ADD COLUMN adopted_at TEXT;
)sql",
  // 5: the media transport's timings of the silence before a reply, on
  // the assistant turn: the end-of-turn wait, the recogniser's tail, the
  // first clause's synthesis, and the whole gap the caller heard (their
  // last voiced frame to our first audio frame). NULL on other transports.
  R"sql(
ALTER TABLE turns ADD COLUMN eot_wait_ms INTEGER;
ALTER TABLE turns ADD COLUMN stt_tail_ms INTEGER;
ALTER TABLE turns ADD COLUMN tts_first_audio_ms INTEGER;
ALTER TABLE turns ADD COLUMN turn_gap_ms INTEGER;
)sql",
  // 6: the operator console. transport: how the call was served (gather,
  // relay, media). turns_fts: a full-text index of what was said, with
  // external content (the text is stored once, in turns) kept in step by
  // triggers; an upsert that rewrites a turn with the same words leaves the
  // index alone. The list pages newest first by (started_at, call_sid), so
  // that pair is one index (it replaces the started_at one), and the live
  // calls have a small partial index of their own.
  R"sql(
ALTER TABLE calls ADD COLUMN transport TEXT;
CREATE VIRTUAL TABLE turns_fts USING fts5(content, content='turns',
  content_rowid='id', tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER turns_fts_insert AFTER INSERT ON turns BEGIN
  INSERT INTO turns_fts (rowid, content) VALUES (new.id, new.content);
END;
CREATE TRIGGER turns_fts_delete AFTER DELETE ON turns BEGIN
  INSERT INTO turns_fts (turns_fts, rowid, content)
    VALUES ('delete', old.id, old.content);
END;
CREATE TRIGGER turns_fts_update AFTER UPDATE OF content ON turns
  WHEN old.content IS NOT new.content BEGIN
  INSERT INTO turns_fts (turns_fts, rowid, content)
    VALUES ('delete', old.id, old.content);
  INSERT INTO turns_fts (rowid, content) VALUES (new.id, new.content);
END;
INSERT INTO turns_fts (turns_fts) VALUES ('rebuild');
DROP INDEX calls_started_at;
CREATE INDEX calls_started_sid ON calls (started_at, call_sid);
CREATE INDEX calls_live ON calls (started_at, call_sid)
  WHERE ended_at IS NULL;
)sql",
  // 7: the MCP tools the model called for a reply, one row per call, with
  // the assistant turn they belong to: which round asked, which server and
  // tool, the arguments as the model sent them, what came back (result or
  // error) and how long it took. created_at is the turn's. Like turns, no
  // declared foreign key (foreign keys are off: a batch may carry a turn
  // before its call); deleting a turn deletes its tool calls by trigger.
  // The key serves every read: a call's calls by (seq, idx).
  R"sql(
CREATE TABLE tool_calls (
  call_sid TEXT NOT NULL,
  seq INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  round INTEGER NOT NULL,
  server TEXT,
  name TEXT NOT NULL,
  arguments TEXT NOT NULL,
  result TEXT,
  error TEXT,
  ms INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (call_sid, seq, idx));
CREATE TRIGGER turns_tool_calls_delete AFTER DELETE ON turns BEGIN
  DELETE FROM tool_calls WHERE call_sid = old.call_sid AND seq = old.seq;
END;
)sql",
};

// The columns of recordings, key first, in bind order (calls':
// sqlite_rows.hpp).
constexpr std::array<const char*, 7> recording_columns = {
  "recording_sid", "call_sid", "url",       "status",
  "duration_s",    "channels", "created_at"};

// A turn written again for the same (call_sid, seq) replaces what was said
// (the relay transport stores a reply, then trims it to what the caller
// heard when interrupted) and fills in measurements it did not know; who
// said it and when stay those of the first write. Writing the same row
// twice leaves it as once, so a batch retried after a failed commit is
// harmless.
constexpr const char* upsert_turn_sql =
  "INSERT INTO turns (call_sid, seq, role, content, confidence, created_at,"
  " latency_ms, model, audio, queue_ms, llm_ms, first_token_ms,"
  " interrupted, eot_wait_ms, stt_tail_ms, tts_first_audio_ms, turn_gap_ms)"
  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,"
  " ?15, ?16, ?17)"
  " ON CONFLICT(call_sid, seq) DO UPDATE SET"
  " content = excluded.content,"
  " interrupted = excluded.interrupted,"
  " confidence = COALESCE(excluded.confidence, turns.confidence),"
  " latency_ms = COALESCE(excluded.latency_ms, turns.latency_ms),"
  " model = COALESCE(excluded.model, turns.model),"
  " audio = COALESCE(excluded.audio, turns.audio),"
  " queue_ms = COALESCE(excluded.queue_ms, turns.queue_ms),"
  " llm_ms = COALESCE(excluded.llm_ms, turns.llm_ms),"
  " first_token_ms = COALESCE(excluded.first_token_ms,"
  " turns.first_token_ms),"
  " eot_wait_ms = COALESCE(excluded.eot_wait_ms, turns.eot_wait_ms),"
  " stt_tail_ms = COALESCE(excluded.stt_tail_ms, turns.stt_tail_ms),"
  " tts_first_audio_ms = COALESCE(excluded.tts_first_audio_ms,"
  " turns.tts_first_audio_ms),"
  " turn_gap_ms = COALESCE(excluded.turn_gap_ms, turns.turn_gap_ms)";
// A turn written with its tool calls replaces the ones stored for it
// (the <Gather> path writes a reply again once its audio is made; a
// retried batch writes everything again): the old rows go, the new ones
// come, so the same call is never stored twice.
constexpr const char* delete_tool_calls_sql =
  "DELETE FROM tool_calls WHERE call_sid = ?1 AND seq = ?2";
// created_at is the turn's as stored, which a later write of the turn
// does not change. An idx given twice keeps its first call: refusing the
// row would refuse the batch, and with it the reply the caller heard.
constexpr const char* insert_tool_call_sql =
  "INSERT INTO tool_calls (call_sid, seq, idx, round, server, name,"
  " arguments, result, error, ms, created_at)"
  " SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, created_at"
  " FROM turns WHERE call_sid = ?1 AND seq = ?2"
  " ON CONFLICT (call_sid, seq, idx) DO NOTHING";
constexpr const char* insert_event_sql =
  "INSERT INTO events (call_sid, kind, received_at, payload)"
  " VALUES (?1, ?2, ?3, ?4)";
// count_rows() takes a table name from its caller; only these exact texts
// ever reach SQL, so no caller string is spliced into a statement.
constexpr std::pair<const char*, const char*> count_sql[] = {
  {"calls", "SELECT count(*) FROM calls"},
  {"turns", "SELECT count(*) FROM turns"},
  {"recordings", "SELECT count(*) FROM recordings"},
  {"events", "SELECT count(*) FROM events"},
  {"tool_calls", "SELECT count(*) FROM tool_calls"},
};

// Builds "INSERT ... ON CONFLICT(key) DO UPDATE SET c = COALESCE(...)" so a
// row that knows only some columns (NULL elsewhere) keeps what is stored.
template <size_t N>
std::string
upsert_sql(const char* table, const std::array<const char*, N>& cols) {
  std::string names, params, updates;
  for (size_t i = 0; i < N; ++i) {
    auto sep = i == 0 ? "" : ", ";
    names += sep + std::string{cols[i]};
    params += sep + std::string{"?"} + std::to_string(i + 1);
    if (i > 0)
      updates += std::string{i == 1 ? "" : ", "} + cols[i] + " = COALESCE("
                 + "excluded." + cols[i] + ", " + table + "." + cols[i] + ")";
  }
  return std::string{"INSERT INTO "} + table + " (" + names + ") VALUES ("
         + params + ") ON CONFLICT(" + cols[0] + ") DO UPDATE SET " + updates;
}

// Runs `body` between BEGIN IMMEDIATE and COMMIT, rolling back on any error.
// IMMEDIATE takes the write lock up front, so a concurrent writer makes us
// wait on busy_timeout at BEGIN rather than fail halfway through. On error,
// `*failed_rc` (if given) gets SQLite's extended result code, read before
// the ROLLBACK, which would reset it.
template <class F>
caf::error in_transaction(sqlite3* db, F&& body, int* failed_rc = nullptr) {
  auto note = [&](caf::error err) {
    if (err && failed_rc)
      *failed_rc = sqlite3_extended_errcode(db);
    return err;
  };
  if (auto err = note(exec(db, "BEGIN IMMEDIATE")))
    return err;
  auto err = note(body());
  if (!err)
    err = note(exec(db, "COMMIT"));
  // Some errors (I/O, full disk) have already rolled back by themselves;
  // a second ROLLBACK would only replace the real message.
  if (err && !sqlite3_get_autocommit(db))
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
  return err;
}

// True when SQLite refused the data itself, so the same batch would fail
// again however long we waited. Every other failure (full disk, I/O
// error, busy or locked, read-only file, out of memory, even corruption)
// is about the file or the moment, not the rows: dropping rows for it
// would lose good data.
bool data_refused(int rc) {
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_TOOBIG:
    case SQLITE_RANGE: return true;
    default: return false;
  }
}

// Steps one row with whatever bind_all put in, naming the table on error.
caf::error write_row(sqlite3* db, sqlite3_stmt* stmt, const char* table) {
  reset_guard guard{stmt};
  if (sqlite3_step(stmt) != SQLITE_DONE)
    return sqlite_error(db, std::string{"writing "} + table);
  return caf::none;
}

caf::expected<int> user_version(sqlite3* db) {
  auto stmt = prepare(db, "PRAGMA user_version");
  if (!stmt)
    return stmt.error();
  if (sqlite3_step(stmt->get()) != SQLITE_ROW)
    return sqlite_error(db, "PRAGMA user_version");
  return sqlite3_column_int(stmt->get(), 0);
}

// Applies step `to` unless another process opening the same file already
// did: the version is read again under the write lock.
caf::error migrate_step(sqlite3* db, int to) {
  auto version = user_version(db);
  if (!version)
    return version.error();
  if (*version >= to)
    return caf::none;
  if (sqlite3_exec(db, migrations[to - 1], nullptr, nullptr, nullptr)
      != SQLITE_OK)
    return sqlite_error(db, "migration " + std::to_string(to));
  return exec(db, "PRAGMA user_version = " + std::to_string(to));
}

caf::error configure(sqlite3* db, const std::string& path) {
  // Before anything that may lock: the journal_mode switch itself can
  // meet another connection's lock.
  sqlite3_busy_timeout(db, 5000);
  auto stmt = prepare(db, "PRAGMA journal_mode = WAL");
  if (!stmt)
    return stmt.error();
  if (sqlite3_step(stmt->get()) != SQLITE_ROW)
    return sqlite_error(db, "PRAGMA journal_mode");
  auto mode = column_text(stmt->get(), 0);
  // SQLite answers with the mode it kept rather than failing, e.g. on a
  // file system without shared memory; readers would then block writers.
  if (mode != "wal" && path != ":memory:")
    return make_error(errc::storage_failed,
                      "journal_mode stayed '" + mode + "', wanted 'wal'");
  // NORMAL is durable across a process crash in WAL mode; only a power
  // loss can drop the last commits. Foreign keys stay off: a batch may carry
  // turns for a call whose row arrives in a later batch.
  if (auto err = exec(db, "PRAGMA synchronous = NORMAL"))
    return err;
  return exec(db, "PRAGMA foreign_keys = OFF");
}

} // namespace

struct database::statements {
  stmt_ptr upsert_call;
  stmt_ptr upsert_recording;
  stmt_ptr upsert_turn;
  stmt_ptr delete_tool_calls;
  stmt_ptr insert_tool_call;
  stmt_ptr insert_event;
  stmt_ptr select_call;
  stmt_ptr select_turns;
  stmt_ptr select_open;

  static caf::expected<std::unique_ptr<statements>> make(sqlite3* db) {
    auto result = std::make_unique<statements>();
    std::pair<stmt_ptr*, std::string> all[] = {
      {&result->upsert_call, upsert_sql("calls", sqlite::call_columns)},
      {&result->upsert_recording, upsert_sql("recordings", recording_columns)},
      {&result->upsert_turn, upsert_turn_sql},
      {&result->delete_tool_calls, delete_tool_calls_sql},
      {&result->insert_tool_call, insert_tool_call_sql},
      {&result->insert_event, insert_event_sql},
      {&result->select_call, select_call_sql() + " WHERE call_sid = ?1"},
      {&result->select_turns, select_turns_sql()},
      {&result->select_open, select_call_sql()
                               + " WHERE ended_at IS NULL"
                                 " ORDER BY started_at DESC LIMIT ?1"},
    };
    for (auto& [target, sql] : all) {
      auto stmt = prepare(db, sql);
      if (!stmt)
        return stmt.error();
      *target = std::move(*stmt);
    }
    return result;
  }
};

caf::expected<std::unique_ptr<database>>
database::open(const std::string& path) {
  sqlite3* db = nullptr;
  // No mutex on the connection: a database is used by one thread at a
  // time (the store actor), and SQLite's per-call locking would only cost.
  auto flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  auto rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  // The database takes the handle even when open failed: SQLite allocates
  // one for the error message, and ~database closes it.
  std::unique_ptr<database> result{new database(db)};
  if (rc != SQLITE_OK)
    return make_error(errc::storage_failed,
                      path + ": "
                        + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
  auto err = configure(db, path);
  if (!err)
    err = result->migrate();
  if (!err) {
    if (auto stmts = statements::make(db))
      result->stmts_ = std::move(*stmts);
    else
      err = stmts.error();
  }
  if (err)
    return make_error(errc::storage_failed, path + ": " + what(err));
  return result;
}

database::database(sqlite3* db) : db_(db) {
  // Nothing.
}

database::~database() {
  // Statements first: sqlite3_close refuses while any is unfinalized.
  stmts_.reset();
  sqlite3_close(db_);
}

int database::schema_version() {
  return static_cast<int>(std::size(migrations));
}

caf::error database::migrate() {
  auto version = user_version(db_);
  if (!version)
    return version.error();
  if (*version > schema_version())
    return make_error(errc::storage_failed,
                      "schema version " + std::to_string(*version)
                        + " is newer than this binary knows ("
                        + std::to_string(schema_version()) + ")");
  // One transaction per step, so a failed step leaves the file at the last
  // good version rather than half-way through a step.
  for (int to = *version + 1; to <= schema_version(); ++to)
    if (auto err = in_transaction(db_, [&] { return migrate_step(db_, to); }))
      return err;
  return caf::none;
}

write_report database::write(const std::vector<const write_batch*>& batches) {
  write_report report;
  report.refused.resize(batches.size());
  auto apply_one = [this](const write_batch* batch) {
    return batch ? apply(*batch) : caf::error{};
  };
  auto apply_all = [&]() -> caf::error {
    for (auto batch : batches)
      if (auto err = apply_one(batch))
        return err;
    return caf::none;
  };
  int rc = SQLITE_OK;
  auto err = batches.empty() ? caf::error{}
                             : in_transaction(db_, apply_all, &rc);
  if (!err || !data_refused(rc)) {
    report.done = err ? 0 : batches.size();
    report.unavailable = std::move(err);
    return report;
  }
  // One batch's data is bad; find out which. One transaction per batch
  // costs a WAL append each, but only on this rare path.
  for (size_t i = 0; i < batches.size(); ++i) {
    rc = SQLITE_OK;
    auto one = in_transaction(
      db_, [&] { return apply_one(batches[i]); }, &rc);
    if (one && !data_refused(rc)) {
      report.unavailable = std::move(one);
      return report;
    }
    report.refused[i] = std::move(one);
    report.done = i + 1;
  }
  return report;
}

caf::error database::write(const write_batch& batch) {
  auto report = write(std::vector<const write_batch*>{&batch});
  return report.done == 1 ? report.refused.front() : report.unavailable;
}

void database::set_busy_timeout(std::chrono::milliseconds timeout) {
  sqlite3_busy_timeout(db_, static_cast<int>(timeout.count()));
}

caf::error database::apply(const write_batch& batch) {
  auto run = [this](sqlite3_stmt* stmt, const char* table) {
    return write_row(db_, stmt, table);
  };
  caf::error err;
  for (auto& e : batch.events) {
    auto stmt = stmts_->insert_event.get();
    bind_all(stmt, e.call_sid, e.kind, e.received_at, e.payload);
    if ((err = run(stmt, "events")))
      return err;
  }
  for (auto& c : batch.calls) {
    auto stmt = stmts_->upsert_call.get();
    bind_all(stmt, c.call_sid, c.account_sid, c.direction, c.from_number,
             c.to_number, c.status, c.answered_by, c.language, c.voice,
             c.started_at, c.answered_at, c.ended_at, c.duration_s,
             c.end_reason, c.adopted_at, c.transport);
    if ((err = run(stmt, "calls")))
      return err;
  }
  for (auto& r : batch.recordings) {
    auto stmt = stmts_->upsert_recording.get();
    bind_all(stmt, r.recording_sid, r.call_sid, r.url, r.status, r.duration_s,
             r.channels, r.created_at);
    if ((err = run(stmt, "recordings")))
      return err;
  }
  for (auto& t : batch.turns) {
    auto stmt = stmts_->upsert_turn.get();
    bind_all(stmt, t.call_sid, t.seq, t.role, text_value{t.content},
             t.confidence, t.created_at, t.latency_ms, t.model, t.audio,
             t.queue_ms, t.llm_ms, t.first_token_ms, t.interrupted,
             t.eot_wait_ms, t.stt_tail_ms, t.tts_first_audio_ms, t.turn_gap_ms);
    if ((err = run(stmt, "turns")) || (err = apply_tool_calls(t)))
      return err;
  }
  return caf::none;
}

caf::error database::apply_tool_calls(const turn_row& t) {
  // None known is not "none made" (records.hpp: empty is unknown): a
  // write that carries none leaves the stored ones, as NULL leaves a
  // stored column.
  if (t.tool_calls.empty())
    return caf::none;
  auto gone = stmts_->delete_tool_calls.get();
  bind_all(gone, t.call_sid, t.seq);
  if (auto err = write_row(db_, gone, "tool_calls"))
    return err;
  for (const auto& c : t.tool_calls) {
    auto stmt = stmts_->insert_tool_call.get();
    // The model's texts are stored even when empty: a tool call without
    // a name is odd, not a reason to lose the reply.
    bind_all(stmt, t.call_sid, t.seq, c.idx, c.round, c.server,
             text_value{c.name}, text_value{c.arguments}, c.result, c.error,
             c.ms);
    if (auto err = write_row(db_, stmt, "tool_calls"))
      return err;
  }
  return caf::none;
}

caf::expected<std::optional<stored_call>>
database::load_call(const std::string& call_sid) {
  auto stmt = stmts_->select_call.get();
  reset_guard guard{stmt};
  bind_all(stmt, call_sid);
  auto rc = sqlite3_step(stmt);
  if (rc == SQLITE_DONE)
    return std::optional<stored_call>{};
  if (rc != SQLITE_ROW)
    return sqlite_error(db_, "reading calls");
  stored_call result{read_call(stmt), {}};
  auto turns = stmts_->select_turns.get();
  reset_guard turns_guard{turns};
  bind_all(turns, call_sid);
  while ((rc = sqlite3_step(turns)) == SQLITE_ROW)
    result.turns.push_back(read_turn(turns));
  if (rc != SQLITE_DONE)
    return sqlite_error(db_, "reading turns");
  if (auto err = load_tool_calls(db_, call_sid, result.turns))
    return err;
  return std::optional<stored_call>{std::move(result)};
}

caf::expected<std::vector<call_row>> database::open_calls(int limit) {
  // SQLite reads a negative LIMIT as "no limit": the opposite of a bound.
  if (limit < 0)
    return make_error(errc::bad_request,
                      "open_calls: negative limit " + std::to_string(limit));
  auto stmt = stmts_->select_open.get();
  reset_guard guard{stmt};
  bind_all(stmt, int64_t{limit});
  std::vector<call_row> result;
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
    result.push_back(read_call(stmt));
  if (rc != SQLITE_DONE)
    return sqlite_error(db_, "reading calls");
  return result;
}

caf::expected<int64_t> database::count_rows(const std::string& table) {
  for (auto& [name, sql] : count_sql) {
    if (table != name)
      continue;
    auto stmt = prepare(db_, sql);
    if (!stmt)
      return stmt.error();
    if (sqlite3_step(stmt->get()) != SQLITE_ROW)
      return sqlite_error(db_, std::string{"counting "} + name);
    return sqlite3_column_int64(stmt->get(), 0);
  }
  return make_error(errc::bad_request, "count_rows: no table '" + table + "'");
}

} // namespace sb
