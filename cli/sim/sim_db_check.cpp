// The lost-turns check: one indexed query per call (turns has UNIQUE
// (call_sid, seq)), comparing the words sent with the rows stored.
#include "cli/sim/sim_db_check.hpp"

#include <map>
#include <memory>

#include <sqlite3.h>

namespace sb {

namespace {

constexpr size_t max_examples = 5;

using db_ptr = std::unique_ptr<sqlite3, decltype(&sqlite3_close)>;
using stmt_ptr = std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)>;

std::string db_error(sqlite3* db, const std::string& path) {
  return path + ": " + (db ? sqlite3_errmsg(db) : "cannot open");
}

// The call's stored turns: user contents with their counts, and how many
// assistant turns. Returns false on a read error.
bool stored_turns(sqlite3_stmt* stmt, const std::string& sid,
                  std::map<std::string, int64_t>& user, int64_t& assistant) {
  sqlite3_reset(stmt);
  sqlite3_bind_text(stmt, 1, sid.data(), static_cast<int>(sid.size()),
                    SQLITE_TRANSIENT);
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    auto role = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    auto text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1));
    auto size = sqlite3_column_bytes(stmt, 1);
    if (role && std::string{role} == "assistant")
      ++assistant;
    else if (role && text)
      ++user[std::string(text, static_cast<size_t>(size))];
  }
  return rc == SQLITE_DONE;
}

} // namespace

db_check_result check_turns(const std::string& path,
                            const std::vector<sent_call>& calls) {
  db_check_result out;
  for (const auto& c : calls)
    out.expected += 2 * static_cast<int64_t>(c.said.size());
  auto fail = [&out](std::string why) {
    out.error = std::move(why);
    out.lost = out.expected;
    return out;
  };
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
  db_ptr db{raw, &sqlite3_close};
  if (rc != SQLITE_OK)
    return fail(db_error(raw, path));
  sqlite3_busy_timeout(raw, 5000);
  sqlite3_stmt* st = nullptr;
  rc = sqlite3_prepare_v2(raw,
                          "SELECT role, content FROM turns WHERE call_sid = ?1",
                          -1, &st, nullptr);
  stmt_ptr stmt{st, &sqlite3_finalize};
  if (rc != SQLITE_OK)
    return fail(db_error(raw, path));
  for (const auto& c : calls) {
    std::map<std::string, int64_t> user;
    int64_t assistant = 0;
    if (!stored_turns(st, c.call_sid, user, assistant))
      return fail(db_error(raw, path));
    for (const auto& words : c.said) {
      if (user[words]-- > 0)
        continue;
      ++out.lost;
      if (out.examples.size() < max_examples)
        out.examples.push_back(c.call_sid + ": user turn \"" + words + "\"");
    }
    auto missing = static_cast<int64_t>(c.said.size()) - assistant;
    if (missing > 0) {
      out.lost += missing;
      if (out.examples.size() < max_examples)
        out.examples.push_back(c.call_sid + ": " + std::to_string(missing)
                               + " assistant turn(s)");
    }
  }
  return out;
}

} // namespace sb
