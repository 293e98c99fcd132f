// media_probe: /metrics is read line by line (a sample is `name value` or
// `name{labels} value`); the database with one SELECT, after the daemon
// has stopped (so every turn is committed).
#include "media_probe.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <sstream>

#include <sqlite3.h>

#include "core/error.hpp"

namespace sb::bench {

namespace {

// The value after `prefix` on the line that starts with it, or NaN.
double value_after(const std::string& text, const std::string& prefix) {
  size_t at = 0;
  while ((at = text.find(prefix, at)) != std::string::npos) {
    if (at == 0 || text[at - 1] == '\n')
      return std::strtod(text.c_str() + at + prefix.size(), nullptr);
    at += prefix.size();
  }
  return std::numeric_limits<double>::quiet_NaN();
}

std::vector<int64_t> sorted(std::vector<int64_t> v) {
  std::sort(v.begin(), v.end());
  return v;
}

} // namespace

double metric_value(const std::string& text, const std::string& name) {
  auto v = value_after(text, name + " ");
  return std::isnan(v) ? -1 : v;
}

histogram_reading read_histogram(const std::string& text,
                                 const std::string& name) {
  histogram_reading h;
  std::istringstream lines{text};
  std::string line;
  const auto bucket = name + "_bucket{le=\"";
  while (std::getline(lines, line)) {
    if (line.compare(0, bucket.size(), bucket) != 0)
      continue;
    auto bound_text = line.substr(bucket.size(), line.find('"', bucket.size())
                                                   - bucket.size());
    double bound = bound_text == "+Inf"
                     ? std::numeric_limits<double>::infinity()
                     : std::strtod(bound_text.c_str(), nullptr);
    auto space = line.rfind(' ');
    h.buckets.emplace_back(bound,
                           std::strtod(line.c_str() + space + 1, nullptr));
  }
  std::sort(h.buckets.begin(), h.buckets.end());
  h.count = std::max(0.0, metric_value(text, name + "_count"));
  h.sum = std::max(0.0, metric_value(text, name + "_sum"));
  return h;
}

double histogram_quantile(const histogram_reading& h, double q) {
  if (h.buckets.empty() || h.buckets.back().second <= 0)
    return -1;
  const double rank = q * h.buckets.back().second;
  double lower = 0, below = 0;
  for (const auto& [bound, count] : h.buckets) {
    if (count >= rank) {
      if (std::isinf(bound)) // past the largest finite bound
        return lower;
      if (count == below)
        return bound;
      return lower + (bound - lower) * (rank - below) / (count - below);
    }
    lower = bound;
    below = count;
  }
  return lower;
}

double share_at_or_below(const histogram_reading& h, double bound) {
  if (h.buckets.empty() || h.buckets.back().second <= 0)
    return -1;
  for (const auto& [le, count] : h.buckets)
    if (std::abs(le - bound) <= bound * 1e-9)
      return count / h.buckets.back().second;
  return -1;
}

caf::expected<turn_parts> read_turn_parts(const std::string& db_path) {
  sqlite3* db = nullptr;
  auto fail = [&](const std::string& what) {
    std::string why = db_path + ": " + what + ": "
                      + (db ? sqlite3_errmsg(db) : "cannot open");
    sqlite3_close(db);
    return make_error(errc::backend_failed, why);
  };
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr)
      != SQLITE_OK)
    return fail("open");
  const char* sql =
    "SELECT turn_gap_ms, eot_wait_ms, stt_tail_ms, first_token_ms,"
    " tts_first_audio_ms, interrupted FROM turns"
    " WHERE role = 'assistant' AND turn_gap_ms IS NOT NULL";
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) != SQLITE_OK)
    return fail("select");
  turn_parts p;
  auto take = [stmt](int col, std::vector<int64_t>& into) {
    if (sqlite3_column_type(stmt, col) == SQLITE_NULL)
      return false;
    into.push_back(sqlite3_column_int64(stmt, col));
    return true;
  };
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    take(0, p.gap);
    // Each part is read whether or not the one before was there.
    bool eot = take(1, p.eot_wait);
    bool stt = take(2, p.stt_tail);
    bool model = take(3, p.first_token);
    take(4, p.tts_first);
    if (eot && stt && model)
      p.daemon_share.push_back(p.gap.back() - p.eot_wait.back()
                               - p.stt_tail.back() - p.first_token.back());
    p.interrupted += sqlite3_column_int64(stmt, 5) != 0 ? 1 : 0;
  }
  sqlite3_finalize(stmt);
  if (sqlite3_prepare_v2(db, "SELECT count(*) FROM turns WHERE role = 'user'",
                         -1, &stmt, nullptr)
      != SQLITE_OK)
    return fail("count");
  if (sqlite3_step(stmt) == SQLITE_ROW)
    p.user_turns = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  for (auto* v : {&p.gap, &p.eot_wait, &p.stt_tail, &p.first_token,
                  &p.tts_first, &p.daemon_share})
    *v = sorted(std::move(*v));
  return p;
}

} // namespace sb::bench
