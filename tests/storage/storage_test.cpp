// Tests for storage/database: schema and migrations, round trips of what a
// call writes (a reply's tool calls included), upsert and NULL semantics,
// per-batch failure isolation, WAL mode seen from a second connection, and open
// errors. Every test works on a real file in its own temporary directory;
// checks of what is on disk go through a separate raw sqlite3 connection, the
// way an operator would look.
#include <chrono>
#include <filesystem>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <sqlite3.h>

#include "core/error.hpp"
#include "storage/database.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/tool_call_rows.hpp"

namespace {

using sb::database;
using sb::test::answered_call;
using sb::test::failed_call;
using sb::test::temp_dir;

// The database file most tests open in their temp_dir.
constexpr const char* db_file = "switchboard.db";

using table = std::vector<std::vector<std::string>>;

// Runs `sql` on its own connection to `path` and returns every row as text,
// with "NULL" for SQL NULL. Read-only unless `writable`.
table raw_query(const std::string& path, const std::string& sql,
                bool writable = false) {
  sqlite3* db = nullptr;
  int flags = writable ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, flags, nullptr) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  auto rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr);
  INFO(sqlite3_errmsg(db));
  REQUIRE(rc == SQLITE_OK);
  table rows;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    rows.emplace_back();
    for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
      auto text = sqlite3_column_text(stmt, i);
      rows.back().push_back(text ? reinterpret_cast<const char*>(text)
                                 : "NULL");
    }
  }
  CHECK(rc == SQLITE_DONE);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return rows;
}

std::string raw_scalar(const std::string& path, const std::string& sql) {
  auto rows = raw_query(path, sql);
  REQUIRE(rows.size() == 1);
  REQUIRE(rows[0].size() == 1);
  return rows[0][0];
}

int64_t handle_scalar(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
  auto value = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  return value;
}

std::unique_ptr<database> open_ok(const std::string& path) {
  auto db = database::open(path);
  INFO((db ? std::string{} : sb::what(db.error())));
  REQUIRE(db);
  return std::move(*db);
}

bool is_storage_failed(const caf::error& err) {
  return err && err.category() == caf::atom("sb")
         && err.code() == static_cast<uint8_t>(sb::errc::storage_failed);
}

sb::call_row sample_call(const std::string& sid) {
  sb::call_row row;
  row.call_sid = sid;
  row.account_sid = "AC0123";
  row.direction = "inbound";
  row.from_number = "+919876543210";
  row.to_number = "+14155550100";
  row.status = "in-progress";
  row.language = "hi-IN";
  row.voice = "Polly.Aditi";
  row.started_at = "2024-05-01T10:00:00Z";
  return row;
}

sb::turn_row sample_turn(const std::string& sid, int64_t seq,
                         const std::string& content) {
  sb::turn_row row;
  row.call_sid = sid;
  row.seq = seq;
  row.role = seq % 2 == 1 ? "user" : "assistant";
  row.content = content;
  row.created_at = "2024-05-01T10:00:0" + std::to_string(seq) + "Z";
  return row;
}

sb::event_row sample_event(const std::string& sid, const std::string& kind) {
  return {sid, kind, "2024-05-01T10:00:00Z", R"({"CallSid":")" + sid + "\"}"};
}

} // namespace

TEST_CASE("open creates the five tables, the search index and sets "
          "user_version",
          "[storage]") {
  temp_dir dir;
  auto db = open_ok(dir.file(db_file));
  CHECK(database::schema_version() == 7);
  CHECK(raw_scalar(dir.file(db_file), "PRAGMA user_version") == "7");
  auto tables = raw_query(dir.file(db_file),
                          "SELECT name FROM sqlite_master"
                          " WHERE type = 'table' ORDER BY name");
  // turns_fts is FTS5's virtual table; the _-suffixed ones are its storage.
  CHECK(tables
        == table{{"calls"},
                 {"events"},
                 {"recordings"},
                 {"tool_calls"},
                 {"turns"},
                 {"turns_fts"},
                 {"turns_fts_config"},
                 {"turns_fts_data"},
                 {"turns_fts_docsize"},
                 {"turns_fts_idx"}});
  // Every index as "table(columns)", the implicit ones behind PRIMARY KEY
  // and UNIQUE included: the queries operators run must not scan.
  auto indexes = raw_query(
    dir.file(db_file), "SELECT m.tbl_name || '(' || group_concat(i.name) || ')'"
                       " FROM sqlite_master m, pragma_index_info(m.name) i"
                       " WHERE m.type = 'index' GROUP BY m.name ORDER BY 1");
  CHECK(indexes
        == table{{"calls(call_sid)"},
                 {"calls(started_at,call_sid)"}, // the live calls' (partial)
                 {"calls(started_at,call_sid)"},
                 {"events(call_sid)"},
                 {"recordings(call_sid)"},
                 {"recordings(recording_sid)"},
                 {"tool_calls(call_sid,seq,idx)"},
                 {"turns(call_sid,seq)"}});
  for (auto name : {"calls", "turns", "recordings", "events", "tool_calls"})
    CHECK(*db->count_rows(name) == 0);
}

TEST_CASE("a version-1 file is migrated forward, keeping its rows",
          "[storage]") {
  temp_dir dir;
  {
    auto db = open_ok(dir.file(db_file));
    sb::write_batch batch;
    batch.calls.push_back(sample_call("CA1"));
    batch.turns.push_back(sample_turn("CA1", 1, "hello"));
    REQUIRE_FALSE(db->write(batch));
  }
  // What a file written by the first release looks like.
  raw_query(dir.file(db_file), "ALTER TABLE turns DROP COLUMN queue_ms", true);
  raw_query(dir.file(db_file), "ALTER TABLE turns DROP COLUMN llm_ms", true);
  raw_query(dir.file(db_file), "ALTER TABLE turns DROP COLUMN first_token_ms",
            true);
  raw_query(dir.file(db_file), "ALTER TABLE turns DROP COLUMN interrupted",
            true);
  raw_query(dir.file(db_file), "ALTER TABLE calls DROP COLUMN adopted_at",
            true);
  for (auto column :
       {"eot_wait_ms", "stt_tail_ms", "tts_first_audio_ms", "turn_gap_ms"})
    raw_query(dir.file(db_file),
              std::string{"ALTER TABLE turns DROP COLUMN "} + column, true);
  for (auto undo :
       {"DROP TRIGGER turns_tool_calls_delete", "DROP TABLE tool_calls",
        "DROP TRIGGER turns_fts_insert", "DROP TRIGGER turns_fts_delete",
        "DROP TRIGGER turns_fts_update", "DROP TABLE turns_fts",
        "DROP INDEX calls_started_sid", "DROP INDEX calls_live",
        "ALTER TABLE calls DROP COLUMN transport",
        "CREATE INDEX calls_started_at ON calls (started_at)"})
    raw_query(dir.file(db_file), undo, true);
  raw_query(dir.file(db_file), "PRAGMA user_version = 1", true);
  auto db = open_ok(dir.file(db_file));
  CHECK(raw_scalar(dir.file(db_file), "PRAGMA user_version") == "7");
  sb::write_batch batch;
  auto t = sample_turn("CA1", 2, "again");
  t.queue_ms = 5;
  t.llm_ms = 120;
  batch.turns.push_back(t);
  REQUIRE_FALSE(db->write(batch));
  auto stored = db->load_call("CA1");
  REQUIRE(stored);
  REQUIRE(*stored);
  REQUIRE((*stored)->turns.size() == 2);
  CHECK((*stored)->turns[0].content == "hello");
  CHECK_FALSE((*stored)->turns[0].queue_ms);
  CHECK((*stored)->turns[1].llm_ms == 120);
}

