// The read-only SQLite queries behind switchboardctl history/transcript.
// Rows become JSON objects keyed by column name, so each query's column
// list (with AS where the admin protocol's name differs from the schema's)
// is the single statement of its output shape.
#include "cli/ctl/ctl_history.hpp"

#include <cmath>
#include <cstring>
#include <memory>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <sqlite3.h>

#include "core/error.hpp"
#include "storage/tool_call_json.hpp"
#include "storage/tool_calls.hpp"

namespace sb {

namespace {

constexpr int busy_timeout_ms = 5000;

} // namespace

void readonly_db_closer::operator()(sqlite3* db) const {
  sqlite3_close_v2(db);
}

caf::expected<readonly_db> open_readonly_database(const std::string& path) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY,
                                 nullptr);
  readonly_db db{raw};
  if (rc != SQLITE_OK)
    return make_error(errc::storage_failed,
                      path + ": "
                        + (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  sqlite3_busy_timeout(raw, busy_timeout_ms);
  return db;
}

const char* const history_sql =
  "SELECT c.call_sid, c.direction, c.from_number, c.to_number, c.status,"
  " c.started_at, c.answered_at, c.ended_at, c.duration_s, c.end_reason,"
  " (SELECT COUNT(*) FROM turns t WHERE t.call_sid = c.call_sid) AS turns"
  " FROM calls c"
  " WHERE (?1 IS NULL OR c.started_at >= ?1)"
  " AND (?2 IS NULL OR c.from_number = ?2 OR c.to_number = ?2)"
  " ORDER BY c.started_at DESC, c.call_sid LIMIT ?3";

namespace {

constexpr const char* call_sql =
  "SELECT call_sid, from_number, to_number, status, direction,"
  " started_at AS start_time, answered_at, answered_by, language, voice,"
  " ended_at, duration_s, end_reason"
  " FROM calls WHERE call_sid = ?1";

// The turns query for each schema the file may be at, newest first:
// switchboardctl may be newer than the daemon that last opened the file,
// and as a reader it cannot migrate it. Every one reads the audio path
// (a media call's recorded utterance, on the caller's turns).
//
// Schema 3 on: a reply the caller talked over is printed with a marker
// after what they heard, and carries "interrupted": true; the column is
// NULL, so left out, for every other turn. Schema 5 on: a media call's
// reply carries the timings of the silence before it. The last column,
// seq, is not written: it finds the turn's tool calls (schema 7 on).
struct turns_query {
  int since_version;
  const char* sql;
};

constexpr turns_query turns_queries[] = {
  {5, "SELECT role, content || CASE WHEN interrupted <> 0"
      " THEN ' [interrupted]' ELSE '' END AS content,"
      " created_at AS timestamp, confidence, latency_ms,"
      " CASE WHEN interrupted <> 0 THEN 1 END AS interrupted,"
      " first_token_ms, eot_wait_ms, stt_tail_ms, tts_first_audio_ms,"
      " turn_gap_ms, audio, seq"
      " FROM turns WHERE call_sid = ?1 ORDER BY seq"},
  {3, "SELECT role, content || CASE WHEN interrupted <> 0"
      " THEN ' [interrupted]' ELSE '' END AS content,"
      " created_at AS timestamp, confidence, latency_ms,"
      " CASE WHEN interrupted <> 0 THEN 1 END AS interrupted,"
      " first_token_ms, audio, seq"
      " FROM turns WHERE call_sid = ?1 ORDER BY seq"},
  {0, "SELECT role, content, created_at AS timestamp, confidence,"
      " latency_ms, audio, seq"
      " FROM turns WHERE call_sid = ?1 ORDER BY seq"},
};

// Where the tool_calls table (and so the MCP tool calls of replies)
// begins.
constexpr int tool_calls_since_version = 7;

using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;

struct stmt_finalizer {
  void operator()(sqlite3_stmt* stmt) const {
    sqlite3_finalize(stmt);
  }
};
using stmt_ptr = std::unique_ptr<sqlite3_stmt, stmt_finalizer>;

// One read-only connection and the path it names in errors.
struct reader {
  std::string path;
  readonly_db db;

  caf::error fail() const {
    return make_error(errc::storage_failed,
                      path + ": " + sqlite3_errmsg(db.get()));
  }
};

caf::expected<reader> open_readonly(const std::string& path) {
  auto db = open_readonly_database(path);
  if (!db)
    return db.error();
  return reader{path, std::move(*db)};
}

caf::expected<stmt_ptr> prepare(const reader& r, const char* sql) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(r.db.get(), sql, -1, &raw, nullptr) != SQLITE_OK)
    return r.fail();
  return stmt_ptr(raw);
}

