// The tool_calls reads: one fixed statement, the call bound, rows in key
// order, so each turn's list comes out already sorted by idx.
#include "storage/tool_calls.hpp"

#include <map>

#include <sqlite3.h>

#include "storage/sqlite_rows.hpp"

namespace sb {

namespace {

constexpr const char* select_tool_calls_sql =
  "SELECT seq, idx, round, server, name, arguments, result, error, ms"
  " FROM tool_calls WHERE call_sid = ?1 ORDER BY seq, idx";

turn_tool_call read_row(sqlite3_stmt* stmt) {
  auto text = [stmt](int i) { return sqlite::column_text(stmt, i); };
  auto number = [stmt](int i) { return sqlite3_column_int64(stmt, i); };
  return {number(0),
          {number(1), number(2), text(3), text(4), text(5), text(6), text(7),
           number(8)}};
}

} // namespace

caf::expected<std::vector<turn_tool_call>>
read_tool_calls(sqlite3* db, const std::string& call_sid) {
  auto stmt = sqlite::prepare(db, select_tool_calls_sql, false);
  if (!stmt)
    return stmt.error();
  sqlite::bind_all(stmt->get(), call_sid);
  std::vector<turn_tool_call> rows;
  int rc;
  while ((rc = sqlite3_step(stmt->get())) == SQLITE_ROW)
    rows.push_back(read_row(stmt->get()));
  if (rc != SQLITE_DONE)
    return sqlite::sqlite_error(db, "reading tool_calls");
  return rows;
}

caf::error load_tool_calls(sqlite3* db, const std::string& call_sid,
                           std::vector<turn_row>& turns) {
  auto rows = read_tool_calls(db, call_sid);
  if (!rows)
    return rows.error();
  std::map<int64_t, turn_row*> by_seq;
  for (auto& t : turns)
    by_seq[t.seq] = &t;
  for (auto& row : *rows)
    if (auto it = by_seq.find(row.seq); it != by_seq.end())
      it->second->tool_calls.push_back(std::move(row.call));
  return caf::none;
}

} // namespace sb