TEST_CASE("reopening keeps data and migrates nothing", "[storage]") {
  temp_dir dir;
  {
    auto db = open_ok(dir.file(db_file));
    sb::write_batch batch;
    batch.calls.push_back(sample_call("CA1"));
    batch.turns.push_back(sample_turn("CA1", 1, "hello"));
    REQUIRE_FALSE(db->write(batch));
  }
  auto db = open_ok(dir.file(db_file));
  auto db_again = open_ok(dir.file(db_file));
  CHECK(raw_scalar(dir.file(db_file), "PRAGMA user_version") == "7");
  auto stored = db->load_call("CA1");
  REQUIRE(stored);
  REQUIRE(*stored);
  CHECK((*stored)->call.language == "hi-IN");
  REQUIRE((*stored)->turns.size() == 1);
  CHECK((*stored)->turns[0].content == "hello");
}

TEST_CASE("a file from a newer binary is refused by name", "[storage]") {
  temp_dir dir;
  open_ok(dir.file(db_file));
  raw_query(dir.file(db_file), "PRAGMA user_version = 8", true);
  auto db = database::open(dir.file(db_file));
  REQUIRE_FALSE(db);
  CHECK(is_storage_failed(db.error()));
  auto msg = sb::what(db.error());
  CHECK_THAT(msg, Catch::Contains(dir.file(db_file)));
  CHECK_THAT(msg, Catch::Contains("schema version 8"));
  CHECK_THAT(msg, Catch::Contains("(7)"));
  // Refusing must not touch the file.
  CHECK(raw_scalar(dir.file(db_file), "PRAGMA user_version") == "8");
}

TEST_CASE("Hindi and SQL-looking text round-trip verbatim", "[storage]") {
  temp_dir dir;
  auto db = open_ok(dir.file(db_file));
  const std::string hindi = "नमस्ते, मुझे मदद चाहिए";
  const std::string evil = "'); DROP TABLE calls;--";
  auto call = sample_call("CA'; DELETE FROM turns;--");
  call.end_reason = evil;
  sb::write_batch batch;
  batch.calls.push_back(call);
  batch.turns.push_back(sample_turn(call.call_sid, 1, hindi));
  batch.turns.push_back(sample_turn(call.call_sid, 2, evil));
  batch.turns[0].confidence = 0.875;
  batch.turns[1].latency_ms = 640;
  batch.turns[1].model = "llama3:8b \"q4\"";
  batch.events.push_back(sample_event(call.call_sid, "process-speech"));
  REQUIRE_FALSE(db->write(batch));

  auto stored = db->load_call(call.call_sid);
  REQUIRE(stored);
  REQUIRE(*stored);
  auto& got = **stored;
  CHECK(got.call.call_sid == call.call_sid);
  CHECK(got.call.end_reason == evil);
  REQUIRE(got.turns.size() == 2);
  CHECK(got.turns[0].content == hindi);
  CHECK(got.turns[0].role == "user");
  CHECK(got.turns[0].confidence == Approx(0.875));
  CHECK(got.turns[1].content == evil);
  CHECK(got.turns[1].latency_ms == 640);
  CHECK(got.turns[1].model == "llama3:8b \"q4\"");
  // The operator's view: bytes on disk are the UTF-8 given, nothing ran.
  CHECK(raw_scalar(dir.file(db_file), "SELECT content FROM turns WHERE seq = 1")
        == hindi);
  CHECK(raw_scalar(dir.file(db_file), "SELECT count(*) FROM calls") == "1");
  CHECK(raw_scalar(dir.file(db_file), "SELECT count(*) FROM turns") == "2");
}

TEST_CASE("an unknown call loads as nullopt", "[storage]") {
  temp_dir dir;
  auto db = open_ok(dir.file(db_file));
  auto stored = db->load_call("CA-nope");
  REQUIRE(stored);
  CHECK_FALSE(*stored);
}

TEST_CASE("call upserts fill in, never erase", "[storage]") {
  temp_dir dir;
  auto db = open_ok(dir.file(db_file));
  sb::write_batch first;
  first.calls.push_back(sample_call("CA1"));
  REQUIRE_FALSE(db->write(first));

  // A status callback knows only a few fields.
  sb::call_row later;
  later.call_sid = "CA1";
  later.status = "completed";
  later.ended_at = "2024-05-01T10:05:00Z";
  later.duration_s = 300;
  later.end_reason = "caller hung up";
  sb::write_batch second;
  second.calls.push_back(later);
  REQUIRE_FALSE(db->write(second));

  auto stored = db->load_call("CA1");
  REQUIRE(stored);
  REQUIRE(*stored);
  auto& call = (*stored)->call;
  CHECK(call.from_number == "+919876543210");
  CHECK(call.language == "hi-IN");
  CHECK(call.started_at == "2024-05-01T10:00:00Z");
  CHECK(call.status == "completed");
  CHECK(call.ended_at == "2024-05-01T10:05:00Z");
  CHECK(call.duration_s == 300);
  CHECK(call.end_reason == "caller hung up");
  CHECK(*db->count_rows("calls") == 1);
}

