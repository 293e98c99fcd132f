// The out-of-line half of storage/sqlite_rows.hpp: error mapping, binding
// and reading rows.
#include "storage/sqlite_rows.hpp"

#include "core/error.hpp"

namespace sb::sqlite {

caf::error sqlite_error(sqlite3* db, const std::string& what) {
  return make_error(errc::storage_failed, what + ": " + sqlite3_errmsg(db));
}

caf::error exec(sqlite3* db, const std::string& sql) {
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK)
    return sqlite_error(db, sql);
  return caf::none;
}

caf::expected<stmt_ptr> prepare(sqlite3* db, const std::string& sql,
                                bool persistent) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v3(db, sql.c_str(), static_cast<int>(sql.size() + 1),
                         persistent ? SQLITE_PREPARE_PERSISTENT : 0, &raw,
                         nullptr)
      != SQLITE_OK)
    return sqlite_error(db, sql.substr(0, 40));
  return stmt_ptr{raw};
}

void bind(sqlite3_stmt* stmt, int i, const std::string& text) {
  if (text.empty())
    sqlite3_bind_null(stmt, i);
  else
    sqlite3_bind_text64(stmt, i, text.data(), text.size(), SQLITE_STATIC,
                        SQLITE_UTF8);
}

void bind(sqlite3_stmt* stmt, int i, text_value value) {
  sqlite3_bind_text64(stmt, i, value.text.data(), value.text.size(),
                      SQLITE_STATIC, SQLITE_UTF8);
}

void bind(sqlite3_stmt* stmt, int i, int64_t value) {
  sqlite3_bind_int64(stmt, i, value);
}

void bind(sqlite3_stmt* stmt, int i, bool value) {
  sqlite3_bind_int64(stmt, i, value ? 1 : 0);
}

void bind(sqlite3_stmt* stmt, int i, double value) {
  sqlite3_bind_double(stmt, i, value);
}

std::string column_text(sqlite3_stmt* stmt, int i) {
  auto text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
  return text ? std::string(text, sqlite3_column_bytes(stmt, i))
              : std::string{};
}

call_row read_call(sqlite3_stmt* stmt, int first) {
  auto text = [&](int i) { return column_text(stmt, first + i); };
  call_row row;
  row.call_sid = text(0);
  row.account_sid = text(1);
  row.direction = text(2);
  row.from_number = text(3);
  row.to_number = text(4);
  row.status = text(5);
  row.answered_by = text(6);
  row.language = text(7);
  row.voice = text(8);
  row.started_at = text(9);
  row.answered_at = text(10);
  row.ended_at = text(11);
  row.duration_s = column_opt<int64_t>(stmt, first + 12);
  row.end_reason = text(13);
  row.adopted_at = text(14);
  row.transport = text(15);
  return row;
}

turn_row read_turn(sqlite3_stmt* stmt, int first) {
  auto text = [&](int i) { return column_text(stmt, first + i); };
  auto number = [&](int i) { return column_opt<int64_t>(stmt, first + i); };
  turn_row row;
  row.call_sid = text(0);
  row.seq = sqlite3_column_int64(stmt, first + 1);
  row.role = text(2);
  row.content = text(3);
  row.confidence = column_opt<double>(stmt, first + 4);
  row.created_at = text(5);
  row.latency_ms = number(6);
  row.model = text(7);
  row.audio = text(8);
  row.queue_ms = number(9);
  row.llm_ms = number(10);
  row.first_token_ms = number(11);
  row.interrupted = sqlite3_column_int64(stmt, first + 12) != 0;
  row.eot_wait_ms = number(13);
  row.stt_tail_ms = number(14);
  row.tts_first_audio_ms = number(15);
  row.turn_gap_ms = number(16);
  return row;
}

} // namespace sb::sqlite
