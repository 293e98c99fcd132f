// relay_report: percentiles are nearest-rank over every sample
// (cli/sim/latency_stats), shown in ms.
#include "relay_report.hpp"

#include <algorithm>

#include "cli/sim/latency_stats.hpp"

namespace sb::bench {

namespace {

// The samples of one field that apply, sorted.
std::vector<int64_t> field(const level_result& r,
                           int64_t turn_sample::*member) {
  std::vector<int64_t> v;
  for (const auto& t : r.turns)
    if (t.*member >= 0)
      v.push_back(t.*member);
  std::sort(v.begin(), v.end());
  return v;
}

std::string ms(int64_t ns, int decimals) {
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", decimals,
                static_cast<double>(ns) / 1e6);
  return text;
}

// "p50 / p99" (and " / max" with `with_max`), or "-" without samples.
std::string spread(const std::vector<int64_t>& v, int decimals,
                   bool with_max = false) {
  if (v.empty())
    return "-";
  auto out = ms(percentile(v, 50), decimals) + " / "
             + ms(percentile(v, 99), decimals);
  return with_max ? out + " / " + ms(v.back(), decimals) : out;
}

std::string exit_text(const run_row& row) {
  if (!row.start_error.empty())
    return "did not start";
  return row.daemon_exit < 0 ? "killed" : std::to_string(row.daemon_exit);
}

void csv_value(std::FILE* out, int64_t ns, const char* end) {
  if (ns >= 0)
    std::fprintf(out, "%lld", static_cast<long long>(ns));
  std::fputs(end, out);
}

} // namespace

void print_runs(std::FILE* out, const std::vector<run_row>& rows) {
  std::fprintf(
    out, "| transport | callers | calls ok / failed | turns "
         "| daemon share, first frame: p50 / p99 / max ms "
         "| first word p50 / p99 ms | whole reply p50 / p99 ms "
         "| after the last token p50 / p99 ms "
         "| daemon CPU (cores) | bench CPU (cores) | other CPU (cores) "
         "| load avg before | daemon exit |\n"
         "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|\n");
  for (const auto& row : rows) {
    const auto& r = row.result;
    std::fprintf(
      out,
      "| %s | %d | %lld / %lld | %zu | %s | %s | %s | %s "
      "| %.2f | %.2f | %.2f | %s | %s |\n",
      row.transport.c_str(), row.callers, static_cast<long long>(r.calls_ok),
      static_cast<long long>(r.calls_failed), r.turns.size(),
      spread(field(r, &turn_sample::first_share_ns), 2, true).c_str(),
      spread(field(r, &turn_sample::first_word_ns), 1).c_str(),
      spread(field(r, &turn_sample::whole_reply_ns), 1).c_str(),
      spread(field(r, &turn_sample::last_share_ns), 2).c_str(),
      row.daemon_cores, row.bench_cores, row.other_cores,
      row.load_before.c_str(), exit_text(row).c_str());
  }
}

bool print_goals(std::FILE* out, const std::vector<run_row>& rows,
                 double goal_ms) {
  std::fprintf(out,
               "| goal | measured | target | result |\n|---|---|---|---|\n");
  bool all = true;
  int lines = 0;
  for (const auto& row : rows) {
    if (row.transport != "relay")
      continue;
    auto v = field(row.result, &turn_sample::first_share_ns);
    bool pass = !v.empty() && row.result.calls_failed == 0
                && static_cast<double>(percentile(v, 99)) / 1e6 < goal_ms;
    auto measured = v.empty() ? std::string{"no samples"}
                              : ms(percentile(v, 99), 2) + " ms";
    if (row.result.calls_failed > 0)
      measured += ", " + std::to_string(row.result.calls_failed)
                  + " calls failed";
    std::fprintf(out,
                 "| relay daemon share p99 (first frame), %d concurrent "
                 "calls | %s | < %g ms, no failed call | %s |\n",
                 row.callers, measured.c_str(), goal_ms,
                 pass ? "PASS" : "FAIL");
    all = all && pass;
    ++lines;
  }
  return all && lines > 0;
}

void print_notes(std::FILE* out, const std::vector<run_row>& rows) {
  bool any = false;
  auto note = [&](const run_row& row, const std::string& text) {
    std::fprintf(out, "- %s, %d callers: %s\n", row.transport.c_str(),
                 row.callers, text.c_str());
    any = true;
  };
  for (const auto& row : rows) {
    if (!row.start_error.empty())
      note(row, "the daemon did not start: " + row.start_error);
    for (const auto& e : row.warmup.errors)
      note(row, "warm-up call failed: " + e);
    for (const auto& e : row.result.errors)
      note(row, "call failed: " + e);
    if (row.model_cut > 0)
      note(row, std::to_string(row.model_cut) + " of "
                  + std::to_string(row.model_requests)
                  + " model streams closed by the daemon before their end");
    if (row.start_error.empty() && row.daemon_exit != 0)
      note(row, "the daemon's exit after SIGTERM: " + exit_text(row));
    if (!row.kept_dir.empty())
      note(row, "its config, log and database kept in " + row.kept_dir);
  }
  if (!any)
    std::fprintf(out, "none (no failed call, every model stream read to its "
                      "end, every daemon exited 0)\n");
}

void print_csv_header(std::FILE* out) {
  std::fputs("transport,callers,first_word_ns,whole_reply_ns,first_share_ns,"
             "last_share_ns\n",
             out);
}

void print_csv(std::FILE* out, const run_row& row) {
  for (const auto& t : row.result.turns) {
    std::fprintf(out, "%s,%d,", row.transport.c_str(), row.callers);
    csv_value(out, t.first_word_ns, ",");
    csv_value(out, t.whole_reply_ns, ",");
    csv_value(out, t.first_share_ns, ",");
    csv_value(out, t.last_share_ns, "\n");
  }
}

} // namespace sb::bench