TEST_CASE("recording upserts fill in, never erase", "[storage]") {
  temp_dir dir;
  auto db = open_ok(dir.file(db_file));
  sb::write_batch first;
  first.recordings.push_back({"RE1", "CA1", "https://api.twilio.com/RE1",
                              "in-progress", std::nullopt, 2,
                              "2024-05-01T10:00:00Z"});
  REQUIRE_FALSE(db->write(first));
  sb::write_batch second;
  second.recordings.push_back(
    {"RE1", "", "", "completed", 42, std::nullopt, ""});
  REQUIRE_FALSE(db->write(second));
  auto rows = raw_query(dir.file(db_file),
                        "SELECT call_sid, url, status, duration_s,"
                        " channels, created_at FROM recordings");
  CHECK(rows
        == table{{"CA1", "https://api.twilio.com/RE1", "completed", "42", "2",
                  "2024-05-01T10:00:00Z"}});
}

TEST_CASE("unknown fields are stored as NULL", "[storage]") {
  temp_dir dir;
  auto db = open_ok(dir.file(db_file));
  sb::call_row call;
  call.call_sid = "CA1";
  call.status = "ringing";
  sb::write_batch batch;
  batch.calls.push_back(call);
  batch.turns.push_back(sample_turn("CA1", 1, "hi"));
  batch.events.push_back({"", "inbound", "2024-05-01T10:00:00Z", "{}"});
  REQUIRE_FALSE(db->write(batch));
  auto types = raw_query(dir.file(db_file),
                         "SELECT typeof(account_sid), typeof(answered_by),"
                         " typeof(ended_at), typeof(duration_s),"
                         " typeof(status) FROM calls");
  CHECK(types == table{{"null", "null", "null", "null", "text"}});
  types = raw_query(dir.file(db_file), "SELECT typeof(confidence),"
                                       " typeof(latency_ms), typeof(model),"
                                       " typeof(audio) FROM turns");
  CHECK(types == table{{"null", "null", "null", "null"}});
  CHECK(raw_scalar(dir.file(db_file), "SELECT typeof(call_sid) FROM events")
        == "null");
}

TEST_CASE("one bad batch fails alone, the others commit", "[storage]") {
  temp_dir dir;
  auto db = open_ok(dir.file(db_file));
  sb::write_batch good1, bad, good2;
  good1.calls.push_back(sample_call("CA1"));
  good1.turns.push_back(sample_turn("CA1", 1, "first"));
  good1.events.push_back(sample_event("CA1", "inbound"));
  // A role the schema's CHECK refuses, after a good turn of the same batch.
  bad.events.push_back(sample_event("CA2", "process-speech"));
  bad.calls.push_back(sample_call("CA2"));
  bad.turns.push_back(sample_turn("CA2", 1, "once"));
  bad.turns.push_back(sample_turn("CA2", 2, "twice"));
  bad.turns.back().role = "system";
  good2.turns.push_back(sample_turn("CA1", 2, "second"));
  good2.events.push_back(sample_event("CA1", "process-speech"));

  auto report = db->write({&good1, &bad, &good2});
  REQUIRE(report.refused.size() == 3);
  CHECK(report.done == 3);
  CHECK_FALSE(report.unavailable);
  const auto& errs = report.refused;
  CHECK_FALSE(errs[0]);
  CHECK(is_storage_failed(errs[1]));
  CHECK_THAT(sb::what(errs[1]),
             Catch::Contains("turns") && Catch::Contains("CHECK"));
  CHECK_FALSE(errs[2]);
  // All of the bad batch is gone, its event and call row included.
  CHECK(*db->count_rows("calls") == 1);
  CHECK(*db->count_rows("turns") == 2);
  CHECK(*db->count_rows("events") == 2);
  CHECK(raw_query(dir.file(db_file), "SELECT content FROM turns ORDER BY seq")
        == table{{"first"}, {"second"}});
}

TEST_CASE("a turn with an unknown role is refused", "[storage]") {
  temp_dir dir;
  auto db = open_ok(dir.file(db_file));
  sb::write_batch batch;
  batch.turns.push_back(sample_turn("CA1", 1, "hi"));
  batch.turns[0].role = "system";
  auto err = db->write(batch);
  CHECK(is_storage_failed(err));
  CHECK_THAT(sb::what(err), Catch::Contains("CHECK"));
  CHECK(*db->count_rows("turns") == 0);
  // The connection is still usable after the failure.
  batch.turns[0].role = "assistant";
  CHECK_FALSE(db->write(batch));
}

TEST_CASE("the file is in WAL mode and readable by another connection",
          "[storage]") {
  temp_dir dir;
  auto db = open_ok(dir.file(db_file));
  sb::write_batch batch;
  batch.calls.push_back(sample_call("CA1"));
  REQUIRE_FALSE(db->write(batch));
  // journal_mode=WAL is stored in the file, so any connection reports it.
  CHECK(raw_scalar(dir.file(db_file), "PRAGMA journal_mode") == "wal");
  CHECK(std::filesystem::exists(dir.file(db_file) + "-wal"));
  // Read-only, while the writer still holds its connection open.
  CHECK(raw_scalar(dir.file(db_file), "SELECT from_number FROM calls")
        == "+919876543210");
  // Per-connection settings are only visible on the daemon's connection.
  CHECK(handle_scalar(db->handle(), "PRAGMA synchronous") == 1); // NORMAL
  CHECK(handle_scalar(db->handle(), "PRAGMA busy_timeout") == 5000);
  CHECK(handle_scalar(db->handle(), "PRAGMA foreign_keys") == 0);
}

TEST_CASE("open_calls lists unfinished calls, newest first", "[storage]") {
  temp_dir dir;
  auto db = open_ok(dir.file(db_file));
  sb::write_batch batch;
  for (int i = 1; i <= 4; ++i) {
    auto call = sample_call("CA" + std::to_string(i));
    call.started_at = "2024-05-01T10:0" + std::to_string(i) + ":00Z";
    batch.calls.push_back(call);
  }
  batch.calls[2].ended_at = "2024-05-01T10:09:00Z";
  REQUIRE_FALSE(db->write(batch));
  auto open = db->open_calls(10);
  REQUIRE(open);
  REQUIRE(open->size() == 3);
  CHECK((*open)[0].call_sid == "CA4");
  CHECK((*open)[1].call_sid == "CA2");
  CHECK((*open)[2].call_sid == "CA1");
  auto two = db->open_calls(2);
  REQUIRE(two);
  CHECK(two->size() == 2);
  auto none = db->open_calls(0);
  REQUIRE(none);
  CHECK(none->empty());
  auto negative = db->open_calls(-1);
  REQUIRE_FALSE(negative);
  CHECK(negative.error() == sb::errc::bad_request);
}

