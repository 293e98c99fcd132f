// The console's reads. Every statement is fixed text with `?` parameters;
// the filter only chooses which fixed fragments join the WHERE clause, and
// the user's values (numbers, words, cursors) are always bound, never
// spliced. The list pages on (started_at, call_sid) newest first, which the
// calls_started_sid index serves in order, so a page reads about `limit`
// calls however many are stored; its per-call aggregates are correlated
// subqueries on turns' (call_sid, seq) index.
#include "storage/console_queries.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <utility>
#include <variant>

#include <sqlite3.h>

#include "core/error.hpp"
#include "storage/sqlite_rows.hpp"
#include "storage/tool_calls.hpp"

namespace sb {

namespace {

using sqlite::column_opt;
using sqlite::column_text;
using sqlite::read_call;
using sqlite::read_turn;
using sqlite::stmt_ptr;

// A statement's text and its parameters, in `?` order.
struct query {
  std::string sql;
  std::vector<std::variant<std::string, int64_t>> args;
};

// Stored times carry milliseconds ("...T10:00:00.000Z"), and as text
// "10:00:00Z" sorts after "10:00:00.000Z": a bound given to the second
// gets its ".000" so "< until" excludes that very second's calls.
std::string comparable_time(const std::string& t) {
  if (t.size() == 20 && t[10] == 'T' && t[19] == 'Z')
    return t.substr(0, 19) + ".000Z";
  if (t.size() == 19 && t[10] == 'T')
    return t + ".000Z";
  return t;
}

// Appends " AND ..." for each filter that is set, on calls aliased `c`.
void add_filter(query& q, const call_filter& f) {
  auto add = [&q](const char* sql, const std::string& value, int times = 1) {
    q.sql += sql;
    for (int i = 0; i < times; ++i)
      q.args.emplace_back(value);
  };
  if (!f.since.empty())
    add(" AND c.started_at >= ?", comparable_time(f.since));
  if (!f.until.empty())
    add(" AND c.started_at < ?", comparable_time(f.until));
  if (f.direction == "outbound")
    q.sql += " AND substr(c.direction, 1, 8) = 'outbound'";
  else if (!f.direction.empty())
    add(" AND c.direction = ?", f.direction);
  if (f.status == "live")
    q.sql += " AND c.ended_at IS NULL";
  else if (!f.status.empty())
    add(" AND c.status = ?", f.status);
  if (!f.number.empty())
    add(" AND (instr(c.from_number, ?) > 0 OR instr(c.to_number, ?) > 0)",
        f.number, 2);
  if (!f.transport.empty())
    add(" AND c.transport = ?", f.transport);
}

caf::error no_connection() {
  return make_error(errc::storage_failed, "console: no database connection");
}

// Prepares `q` and binds its arguments; they must outlive the statement's
// steps (SQLITE_STATIC), which the callers' `q` does.
caf::expected<stmt_ptr> prepare_bound(sqlite3* db, const query& q) {
  if (db == nullptr)
    return no_connection();
  auto stmt = sqlite::prepare(db, q.sql, false);
  if (!stmt)
    return stmt.error();
  int i = 0;
  for (auto& arg : q.args) {
    if (auto text = std::get_if<std::string>(&arg))
      sqlite::bind(stmt->get(), ++i, *text);
    else
      sqlite::bind(stmt->get(), ++i, std::get<int64_t>(arg));
  }
  return stmt;
}

// Steps `q`, handing each row to `on_row`.
template <class OnRow>
caf::error
each_row(sqlite3* db, const query& q, const char* what, OnRow&& on_row) {
  auto stmt = prepare_bound(db, q);
  if (!stmt)
    return stmt.error();
  int rc;
  while ((rc = sqlite3_step(stmt->get())) == SQLITE_ROW)
    on_row(stmt->get());
  if (rc != SQLITE_DONE)
    return sqlite::sqlite_error(db, what);
  return caf::none;
}

caf::error check_limit(int limit) {
  // SQLite reads a negative LIMIT as "no limit": the opposite of a bound.
  if (limit < 1)
    return make_error(errc::bad_request,
                      "limit must be at least 1, not " + std::to_string(limit));
  return caf::none;
}

// The list's columns after the call's own: the aggregates over its turns.
constexpr const char* summary_columns =
  ", (SELECT count(*) FROM turns t WHERE t.call_sid = c.call_sid)"
  ", (SELECT CAST(round(avg(t.latency_ms)) AS INTEGER) FROM turns t"
  "   WHERE t.call_sid = c.call_sid AND t.role = 'assistant')"
  ", (SELECT max(t.latency_ms) FROM turns t"
  "   WHERE t.call_sid = c.call_sid AND t.role = 'assistant')"
  ", (SELECT count(*) FROM turns t WHERE t.call_sid = c.call_sid"
  "   AND t.role = 'assistant' AND t.interrupted = 1)";

call_summary read_summary(sqlite3_stmt* stmt) {
  constexpr int n = static_cast<int>(sqlite::call_columns.size());
  call_summary s;
  s.call = read_call(stmt);
  s.turns = sqlite3_column_int64(stmt, n);
  s.latency_mean_ms = column_opt<int64_t>(stmt, n + 1);
  s.latency_max_ms = column_opt<int64_t>(stmt, n + 2);
  s.interruptions = sqlite3_column_int64(stmt, n + 3);
  return s;
}

// The turn's text with FTS5's markers cut out: even pieces around the
// matched words at odd ones. A text that itself held a marker byte would
// come back malformed (an even count): then it is shown whole, unmarked.
std::vector<std::string> split_snippet(const std::string& marked) {
  std::vector<std::string> pieces(1);
  for (char ch : marked) {
    bool opens = ch == '\x01' && pieces.size() % 2 == 1;
    bool closes = ch == '\x02' && pieces.size() % 2 == 0;
    if (opens || closes)
      pieces.emplace_back();
    else
      pieces.back() += ch;
  }
  if (pieces.size() % 2 == 0) {
    std::string whole;
    for (auto ch : marked)
      if (ch != '\x01' && ch != '\x02')
        whole += ch;
    return {whole};
  }
  return pieces;
}

// A word has a letter or digit (any non-ASCII byte counts: UTF-8 text); a
// token of punctuation alone ("-", "*", "\"") means nothing to search for.
bool is_word(const std::string& token) {
  return std::any_of(token.begin(), token.end(), [](char ch) {
    auto byte = static_cast<unsigned char>(ch);
    return byte >= 0x80 || std::isalnum(byte);
  });
}

} // namespace

std::optional<int64_t> percentile(std::vector<int64_t>& values, double p) {
  if (values.empty())
    return std::nullopt;
  auto n = static_cast<double>(values.size());
  auto rank = static_cast<size_t>(std::ceil(p / 100.0 * n));
  rank = std::clamp<size_t>(rank, 1, values.size());
  // Only the one rank is needed: a selection, linear on average, where a
  // sort of the half million latencies of a busy range is not.
  auto nth = values.begin() + static_cast<std::ptrdiff_t>(rank - 1);
  std::nth_element(values.begin(), nth, values.end());
  return *nth;
}

caf::expected<call_page> list_calls(sqlite3* db, const call_filter& filter,
                                    const call_cursor& after, int limit) {
  if (auto err = check_limit(limit))
    return err;
  query q;
  q.sql = "SELECT " + sqlite::column_list(sqlite::call_columns, "c.")
          + summary_columns + " FROM calls c WHERE 1";
  add_filter(q, filter);
  if (!after.empty()) {
    q.sql += " AND (c.started_at, c.call_sid) < (?, ?)";
    q.args.emplace_back(after.started_at);
    q.args.emplace_back(after.call_sid);
  }
  // One row more than asked says whether another page follows.
  q.sql += " ORDER BY c.started_at DESC, c.call_sid DESC LIMIT ?";
  q.args.emplace_back(int64_t{limit} + 1);
  call_page page;
  auto err = each_row(db, q, "listing calls", [&](sqlite3_stmt* stmt) {
    page.calls.push_back(read_summary(stmt));
  });
  if (err)
    return err;
  if (page.calls.size() > static_cast<size_t>(limit)) {
    page.calls.pop_back();
    const auto& last = page.calls.back().call;
    page.next = {last.started_at, last.call_sid};
  }
  return page;
}

caf::expected<call_kpis> count_calls(sqlite3* db, const call_filter& filter) {
  query q;
  q.sql = "SELECT count(*),"
          " coalesce(sum(c.answered_at IS NOT NULL"
          "  OR c.status IN ('in-progress', 'completed')), 0),"
          " avg(c.duration_s), coalesce(sum(c.ended_at IS NULL), 0)"
          " FROM calls c WHERE 1";
  add_filter(q, filter);
  call_kpis kpis;
  auto err = each_row(db, q, "counting calls", [&](sqlite3_stmt* stmt) {
    kpis.calls = sqlite3_column_int64(stmt, 0);
    kpis.answered = sqlite3_column_int64(stmt, 1);
    kpis.mean_duration_s = column_opt<double>(stmt, 2);
    kpis.live_now = sqlite3_column_int64(stmt, 3);
  });
  if (err)
    return err;
  query lat;
  lat.sql = "SELECT t.latency_ms FROM calls c"
            " JOIN turns t ON t.call_sid = c.call_sid"
            " WHERE t.role = 'assistant' AND t.latency_ms IS NOT NULL";
  add_filter(lat, filter);
  std::vector<int64_t> latencies;
  err = each_row(db, lat, "reading latencies", [&](sqlite3_stmt* stmt) {
    latencies.push_back(sqlite3_column_int64(stmt, 0));
  });
  if (err)
    return err;
  kpis.latency_p50_ms = percentile(latencies, 50);
  kpis.latency_p95_ms = percentile(latencies, 95);
  return kpis;
}

namespace {

// The call's turns, recordings and events, each in its display order.
caf::error load_children(sqlite3* db, call_detail& d) {
  const auto& sid = d.stored.call.call_sid;
  query turns{"SELECT " + sqlite::column_list(sqlite::turn_columns)
                + " FROM turns WHERE call_sid = ? ORDER BY seq",
              {sid}};
  auto err = each_row(db, turns, "reading turns", [&](sqlite3_stmt* stmt) {
    d.stored.turns.push_back(read_turn(stmt));
  });
  if (!err)
    err = load_tool_calls(db, sid, d.stored.turns);
  if (err)
    return err;
  query recordings{"SELECT recording_sid, call_sid, url, status, duration_s,"
                   " channels, created_at FROM recordings WHERE call_sid = ?"
                   " ORDER BY created_at, recording_sid",
                   {sid}};
  err = each_row(db, recordings, "reading recordings", [&](sqlite3_stmt* s) {
    d.recordings.push_back({column_text(s, 0), column_text(s, 1),
                            column_text(s, 2), column_text(s, 3),
                            column_opt<int64_t>(s, 4),
                            column_opt<int64_t>(s, 5), column_text(s, 6)});
  });
  if (err)
    return err;
  query events{"SELECT id, call_sid, kind, received_at, payload FROM events"
               " WHERE call_sid = ? ORDER BY id",
               {sid}};
  return each_row(db, events, "reading events", [&](sqlite3_stmt* s) {
    d.event_ids.push_back(sqlite3_column_int64(s, 0));
    d.events.push_back({column_text(s, 1), column_text(s, 2), column_text(s, 3),
                        column_text(s, 4)});
  });
}

// The neighbours in the list's order (every call, no filter): `older` is
// the next row down the list, else the next one up.
caf::expected<std::string> neighbour(sqlite3* db, const call_row& call,
                                     bool older) {
  query q{older ? "SELECT call_sid FROM calls"
                  " WHERE (started_at, call_sid) < (?, ?)"
                  " ORDER BY started_at DESC, call_sid DESC LIMIT 1"
                : "SELECT call_sid FROM calls"
                  " WHERE (started_at, call_sid) > (?, ?)"
                  " ORDER BY started_at, call_sid LIMIT 1",
          {call.started_at, call.call_sid}};
  std::string sid;
  auto err = each_row(db, q, "reading neighbours",
                      [&](sqlite3_stmt* stmt) { sid = column_text(stmt, 0); });
  if (err)
    return err;
  return sid;
}

} // namespace

caf::expected<std::optional<call_detail>>
load_call_detail(sqlite3* db, const std::string& call_sid) {
  query q{"SELECT " + sqlite::column_list(sqlite::call_columns)
            + " FROM calls WHERE call_sid = ?",
          {call_sid}};
  std::optional<call_detail> detail;
  auto err = each_row(db, q, "reading calls", [&](sqlite3_stmt* stmt) {
    detail.emplace();
    detail->stored.call = read_call(stmt);
  });
  if (err)
    return err;
  if (!detail)
    return detail;
  if ((err = load_children(db, *detail)))
    return err;
  auto prev = neighbour(db, detail->stored.call, true);
  if (!prev)
    return prev.error();
  auto next = neighbour(db, detail->stored.call, false);
  if (!next)
    return next.error();
  detail->prev_call_sid = std::move(*prev);
  detail->next_call_sid = std::move(*next);
  return detail;
}

namespace {

// How a search finds its turns: the text column it reads back (the
// turn's, or FTS5's snippet of it), what follows FROM with the one `?`
// bound to `match`, and the newest-first order.
struct hit_query {
  const char* text_column;
  const char* from_where;
  std::string match;
  const char* newest_first;
};

// Runs a search among calls the filter matches; each hit's snippet is
// `cut` applied to the text column.
template <class Cut>
caf::expected<std::vector<search_hit>>
find_hits(sqlite3* db, const hit_query& h, const call_filter& filter, int limit,
          const char* what, Cut&& cut) {
  query q;
  q.sql = "SELECT " + sqlite::column_list(sqlite::call_columns, "c.")
          + ", t.seq, t.role, t.created_at, " + h.text_column + " FROM "
          + h.from_where;
  q.args.emplace_back(h.match);
  add_filter(q, filter);
  q.sql += std::string(" ORDER BY ") + h.newest_first + " LIMIT ?";
  q.args.emplace_back(int64_t{limit});
  std::vector<search_hit> hits;
  constexpr int n = static_cast<int>(sqlite::call_columns.size());
  auto err = each_row(db, q, what, [&](sqlite3_stmt* stmt) {
    search_hit hit;
    hit.call = read_call(stmt);
    hit.seq = sqlite3_column_int64(stmt, n);
    hit.role = column_text(stmt, n + 1);
    hit.created_at = column_text(stmt, n + 2);
    hit.snippet = cut(column_text(stmt, n + 3));
    hits.push_back(std::move(hit));
  });
  if (err)
    return err;
  return hits;
}

// FTS5's query language read from the user's words: each word a quoted
// string (inner quotes doubled, so nothing in it is syntax) matched as a
// prefix, all of them required. Empty when the text has no word.
std::string match_expression(const std::string& text) {
  std::string expr;
  size_t i = 0;
  while (i < text.size()) {
    auto start = text.find_first_not_of(" \t\r\n", i);
    if (start == std::string::npos)
      break;
    auto end = text.find_first_of(" \t\r\n", start);
    if (end == std::string::npos)
      end = text.size();
    auto token = text.substr(start, end - start);
    i = end;
    if (!is_word(token))
      continue;
    std::string quoted;
    for (char ch : token)
      quoted += ch == '"' ? std::string{"\"\""} : std::string(1, ch);
    expr += (expr.empty() ? "\"" : " \"") + quoted + "\"*";
  }
  return expr;
}

} // namespace

caf::expected<std::vector<search_hit>>
search_turns(sqlite3* db, const std::string& text, const call_filter& filter,
             int limit) {
  if (auto err = check_limit(limit))
    return err;
  auto expr = match_expression(text);
  if (expr.empty())
    return make_error(errc::bad_request, "q: no word to search for");
  // Newest first: FTS5 hands rowids out in order, so the first page of
  // a word found in a tenth of a million turns costs only that page,
  // where ranking by bm25 would score every match first (~200 ms).
  hit_query h{"snippet(turns_fts, 0, char(1), char(2), '…', 32)",
              "turns_fts JOIN turns t ON t.id = turns_fts.rowid"
              " JOIN calls c ON c.call_sid = t.call_sid"
              " WHERE turns_fts MATCH ?",
              expr, "turns_fts.rowid DESC"};
  return find_hits(db, h, filter, limit, "searching turns", split_snippet);
}

caf::expected<bool> has_transcript_index(sqlite3* db) {
  query q{"SELECT count(*) FROM sqlite_master WHERE name = 'turns_fts'", {}};
  bool found = false;
  auto err = each_row(db, q, "looking for turns_fts", [&](sqlite3_stmt* s) {
    found = sqlite3_column_int64(s, 0) > 0;
  });
  if (err)
    return err;
  return found;
}

namespace {

// `text` as a LIKE pattern that matches it anywhere, '\' escaping the
// characters LIKE would read as wildcards.
std::string like_pattern(const std::string& text) {
  std::string pattern = "%";
  for (char ch : text) {
    if (ch == '%' || ch == '_' || ch == '\\')
      pattern += '\\';
    pattern += ch;
  }
  return pattern + "%";
}

// [before, match, after] around the first case-insensitive (ASCII) match
// of `text` in `content`, as LIKE found it; the whole content when the
// match cannot be placed (a non-ASCII case difference).
std::vector<std::string> cut_around(const std::string& content,
                                    const std::string& text) {
  auto lower = [](std::string s) {
    for (auto& ch : s)
      ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return s;
  };
  auto at = lower(content).find(lower(text));
  if (at == std::string::npos)
    return {content};
  return {content.substr(0, at), content.substr(at, text.size()),
          content.substr(at + text.size())};
}

} // namespace

caf::expected<std::vector<search_hit>>
match_turns(sqlite3* db, const std::string& text, const call_filter& filter,
            int limit) {
  if (auto err = check_limit(limit))
    return err;
  if (text.empty())
    return make_error(errc::bad_request, "q: no text to search for");
  hit_query h{"t.content",
              "turns t JOIN calls c ON c.call_sid = t.call_sid"
              " WHERE t.content LIKE ? ESCAPE '\\'",
              like_pattern(text), "t.id DESC"};
  return find_hits(db, h, filter, limit, "matching turns",
                   [&text](const std::string& content) {
                     return cut_around(content, text);
                   });
}

caf::expected<std::vector<hourly_stat>>
hourly_stats(sqlite3* db, const call_filter& filter) {
  // (hour, transport) -> its cell; std::map keeps them oldest first.
  std::map<std::pair<std::string, std::string>, hourly_stat> cells;
  auto cell = [&cells](sqlite3_stmt* stmt) -> hourly_stat& {
    auto hour = column_text(stmt, 0) + ":00:00Z";
    auto transport = column_text(stmt, 1);
    auto& c = cells[{hour, transport}];
    c.hour = hour;
    c.transport = transport;
    return c;
  };
  query calls;
  calls.sql = "SELECT substr(c.started_at, 1, 13), coalesce(c.transport, ''),"
              " count(*) FROM calls c WHERE c.started_at IS NOT NULL";
  add_filter(calls, filter);
  calls.sql += " GROUP BY 1, 2";
  auto err = each_row(db, calls, "counting calls", [&](sqlite3_stmt* stmt) {
    cell(stmt).calls = sqlite3_column_int64(stmt, 2);
  });
  if (err)
    return err;
  query turns;
  turns.sql = "SELECT substr(c.started_at, 1, 13), coalesce(c.transport, ''),"
              " t.latency_ms FROM calls c"
              " JOIN turns t ON t.call_sid = c.call_sid"
              " WHERE c.started_at IS NOT NULL AND t.role = 'assistant'"
              " AND t.latency_ms IS NOT NULL";
  add_filter(turns, filter);
  std::map<std::pair<std::string, std::string>, std::vector<int64_t>> latency;
  err = each_row(db, turns, "reading latencies", [&](sqlite3_stmt* stmt) {
    auto& c = cell(stmt);
    latency[{c.hour, c.transport}].push_back(sqlite3_column_int64(stmt, 2));
  });
  if (err)
    return err;
  std::vector<hourly_stat> result;
  for (auto& [key, c] : cells) {
    auto& values = latency[key];
    c.turns = static_cast<int64_t>(values.size());
    c.latency_p50_ms = percentile(values, 50);
    c.latency_p95_ms = percentile(values, 95);
    result.push_back(std::move(c));
  }
  return result;
}

} // namespace sb