// Binds text, or NULL when empty.
void bind_text(sqlite3_stmt* stmt, int index, const std::string& text) {
  if (text.empty())
    sqlite3_bind_null(stmt, index);
  else
    sqlite3_bind_text(stmt, index, text.data(), static_cast<int>(text.size()),
                      SQLITE_TRANSIENT);
}

void write_column(json_writer& w, sqlite3_stmt* stmt, int i) {
  switch (sqlite3_column_type(stmt, i)) {
    case SQLITE_INTEGER: w.Int64(sqlite3_column_int64(stmt, i)); break;
    case SQLITE_FLOAT: {
      // JSON has no NaN or infinity.
      const double d = sqlite3_column_double(stmt, i);
      if (std::isfinite(d))
        w.Double(d);
      else
        w.Null();
      break;
    }
    case SQLITE_NULL: w.Null(); break;
    default: {
      const auto* text = sqlite3_column_text(stmt, i);
      w.String(reinterpret_cast<const char*>(text),
               static_cast<rapidjson::SizeType>(sqlite3_column_bytes(stmt, i)));
    }
  }
}

// SQLite has no boolean type: these columns hold 0/1 and are written as
// JSON false/true.
bool is_flag(const char* column) {
  return std::strcmp(column, "interrupted") == 0;
}

// The current row's columns as fields keyed by column name, the first
// `columns` of them (all when negative); with `omit_nulls`, NULL columns
// are left out (the session's optional turn fields).
void write_fields(json_writer& w, sqlite3_stmt* stmt, bool omit_nulls,
                  int columns = -1) {
  if (columns < 0)
    columns = sqlite3_column_count(stmt);
  for (int i = 0; i < columns; ++i) {
    const int type = sqlite3_column_type(stmt, i);
    if (omit_nulls && type == SQLITE_NULL)
      continue;
    const char* name = sqlite3_column_name(stmt, i);
    w.Key(name);
    if (is_flag(name) && type == SQLITE_INTEGER)
      w.Bool(sqlite3_column_int64(stmt, i) != 0);
    else
      write_column(w, stmt, i);
  }
}

// Steps through every row, writing each as an object; returns how many
// there were.
caf::expected<int> write_rows(const reader& r, sqlite3_stmt* stmt,
                              json_writer& w, bool omit_nulls) {
  int rows = 0;
  for (;;) {
    const int rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE)
      return rows;
    if (rc != SQLITE_ROW)
      return r.fail();
    w.StartObject();
    write_fields(w, stmt, omit_nulls);
    w.EndObject();
    ++rows;
  }
}

// The turns of a turns_queries statement, each without its seq but with
// its tool calls (in `calls`, by seq and idx) when it made any.
caf::error write_turns(const reader& r, sqlite3_stmt* stmt,
                       const std::vector<turn_tool_call>& calls,
                       json_writer& w) {
  const int seq_column = sqlite3_column_count(stmt) - 1;
  auto next = calls.begin();
  for (;;) {
    const int rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE)
      return caf::none;
    if (rc != SQLITE_ROW)
      return r.fail();
    w.StartObject();
    write_fields(w, stmt, true, seq_column);
    const auto seq = sqlite3_column_int64(stmt, seq_column);
    std::vector<tool_call_row> mine;
    for (; next != calls.end() && next->seq <= seq; ++next)
      if (next->seq == seq)
        mine.push_back(next->call);
    if (!mine.empty()) {
      w.Key("tool_calls");
      write_tool_calls(w, mine);
    }
    w.EndObject();
  }
}