TEST_CASE("count_rows accepts only the five tables", "[storage]") {
  temp_dir dir;
  auto db = open_ok(dir.file(db_file));
  for (auto name : {"sqlite_master", "calls; DROP TABLE calls", "CALLS", ""}) {
    auto count = db->count_rows(name);
    REQUIRE_FALSE(count);
    CHECK(count.error() == sb::errc::bad_request);
  }
  CHECK(*db->count_rows("calls") == 0);
}

TEST_CASE("open reports unusable paths as storage_failed", "[storage]") {
  temp_dir dir;
  SECTION("a path under /proc") {
    auto db = database::open("/proc/x/y.db");
    REQUIRE_FALSE(db);
    CHECK(is_storage_failed(db.error()));
    CHECK_THAT(sb::what(db.error()), Catch::Contains("/proc/x/y.db"));
  }
  SECTION("a directory") {
    auto db = database::open(dir.path());
    REQUIRE_FALSE(db);
    CHECK(is_storage_failed(db.error()));
    CHECK_THAT(sb::what(db.error()), Catch::Contains(dir.path()));
  }
  SECTION("a file that is not a database") {
    auto path = dir.file("notes.txt");
    FILE* f = fopen(path.c_str(), "w");
    REQUIRE(f);
    fputs("this is not a database, just some text long enough\n", f);
    for (int i = 0; i < 100; ++i)
      fputs("more text to fill the header page and beyond it\n", f);
    fclose(f);
    auto db = database::open(path);
    REQUIRE_FALSE(db);
    CHECK(is_storage_failed(db.error()));
    CHECK_THAT(sb::what(db.error()), Catch::Contains(path));
  }
}

TEST_CASE("an in-memory database works for quick tests", "[storage]") {
  auto db = open_ok(":memory:");
  sb::write_batch batch;
  batch.calls.push_back(sample_call("CA1"));
  CHECK_FALSE(db->write(batch));
  CHECK(*db->count_rows("calls") == 1);
  auto none = db->write(std::vector<const sb::write_batch*>{});
  CHECK(none.refused.empty());
  CHECK(none.done == 0);
  CHECK_FALSE(none.unavailable);
}

TEST_CASE("a full database refuses nothing for good and takes the writes "
          "once it has room",
          "[storage]") {
  temp_dir dir;
  auto db = open_ok(dir.file(db_file));
  // A page budget is SQLite's own "disk full": SQLITE_FULL, as ENOSPC gives.
  auto pages = handle_scalar(db->handle(), "PRAGMA page_count");
  REQUIRE(
    sqlite3_exec(db->handle(),
                 ("PRAGMA max_page_count = " + std::to_string(pages)).c_str(),
                 nullptr, nullptr, nullptr)
    == SQLITE_OK);
  sb::write_batch a, b;
  for (int i = 1; i <= 40; ++i)
    a.turns.push_back(sample_turn("CA1", i, std::string(500, 'x')));
  b.calls.push_back(sample_call("CA2"));
  auto report = db->write({&a, &b});
  CHECK(report.done == 0);
  CHECK_FALSE(report.refused[0]);
  CHECK_FALSE(report.refused[1]);
  REQUIRE(is_storage_failed(report.unavailable));
  CHECK_THAT(sb::what(report.unavailable), Catch::Contains("full"));
  CHECK(*db->count_rows("turns") == 0);
  REQUIRE(sqlite3_exec(db->handle(), "PRAGMA max_page_count = 1073741823",
                       nullptr, nullptr, nullptr)
          == SQLITE_OK);
  report = db->write({&a, &b});
  CHECK(report.done == 2);
  CHECK_FALSE(report.unavailable);
  CHECK(*db->count_rows("turns") == 40);
  CHECK(*db->count_rows("calls") == 1);
}

TEST_CASE("a lock held past the busy timeout is unavailable, not refused",
          "[storage]") {
  temp_dir dir;
  auto db = open_ok(dir.file(db_file));
  db->set_busy_timeout(std::chrono::milliseconds(20));
  sqlite3* other = nullptr;
  REQUIRE(sqlite3_open(dir.file(db_file).c_str(), &other) == SQLITE_OK);
  REQUIRE(sqlite3_exec(other, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr)
          == SQLITE_OK);
  sb::write_batch batch;
  batch.turns.push_back(sample_turn("CA1", 1, "hello"));
  auto report = db->write({&batch});
  CHECK(report.done == 0);
  REQUIRE(is_storage_failed(report.unavailable));
  CHECK_THAT(sb::what(report.unavailable), Catch::Contains("locked"));
  sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  CHECK_FALSE(db->write(batch));
  CHECK(*db->count_rows("turns") == 1);
}

TEST_CASE("a refused batch and a full database: the ones before are "
          "committed, the rest wait",
          "[storage]") {
  temp_dir dir;
  auto db = open_ok(dir.file(db_file));
  sb::write_batch good, bad, big;
  good.turns.push_back(sample_turn("CA1", 1, "first"));
  bad.turns.push_back(sample_turn("CA1", 1, "again"));
  bad.turns.back().role = "system";
  for (int i = 2; i <= 60; ++i)
    big.turns.push_back(sample_turn("CA1", i, std::string(500, 'y')));
  auto pages = handle_scalar(db->handle(), "PRAGMA page_count");
  REQUIRE(sqlite3_exec(
            db->handle(),
            ("PRAGMA max_page_count = " + std::to_string(pages + 1)).c_str(),
            nullptr, nullptr, nullptr)
          == SQLITE_OK);
  auto report = db->write({&good, &bad, &big});
  CHECK(report.done == 2);
  CHECK_FALSE(report.refused[0]);
  CHECK_THAT(sb::what(report.refused[1]), Catch::Contains("CHECK"));
  CHECK(is_storage_failed(report.unavailable));
  CHECK(raw_query(dir.file(db_file), "SELECT content FROM turns")
        == table{{"first"}});
}

namespace {

// The schema a version-2 file has: migrations 1 and 2 as they shipped.
// Copied, not shared with database.cpp, so a later edit of a frozen step
// there is caught here instead of being taken for the old format.
constexpr const char* version_2_schema = R"sql(
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
ALTER TABLE turns ADD COLUMN queue_ms INTEGER;
ALTER TABLE turns ADD COLUMN llm_ms INTEGER;
PRAGMA user_version = 2;
)sql";

void exec_raw(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  char* why = nullptr;
  auto rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &why);
  INFO((why ? why : ""));
  sqlite3_free(why);
  sqlite3_close(db);
  REQUIRE(rc == SQLITE_OK);
}

