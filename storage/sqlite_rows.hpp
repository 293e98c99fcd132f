// Storage's own SQLite toolkit, shared by database.cpp (the writer) and
// console_queries.cpp (the console's reads): statement ownership and
// reset, binding the row types' "unknown" (empty, nullopt) as NULL,
// reading rows back into records.hpp's structs, and SQLite's messages
// turned into errc::storage_failed. Internal to storage/: nothing outside
// this folder includes it, so <sqlite3.h> stays out of every other layer.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>

#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <sqlite3.h>

#include "storage/records.hpp"

namespace sb::sqlite {

struct stmt_deleter {
  void operator()(sqlite3_stmt* stmt) const {
    sqlite3_finalize(stmt);
  }
};
using stmt_ptr = std::unique_ptr<sqlite3_stmt, stmt_deleter>;

// Resets a statement when a read or write leaves scope, early return
// included: a statement left mid-step would hold a read snapshot open and
// stop WAL checkpoints from ever catching up.
struct reset_guard {
  sqlite3_stmt* stmt;
  ~reset_guard() {
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
  }
};

/// errc::storage_failed: `what` and SQLite's last message on `db`.
caf::error sqlite_error(sqlite3* db, const std::string& what);

/// Runs statements without results (BEGIN, COMMIT, PRAGMA x = y); the text
/// itself labels the error.
caf::error exec(sqlite3* db, const std::string& sql);

/// Prepares `sql`; `persistent` for statements kept for the connection's
/// life (the writer's), false for one-off queries.
caf::expected<stmt_ptr> prepare(sqlite3* db, const std::string& sql,
                                bool persistent = true);

/// The columns of calls, key first: the upsert's bind order and the
/// order read_call() reads them in.
inline constexpr std::array<const char*, 16> call_columns = {
  "call_sid",   "account_sid", "direction",   "from_number",
  "to_number",  "status",      "answered_by", "language",
  "voice",      "started_at",  "answered_at", "ended_at",
  "duration_s", "end_reason",  "adopted_at",  "transport"};

/// The columns of turns read_turn() reads, in its order.
inline constexpr std::array<const char*, 17> turn_columns = {
  "call_sid",    "seq",         "role",        "content",
  "confidence",  "created_at",  "latency_ms",  "model",
  "audio",       "queue_ms",    "llm_ms",      "first_token_ms",
  "interrupted", "eot_wait_ms", "stt_tail_ms", "tts_first_audio_ms",
  "turn_gap_ms"};

/// "p.a, p.b, ...": `columns` each preceded by `prefix` ("c." in a join).
template <size_t N>
std::string column_list(const std::array<const char*, N>& columns,
                        const std::string& prefix = {}) {
  std::string list;
  for (size_t i = 0; i < N; ++i)
    list += (i == 0 ? "" : ", ") + prefix + columns[i];
  return list;
}

// The row types say "unknown" with an empty string or nullopt; the schema
// says it with NULL. SQLITE_STATIC is safe: every bound value outlives its
// step, and reset_guard clears the bindings right after.
void bind(sqlite3_stmt* stmt, int i, const std::string& text);

/// For NOT NULL text columns, where empty is a value: turns.content is ""
/// when the caller interrupted a reply before hearing any of it.
struct text_value {
  const std::string& text;
};
void bind(sqlite3_stmt* stmt, int i, text_value value);
void bind(sqlite3_stmt* stmt, int i, int64_t value);
void bind(sqlite3_stmt* stmt, int i, bool value); // stored as 0/1
void bind(sqlite3_stmt* stmt, int i, double value);

template <class T>
void bind(sqlite3_stmt* stmt, int i, const std::optional<T>& value) {
  if (value)
    bind(stmt, i, *value);
  else
    sqlite3_bind_null(stmt, i);
}

template <class... Ts>
void bind_all(sqlite3_stmt* stmt, const Ts&... values) {
  int i = 0;
  (bind(stmt, ++i, values), ...);
}

/// Text of column `i`; empty for NULL.
std::string column_text(sqlite3_stmt* stmt, int i);

template <class T>
std::optional<T> column_opt(sqlite3_stmt* stmt, int i) {
  if (sqlite3_column_type(stmt, i) == SQLITE_NULL)
    return std::nullopt;
  if constexpr (std::is_same_v<T, double>)
    return sqlite3_column_double(stmt, i);
  else
    return sqlite3_column_int64(stmt, i);
}

/// A call_row from columns [first, first + 16) in call_columns order.
call_row read_call(sqlite3_stmt* stmt, int first = 0);

/// A turn_row from columns [first, first + 17) in turn_columns order.
turn_row read_turn(sqlite3_stmt* stmt, int first = 0);

} // namespace sb::sqlite