// A prepared query with the call SID bound as ?1.
caf::expected<stmt_ptr> by_call(const reader& r, const char* sql,
                                const std::string& call_sid) {
  auto stmt = prepare(r, sql);
  if (stmt)
    bind_text(stmt->get(), 1, call_sid);
  return stmt;
}

// The file's schema version (storage/database's PRAGMA user_version).
caf::expected<int> schema_version(const reader& r) {
  auto stmt = prepare(r, "PRAGMA user_version");
  if (!stmt)
    return stmt.error();
  if (sqlite3_step(stmt->get()) != SQLITE_ROW)
    return r.fail();
  return sqlite3_column_int(stmt->get(), 0);
}

// The call's turns query, in the shape the file's schema allows.
caf::expected<stmt_ptr> turns_of(const reader& r, int version,
                                 const std::string& call_sid) {
  for (const auto& query : turns_queries)
    if (version >= query.since_version)
      return by_call(r, query.sql, call_sid);
  return make_error(errc::storage_failed, r.path + ": negative schema version");
}

// The call's tool calls, by seq and idx; none before the schema had them.
caf::expected<std::vector<turn_tool_call>>
tool_calls_of(const reader& r, int version, const std::string& call_sid) {
  if (version < tool_calls_since_version)
    return std::vector<turn_tool_call>{};
  auto calls = read_tool_calls(r.db.get(), call_sid);
  if (!calls)
    return make_error(errc::storage_failed,
                      r.path + ": " + what(calls.error()));
  return calls;
}

} // namespace

caf::expected<std::string> read_history(const std::string& db_path,
                                        const history_filter& filter) {
  auto r = open_readonly(db_path);
  if (!r)
    return r.error();
  auto stmt = prepare(*r, history_sql);
  if (!stmt)
    return stmt.error();
  bind_text(stmt->get(), 1, filter.since);
  bind_text(stmt->get(), 2, filter.number);
  sqlite3_bind_int(stmt->get(), 3, filter.limit);
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  w.StartObject();
  w.Key("calls");
  w.StartArray();
  auto rows = write_rows(*r, stmt->get(), w, false);
  if (!rows)
    return rows.error();
  w.EndArray();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

caf::expected<std::optional<std::string>>
read_transcript(const std::string& db_path, const std::string& call_sid) {
  auto r = open_readonly(db_path);
  if (!r)
    return r.error();
  auto call = by_call(*r, call_sql, call_sid);
  if (!call)
    return call.error();
  // The call's row is read, then its turns, in one read transaction, so
  // both come from the same moment of the file.
  if (sqlite3_exec(r->db.get(), "BEGIN", nullptr, nullptr, nullptr)
      != SQLITE_OK)
    return r->fail();
  const int rc = sqlite3_step(call->get());
  if (rc == SQLITE_DONE)
    return std::optional<std::string>{};
  if (rc != SQLITE_ROW)
    return r->fail();
  auto version = schema_version(*r);
  if (!version)
    return version.error();
  auto turns = turns_of(*r, *version, call_sid);
  if (!turns)
    return turns.error();
  auto calls = tool_calls_of(*r, *version, call_sid);
  if (!calls)
    return calls.error();
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  w.StartObject();
  write_fields(w, call->get(), false);
  w.Key("conversation_history");
  w.StartArray();
  if (auto err = write_turns(*r, turns->get(), *calls, w))
    return err;
  w.EndArray();
  w.EndObject();
  return std::optional<std::string>(
    std::string(buf.GetString(), buf.GetSize()));
}

} // namespace sb