sb::stored_call load_ok(database& db, const std::string& sid) {
  auto stored = db.load_call(sid);
  INFO((stored ? std::string{} : sb::what(stored.error())));
  REQUIRE(stored);
  REQUIRE(*stored);
  return **stored;
}

} // namespace

TEST_CASE("a version-2 file gains first_token_ms, interrupted and adopted_at, "
          "keeping its rows",
          "[storage]") {
  temp_dir dir;
  exec_raw(dir.file(db_file), version_2_schema);
  exec_raw(dir.file(db_file),
           "INSERT INTO calls (call_sid, status) VALUES ('CA1', 'completed');"
           "INSERT INTO turns (call_sid, seq, role, content, created_at,"
           " latency_ms, model, queue_ms, llm_ms) VALUES"
           " ('CA1', 1, 'user', 'hello', '2024-05-01T10:00:01Z', NULL, NULL,"
           "  NULL, NULL),"
           " ('CA1', 2, 'assistant', 'Namaste', '2024-05-01T10:00:02Z', 900,"
           "  'llama3', 40, 800);");
  auto db = open_ok(dir.file(db_file));
  CHECK(raw_scalar(dir.file(db_file), "PRAGMA user_version") == "7");
  auto call = load_ok(*db, "CA1");
  CHECK(call.call.status == "completed");
  REQUIRE(call.turns.size() == 2);
  CHECK(call.turns[0].content == "hello");
  CHECK(call.turns[1].content == "Namaste");
  CHECK(call.turns[1].latency_ms == 900);
  CHECK(call.turns[1].queue_ms == 40);
  CHECK(call.turns[1].llm_ms == 800);
  CHECK(call.turns[1].model == "llama3");
  // The new columns: unknown for the old rows, and not interrupted.
  for (const auto& t : call.turns) {
    CHECK_FALSE(t.first_token_ms);
    CHECK_FALSE(t.interrupted);
  }
  CHECK(raw_query(dir.file(db_file),
                  "SELECT typeof(first_token_ms), interrupted"
                  " FROM turns ORDER BY seq")
        == table{{"null", "0"}, {"null", "0"}});
  // A call stored before adoption existed was never adopted.
  CHECK(call.call.adopted_at.empty());
  CHECK(raw_query(dir.file(db_file), "SELECT typeof(adopted_at) FROM calls")
        == table{{"null"}});
  // UNIQUE (call_sid, seq) survives the step: the upsert's conflict target.
  auto rows = raw_query(
    dir.file(db_file), "SELECT group_concat(i.name) FROM sqlite_master m,"
                       " pragma_index_info(m.name) i WHERE m.tbl_name = 'turns'"
                       " AND m.type = 'index' GROUP BY m.name");
  CHECK(rows == table{{"call_sid,seq"}});
  // And the file takes new turns with the new fields.
  sb::write_batch batch;
  auto t = sample_turn("CA1", 4, "more");
  t.first_token_ms = 120;
  t.interrupted = true;
  batch.turns.push_back(t);
  REQUIRE_FALSE(db->write(batch));
  call = load_ok(*db, "CA1");
  REQUIRE(call.turns.size() == 3);
  CHECK(call.turns[2].first_token_ms == 120);
  CHECK(call.turns[2].interrupted);
}

TEST_CASE("first_token_ms and interrupted are written and read back",
          "[storage]") {
  temp_dir dir;
  auto db = open_ok(dir.file(db_file));
  sb::write_batch batch;
  batch.calls.push_back(sample_call("CA1"));
  batch.turns.push_back(sample_turn("CA1", 1, "hello"));
  auto reply = sample_turn("CA1", 2, "Namaste, how can I");
  reply.latency_ms = 700;
  reply.queue_ms = 3;
  reply.llm_ms = 650;
  reply.first_token_ms = 180;
  reply.interrupted = true;
  reply.model = "qwen";
  batch.turns.push_back(reply);
  REQUIRE_FALSE(db->write(batch));
  auto call = load_ok(*db, "CA1");
  REQUIRE(call.turns.size() == 2);
  CHECK_FALSE(call.turns[0].first_token_ms);
  CHECK_FALSE(call.turns[0].interrupted);
  CHECK(call.turns[1].first_token_ms == 180);
  CHECK(call.turns[1].interrupted);
  CHECK(call.turns[1].latency_ms == 700);
  CHECK(call.turns[1].queue_ms == 3);
  CHECK(call.turns[1].llm_ms == 650);
  CHECK(raw_query(dir.file(db_file), "SELECT seq, typeof(first_token_ms),"
                                     " first_token_ms, interrupted FROM turns"
                                     " ORDER BY seq")
        == table{{"1", "null", "NULL", "0"}, {"2", "integer", "180", "1"}});
}

TEST_CASE("a turn written again is trimmed in place, keeping its role, time "
          "and measurements",
          "[storage]") {
  temp_dir dir;
  auto db = open_ok(dir.file(db_file));
  sb::write_batch first;
  first.calls.push_back(sample_call("CA1"));
  first.turns.push_back(sample_turn("CA1", 1, "hello"));
  auto reply = sample_turn("CA1", 2, "Namaste! Your order ships on Monday.");
  reply.latency_ms = 900;
  reply.queue_ms = 10;
  reply.llm_ms = 850;
  reply.first_token_ms = 200;
  reply.model = "qwen";
  reply.audio = "a1";
  first.turns.push_back(reply);
  REQUIRE_FALSE(db->write(first));

  // The caller talked over it: what they heard, with what is known now.
  sb::turn_row trimmed;
  trimmed.call_sid = "CA1";
  trimmed.seq = 2;
  trimmed.role = "user"; // ignored: the first write's stays
  trimmed.created_at = "2030-01-01T00:00:00Z"; // ignored likewise
  trimmed.content = "Namaste! Your order";
  trimmed.interrupted = true;
  trimmed.latency_ms = 950;
  sb::write_batch second;
  second.turns.push_back(trimmed);
  REQUIRE_FALSE(db->write(second));

  auto call = load_ok(*db, "CA1");
  REQUIRE(call.turns.size() == 2);
  const auto& t = call.turns[1];
  CHECK(t.content == "Namaste! Your order");
  CHECK(t.interrupted);
  CHECK(t.role == "assistant");
  CHECK(t.created_at == "2024-05-01T10:00:02Z");
  CHECK(t.latency_ms == 950);
  CHECK(t.queue_ms == 10);
  CHECK(t.llm_ms == 850);
  CHECK(t.first_token_ms == 200);
  CHECK(t.model == "qwen");
  CHECK(t.audio == "a1");
  CHECK(*db->count_rows("turns") == 2);
  // The row keeps its id: it was updated, not deleted and inserted.
  CHECK(raw_scalar(dir.file(db_file), "SELECT id FROM turns WHERE seq = 2")
        == "2");

  // Interrupted before a word was heard: the content is empty, not NULL.
  trimmed.content = "";
  second.turns = {trimmed};
  REQUIRE_FALSE(db->write(second));
  CHECK(load_ok(*db, "CA1").turns[1].content.empty());
  CHECK(raw_scalar(dir.file(db_file), "SELECT typeof(content) FROM turns"
                                      " WHERE seq = 2")
        == "text");

  // A later write that is not an interruption clears the flag.
  trimmed.content = "Namaste!";
  trimmed.interrupted = false;
  second.turns = {trimmed};
  REQUIRE_FALSE(db->write(second));
  CHECK_FALSE(load_ok(*db, "CA1").turns[1].interrupted);
}

TEST_CASE("a batch written twice is stored once", "[storage]") {
  // What the store actor does when a commit's outcome is unknown and the
  // batch is retried: the turns must not fail nor double.
  temp_dir dir;
  auto db = open_ok(dir.file(db_file));
  sb::write_batch batch;
  batch.calls.push_back(sample_call("CA1"));
  batch.turns.push_back(sample_turn("CA1", 1, "hello"));
  batch.turns.push_back(sample_turn("CA1", 2, "Namaste"));
  batch.turns[1].latency_ms = 500;
  REQUIRE_FALSE(db->write(batch));
  auto report = db->write({&batch, &batch});
  CHECK(report.done == 2);
  CHECK_FALSE(report.refused[0]);
  CHECK_FALSE(report.refused[1]);
  CHECK_FALSE(report.unavailable);
  CHECK(*db->count_rows("turns") == 2);
  CHECK(*db->count_rows("calls") == 1);
  CHECK(raw_query(dir.file(db_file), "SELECT seq, role, content, latency_ms,"
                                     " interrupted FROM turns ORDER BY seq")
        == table{{"1", "user", "hello", "NULL", "0"},
                 {"2", "assistant", "Namaste", "500", "0"}});
}

namespace {

// Steps 3 and 4 as they shipped: on top of version_2_schema, a version-4
// file, the last one before the media transport's timings.
constexpr const char* steps_3_and_4 = R"sql(
ALTER TABLE turns ADD COLUMN first_token_ms INTEGER;
ALTER TABLE turns ADD COLUMN interrupted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE calls ADD COLUMN adopted_at TEXT;
PRAGMA user_version = 4;
)sql";

// An assistant turn of a media call, with every part of its gap measured.
sb::turn_row timed_reply(const std::string& sid, int64_t seq) {
  auto t = sample_turn(sid, seq, "Your order ships on Monday.");
  t.role = "assistant";
  t.latency_ms = 760;
  t.first_token_ms = 52;
  t.eot_wait_ms = 600;
  t.stt_tail_ms = 140;
  t.tts_first_audio_ms = 20;
  t.turn_gap_ms = 812;
  return t;
}

} // namespace

TEST_CASE("a version-4 file gains the media turn timings, keeping its rows",
          "[storage]") {
  temp_dir dir;
  exec_raw(dir.file(db_file), version_2_schema);
  exec_raw(dir.file(db_file), steps_3_and_4);
  exec_raw(dir.file(db_file),
           "INSERT INTO calls (call_sid, status, adopted_at) VALUES"
           " ('CA1', 'completed', '2024-05-01T10:00:00Z');"
           "INSERT INTO turns (call_sid, seq, role, content, confidence,"
           " created_at, latency_ms, model, audio, queue_ms, llm_ms,"
           " first_token_ms, interrupted) VALUES"
           " ('CA1', 1, 'user', 'hello', 0.8, '2024-05-01T10:00:01Z', NULL,"
           "  NULL, NULL, NULL, NULL, NULL, 0),"
           " ('CA1', 2, 'assistant', 'Namaste', NULL, '2024-05-01T10:00:02Z',"
           "  900, 'llama3', 'a1', 40, 800, 150, 1);");
  auto db = open_ok(dir.file(db_file));
  CHECK(raw_scalar(dir.file(db_file), "PRAGMA user_version") == "7");
  auto call = load_ok(*db, "CA1");
  CHECK(call.call.adopted_at == "2024-05-01T10:00:00Z");
  REQUIRE(call.turns.size() == 2);
  CHECK(call.turns[0].content == "hello");
  CHECK(call.turns[0].confidence == Approx(0.8));
  const auto& old_reply = call.turns[1];
  CHECK(old_reply.content == "Namaste");
  CHECK(old_reply.latency_ms == 900);
  CHECK(old_reply.first_token_ms == 150);
  CHECK(old_reply.interrupted);
  CHECK(old_reply.audio == "a1");
  // Turns from before the media transport had no such timings.
  for (const auto& t : call.turns) {
    CHECK_FALSE(t.eot_wait_ms);
    CHECK_FALSE(t.stt_tail_ms);
    CHECK_FALSE(t.tts_first_audio_ms);
    CHECK_FALSE(t.turn_gap_ms);
  }
  CHECK(raw_query(dir.file(db_file),
                  "SELECT typeof(eot_wait_ms), typeof(stt_tail_ms),"
                  " typeof(tts_first_audio_ms), typeof(turn_gap_ms)"
                  " FROM turns ORDER BY seq")
        == table{{"null", "null", "null", "null"},
                 {"null", "null", "null", "null"}});
  // And the migrated file takes a timed reply.
  sb::write_batch batch;
  batch.turns.push_back(timed_reply("CA1", 4));
  REQUIRE_FALSE(db->write(batch));
  call = load_ok(*db, "CA1");
  REQUIRE(call.turns.size() == 3);
  CHECK(call.turns[2].turn_gap_ms == 812);
  CHECK(call.turns[2].eot_wait_ms == 600);
}

TEST_CASE("a media call's turn timings and the caller's audio round-trip, "
          "other turns store NULL",
          "[storage]") {
  temp_dir dir;
  auto db = open_ok(dir.file(db_file));
  sb::write_batch batch;
  batch.calls.push_back(sample_call("CA1"));
  auto heard = sample_turn("CA1", 1, "where is my order");
  heard.confidence = 0.71;
  heard.audio = "/var/lib/switchboard/audio/CA1-1.wav";
  batch.turns.push_back(heard);
  batch.turns.push_back(timed_reply("CA1", 2));
  // A gather call's reply: none of the media timings.
  auto plain = sample_turn("CA1", 4, "Goodbye!");
  plain.latency_ms = 300;
  batch.turns.push_back(plain);
  REQUIRE_FALSE(db->write(batch));

  auto call = load_ok(*db, "CA1");
  REQUIRE(call.turns.size() == 3);
  CHECK(call.turns[0].audio == "/var/lib/switchboard/audio/CA1-1.wav");
  CHECK(call.turns[0].confidence == Approx(0.71));
  CHECK_FALSE(call.turns[0].turn_gap_ms);
  const auto& reply = call.turns[1];
  CHECK(reply.eot_wait_ms == 600);
  CHECK(reply.stt_tail_ms == 140);
  CHECK(reply.tts_first_audio_ms == 20);
  CHECK(reply.turn_gap_ms == 812);
  CHECK(reply.first_token_ms == 52);
  CHECK_FALSE(call.turns[2].eot_wait_ms);
  CHECK_FALSE(call.turns[2].stt_tail_ms);
  CHECK_FALSE(call.turns[2].tts_first_audio_ms);
  CHECK_FALSE(call.turns[2].turn_gap_ms);
  CHECK(raw_query(dir.file(db_file),
                  "SELECT seq, eot_wait_ms, stt_tail_ms, tts_first_audio_ms,"
                  " turn_gap_ms, typeof(turn_gap_ms) FROM turns ORDER BY seq")
        == table{{"1", "NULL", "NULL", "NULL", "NULL", "null"},
                 {"2", "600", "140", "20", "812", "integer"},
                 {"4", "NULL", "NULL", "NULL", "NULL", "null"}});
}

TEST_CASE("a reply trimmed after a barge-in keeps the timings of its gap",
          "[storage]") {
  temp_dir dir;
  auto db = open_ok(dir.file(db_file));
  sb::write_batch first;
  first.calls.push_back(sample_call("CA1"));
  first.turns.push_back(timed_reply("CA1", 2));
  REQUIRE_FALSE(db->write(first));
  // The caller talked over it: the words heard, with no timings known at
  // that moment (they were measured before the reply began).
  auto trimmed = sample_turn("CA1", 2, "Your order");
  trimmed.role = "assistant";
  trimmed.interrupted = true;
  sb::write_batch second;
  second.turns.push_back(trimmed);
  REQUIRE_FALSE(db->write(second));
  auto t = load_ok(*db, "CA1").turns.at(0);
  CHECK(t.content == "Your order");
  CHECK(t.interrupted);
  CHECK(t.eot_wait_ms == 600);
  CHECK(t.stt_tail_ms == 140);
  CHECK(t.tts_first_audio_ms == 20);
  CHECK(t.turn_gap_ms == 812);
  // A later write that knows a timing replaces it.
  trimmed.turn_gap_ms = 790;
  second.turns = {trimmed};
  REQUIRE_FALSE(db->write(second));
  t = load_ok(*db, "CA1").turns.at(0);
  CHECK(t.turn_gap_ms == 790);
  CHECK(t.eot_wait_ms == 600);
}

namespace {

// What the model and a server may send, as bytes: SQL, quotes, a NUL,
// control characters, markup and Hindi.
const std::string hostile_arguments =
  std::string{R"({"order_id":"A1'); DROP TABLE tool_calls;--","x":")"}
  + std::string{"\x1b[31m\\u0000"} + R"("})";
const std::string hostile_result = std::string{"नमस्ते <b>'\"\n"} + '\0'
                                   + "\x1b]0;owned\x07 end";

// A reply that called two tools side by side in its first round (the
// second failed) and one in its second.
sb::turn_row reply_with_tools(const std::string& sid, int64_t seq) {
  auto t = sample_turn(sid, seq, "Your order A123 shipped on Monday.");
  t.role = "assistant";
  t.latency_ms = 900;
  t.tool_calls = {
    answered_call(1, 1, "lookup_order", R"({"order_id":"A123"})",
                  "Order A123 shipped", 42),
    failed_call(2, 1, "track_parcel", hostile_arguments,
                "timed out after 3000 ms", 3001),
    answered_call(3, 2, "lookup_order", "{}", hostile_result, 7),
  };
  return t;
}

// A tool call as comparable fields.
auto fields_of(const sb::tool_call_row& c) {
  return std::make_tuple(c.idx, c.round, c.server, c.name, c.arguments,
                         c.result, c.error, c.ms);
}

void check_same_calls(const std::vector<sb::tool_call_row>& got,
                      const std::vector<sb::tool_call_row>& want) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    CAPTURE(i);
    CHECK(fields_of(got[i]) == fields_of(want[i]));
  }
}

} // namespace

TEST_CASE("a reply's tool calls are stored with it and read back by idx, "
          "hostile text verbatim",
          "[storage]") {
  temp_dir dir;
  auto db = open_ok(dir.file(db_file));
  sb::write_batch batch;
  batch.calls.push_back(sample_call("CA1"));
  batch.turns.push_back(sample_turn("CA1", 1, "where is my order"));
  auto reply = reply_with_tools("CA1", 2);
  // Written out of order: idx, not arrival, orders them.
  std::swap(reply.tool_calls[0], reply.tool_calls[2]);
  batch.turns.push_back(reply);
  REQUIRE_FALSE(db->write(batch));
  auto call = load_ok(*db, "CA1");
  REQUIRE(call.turns.size() == 2);
  CHECK(call.turns[0].tool_calls.empty());
  check_same_calls(call.turns[1].tool_calls,
                   reply_with_tools("CA1", 2).tool_calls);
  CHECK(*db->count_rows("tool_calls") == 3);
  // As an operator sees the rows: no result for the failed call, no error
  // for the others, the turn's time on each.
  CHECK(raw_query(dir.file(db_file),
                  "SELECT call_sid, seq, idx, round, server, name,"
                  " typeof(result), error, ms, created_at FROM tool_calls"
                  " ORDER BY idx")
        == table{{"CA1", "2", "1", "1", "orders", "lookup_order", "text",
                  "NULL", "42", reply.created_at},
                 {"CA1", "2", "2", "1", "orders", "track_parcel", "null",
                  "timed out after 3000 ms", "3001", reply.created_at},
                 {"CA1", "2", "3", "2", "orders", "lookup_order", "text",
                  "NULL", "7", reply.created_at}});
  CHECK(*db->count_rows("calls") == 1);
}

TEST_CASE("a reply written again replaces its tool calls, never adds to "
          "them, and one written without any keeps them",
          "[storage]") {
  temp_dir dir;
  auto db = open_ok(dir.file(db_file));
  sb::write_batch batch;
  batch.calls.push_back(sample_call("CA1"));
  batch.turns.push_back(reply_with_tools("CA1", 2));
  batch.turns.push_back(reply_with_tools("CA1", 4));
  REQUIRE_FALSE(db->write(batch));
  // A retried batch: the same rows again.
  REQUIRE_FALSE(db->write(batch));
  CHECK(*db->count_rows("tool_calls") == 6);
  // The reply written again with what the model's rounds were in the end.
  sb::write_batch again;
  auto rewritten = reply_with_tools("CA1", 2);
  rewritten.created_at = "2024-05-01T10:09:09Z";
  rewritten.tool_calls = {answered_call(
    1, 1, "cancel_order", R"({"order_id":"A123"})", "cancelled", 15)};
  again.turns.push_back(rewritten);
  REQUIRE_FALSE(db->write(again));
  auto call = load_ok(*db, "CA1");
  REQUIRE(call.turns.size() == 2);
  check_same_calls(call.turns[0].tool_calls, rewritten.tool_calls);
  check_same_calls(call.turns[1].tool_calls,
                   reply_with_tools("CA1", 4).tool_calls);
  // created_at stays the turn's first, as the turn's own does.
  CHECK(raw_query(dir.file(db_file), "SELECT t.created_at, c.created_at"
                                     " FROM tool_calls c JOIN turns t"
                                     " USING (call_sid, seq) WHERE seq = 2")
        == table{{"2024-05-01T10:00:02Z", "2024-05-01T10:00:02Z"}});
  // The <Gather> path's second write, the audio's, carries none: the
  // stored ones stay.
  auto audio_only = sample_turn("CA1", 2, "Your order A123 was cancelled.");
  audio_only.role = "assistant";
  audio_only.audio = "0123abcd";
  again.turns = {audio_only};
  REQUIRE_FALSE(db->write(again));
  call = load_ok(*db, "CA1");
  CHECK(call.turns[0].audio == "0123abcd");
  check_same_calls(call.turns[0].tool_calls, rewritten.tool_calls);
  CHECK(*db->count_rows("tool_calls") == 4);
}

TEST_CASE("odd tool calls from the model never cost the reply", "[storage]") {
  temp_dir dir;
  auto db = open_ok(dir.file(db_file));
  sb::write_batch batch;
  auto reply = reply_with_tools("CA1", 2);
  // A call with no name and no arguments, and an idx given twice.
  reply.tool_calls[1].name.clear();
  reply.tool_calls[1].arguments.clear();
  reply.tool_calls[2].idx = 1;
  batch.calls.push_back(sample_call("CA1"));
  batch.turns.push_back(reply);
  REQUIRE_FALSE(db->write(batch));
  auto call = load_ok(*db, "CA1");
  REQUIRE(call.turns.size() == 1);
  CHECK(call.turns[0].content == reply.content);
  const auto& calls = call.turns[0].tool_calls;
  REQUIRE(calls.size() == 2);
  CHECK(fields_of(calls[0]) == fields_of(reply.tool_calls[0]));
  CHECK(fields_of(calls[1]) == fields_of(reply.tool_calls[1]));
}

TEST_CASE("deleting a turn deletes its tool calls", "[storage]") {
  temp_dir dir;
  auto db = open_ok(dir.file(db_file));
  sb::write_batch batch;
  batch.turns.push_back(reply_with_tools("CA1", 2));
  batch.turns.push_back(reply_with_tools("CA1", 4));
  batch.turns.push_back(reply_with_tools("CA2", 2));
  REQUIRE_FALSE(db->write(batch));
  raw_query(dir.file(db_file),
            "DELETE FROM turns WHERE call_sid = 'CA1' AND seq = 2", true);
  CHECK(raw_query(dir.file(db_file), "SELECT call_sid, seq, count(*)"
                                     " FROM tool_calls GROUP BY 1, 2")
        == table{{"CA1", "4", "3"}, {"CA2", "2", "3"}});
}

namespace {

// Steps 5 and 6 as they shipped: on top of steps_3_and_4, a version-6
// file, the last one before tool calls were stored.
constexpr const char* steps_5_and_6 = R"sql(
ALTER TABLE turns ADD COLUMN eot_wait_ms INTEGER;
ALTER TABLE turns ADD COLUMN stt_tail_ms INTEGER;
ALTER TABLE turns ADD COLUMN tts_first_audio_ms INTEGER;
ALTER TABLE turns ADD COLUMN turn_gap_ms INTEGER;
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
PRAGMA user_version = 6;
)sql";

} // namespace

TEST_CASE("a version-6 file gains tool_calls, keeping its rows", "[storage]") {
  temp_dir dir;
  exec_raw(dir.file(db_file), version_2_schema);
  exec_raw(dir.file(db_file), steps_3_and_4);
  exec_raw(dir.file(db_file), steps_5_and_6);
  exec_raw(dir.file(db_file),
           "INSERT INTO calls (call_sid, status, transport) VALUES"
           " ('CA1', 'completed', 'relay');"
           "INSERT INTO turns (call_sid, seq, role, content, created_at,"
           " latency_ms, model) VALUES"
           " ('CA1', 1, 'user', 'where is my order', '2024-05-01T10:00:01Z',"
           "  NULL, NULL),"
           " ('CA1', 2, 'assistant', 'It shipped', '2024-05-01T10:00:02Z',"
           "  900, 'llama3');");
  auto db = open_ok(dir.file(db_file));
  CHECK(raw_scalar(dir.file(db_file), "PRAGMA user_version") == "7");
  auto call = load_ok(*db, "CA1");
  CHECK(call.call.transport == "relay");
  REQUIRE(call.turns.size() == 2);
  CHECK(call.turns[1].content == "It shipped");
  for (const auto& t : call.turns)
    CHECK(t.tool_calls.empty());
  // The full-text index of step 6 still answers.
  CHECK(raw_scalar(dir.file(db_file),
                   "SELECT count(*) FROM turns_fts WHERE turns_fts MATCH"
                   " 'shipped'")
        == "1");
  // And the migrated file stores a reply's tool calls.
  sb::write_batch batch;
  batch.turns.push_back(reply_with_tools("CA1", 4));
  REQUIRE_FALSE(db->write(batch));
  call = load_ok(*db, "CA1");
  REQUIRE(call.turns.size() == 3);
  check_same_calls(call.turns[2].tool_calls,
                   reply_with_tools("CA1", 4).tool_calls);
}
