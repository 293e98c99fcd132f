// media_report: percentiles of the daemon's turns are nearest-rank over
// every turn (cli/sim/latency_stats); the simulator's come as it printed
// them; the frame lag's are estimated from the histogram's buckets, and
// the density verdict uses the bucket bound itself (the share of frames
// at or under 20 ms, exact), never the estimate.
#include "media_report.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "cli/sim/latency_stats.hpp"

namespace sb::bench {

namespace {

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string p50_95_99(const std::vector<int64_t>& v) {
  if (v.empty())
    return "-";
  return std::to_string(percentile(v, 50)) + " / "
         + std::to_string(percentile(v, 95)) + " / "
         + std::to_string(percentile(v, 99));
}

std::string sim_spread_text(const sim_spread& s, bool with_max) {
  if (s.count == 0)
    return "-";
  auto out = fixed(s.p50, 0) + " / " + fixed(s.p95, 0) + " / "
             + fixed(s.p99, 0);
  return with_max ? out + " / " + fixed(s.max, 0) : out;
}

bool is_density(const media_result& r) {
  return !r.scenario.embedded;
}

// The run at `live` calls of the given kind, or null.
const media_result* find_run(const std::vector<media_result>& runs,
                             bool embedded, int live) {
  for (const auto& r : runs)
    if (r.scenario.embedded == embedded && r.scenario.live == live)
      return &r;
  return nullptr;
}

std::string percent(double share) {
  return share < 0 ? "-" : fixed(100 * share, 2) + " %";
}

std::string lag_ms(const histogram_reading& h, double q) {
  auto v = histogram_quantile(h, q);
  return v < 0 ? "-" : fixed(1000 * v, 2);
}

} // namespace

std::string run_label(const media_result& r) {
  return r.scenario.embedded ? "embedded" : "HTTP STT + paced model";
}

bool sim_fell_behind(const media_result& r) {
  return r.sim.frames_sent > 0
         && static_cast<double>(r.sim.late_frames)
              > 0.001 * static_cast<double>(r.sim.frames_sent);
}

std::string density_failure(const media_result& r, const media_goals& g) {
  if (!r.start_error.empty())
    return "did not start";
  if (!r.sim.parsed)
    return "no report from the simulator";
  std::string why;
  auto add = [&why](const std::string& what) {
    why += (why.empty() ? "" : "; ") + what;
  };
  if (r.sim.calls_failed > 0)
    add(std::to_string(r.sim.calls_failed) + " calls failed");
  auto within = share_at_or_below(r.frame_lag, g.frame_lag_ms / 1000);
  if (within < 0.99)
    add("frame lag p99 over " + fixed(g.frame_lag_ms, 0) + " ms ("
        + percent(within) + " within)");
  if (r.sim.playback_gaps > 0)
    add(std::to_string(r.sim.playback_gaps) + " playback gaps");
  return why;
}

void print_turn_gaps(std::FILE* out, const std::vector<media_result>& runs) {
  std::fprintf(out,
               "| run | calls live | utterances recognised / failed | "
               "replies timed | turn gap | eot wait | STT tail | first token "
               "| TTS first audio | daemon share | daemon share max | turn "
               "gap heard by the sim |\n"
               "|---|---:|---|---:|---|---|---|---|---|---|---:|---|\n");
  for (const auto& r : runs) {
    const auto& t = r.turns;
    std::fprintf(
      out,
      "| %s | %d | %lld / %lld | %zu | %s | %s | %s | %s | %s | **%s** | %s | "
      "%s |\n",
      run_label(r).c_str(), r.scenario.live,
      static_cast<long long>(t.user_turns),
      static_cast<long long>(r.stt_failures), t.gap.size(),
      p50_95_99(t.gap).c_str(), p50_95_99(t.eot_wait).c_str(),
      p50_95_99(t.stt_tail).c_str(), p50_95_99(t.first_token).c_str(),
      p50_95_99(t.tts_first).c_str(), p50_95_99(t.daemon_share).c_str(),
      t.daemon_share.empty() ? "-"
                             : std::to_string(t.daemon_share.back()).c_str(),
      sim_spread_text(r.sim.turn_gap, false).c_str());
  }
}

void print_barge_ins(std::FILE* out, const std::vector<media_result>& runs) {
  std::fprintf(out, "| run | calls live | replies talked over | cleared | no "
                    "clear within 3 s | reaction (sim) p50 / p95 / p99 / max "
                    "ms | daemon's histogram: within 500 ms / 750 ms |\n"
                    "|---|---:|---:|---:|---:|---|---|\n");
  for (const auto& r : runs) {
    if (r.sim.interrupted == 0)
      continue;
    std::fprintf(out, "| %s | %d | %lld | %lld | %lld | %s | %s / %s |\n",
                 run_label(r).c_str(), r.scenario.live,
                 static_cast<long long>(r.sim.interrupted),
                 static_cast<long long>(r.sim.barge_in.count),
                 static_cast<long long>(r.sim.no_clear),
                 sim_spread_text(r.sim.barge_in, true).c_str(),
                 percent(share_at_or_below(r.barge_in, 0.5)).c_str(),
                 percent(share_at_or_below(r.barge_in, 0.75)).c_str());
  }
}

void print_density(std::FILE* out, const std::vector<media_result>& runs,
                   const media_goals& g) {
  std::fprintf(out,
               "| calls live | streams seen | calls ok / failed | frame lag "
               "p50 / p99 ms | frames within 20 ms | playback gaps > 40 ms "
               "(longest ms) | daemon late frames | sim late frames / sent | "
               "daemon cores per call | RSS idle / peak MB | KiB per live "
               "call | result |\n"
               "|---:|---:|---|---|---:|---|---:|---|---:|---|---:|---|\n");
  for (const auto& r : runs) {
    if (!is_density(r))
      continue;
    auto why = density_failure(r, g);
    auto kib = r.peak_streams > 0
                 ? fixed(static_cast<double>(r.rss_peak_kib - r.rss_idle_kib)
                           / r.peak_streams,
                         1)
                 : std::string{"-"};
    std::fprintf(
      out,
      "| %d | %d | %lld / %lld | %s / %s | %s | %lld (%s) | %.0f | %lld / "
      "%lld | %.4f | %.1f / %.1f | %s | %s%s |\n",
      r.scenario.live, r.peak_streams, static_cast<long long>(r.sim.calls_ok),
      static_cast<long long>(r.sim.calls_failed),
      lag_ms(r.frame_lag, 0.5).c_str(), lag_ms(r.frame_lag, 0.99).c_str(),
      percent(share_at_or_below(r.frame_lag, g.frame_lag_ms / 1000)).c_str(),
      static_cast<long long>(r.sim.playback_gaps),
      fixed(r.sim.playback_gap_max_ms, 0).c_str(),
      std::max(0.0, r.daemon_late_frames),
      static_cast<long long>(r.sim.late_frames),
      static_cast<long long>(r.sim.frames_sent),
      r.scenario.live > 0 ? r.daemon_cores / r.scenario.live : 0.0,
      static_cast<double>(r.rss_idle_kib) / 1024,
      static_cast<double>(r.rss_peak_kib) / 1024, kib.c_str(),
      why.empty() ? "pass" : ("FAIL: " + why).c_str(),
      sim_fell_behind(r) ? " (the sim fell behind)" : "");
  }
}

void print_cpu(std::FILE* out, const std::vector<media_result>& runs) {
  std::set<std::string> names;
  for (const auto& r : runs)
    for (const auto& [name, cores] : r.thread_cores)
      names.insert(name);
  std::fprintf(out, "| run | calls live |");
  for (const auto& n : names)
    std::fprintf(out, " daemon: %s |", n.c_str());
  std::fprintf(out, " daemon | sim | bench | other | load avg before |\n"
                    "|---|---:|");
  for (size_t i = 0; i < names.size() + 4; ++i)
    std::fprintf(out, "---:|");
  std::fprintf(out, "---|\n");
  for (const auto& r : runs) {
    std::fprintf(out, "| %s | %d |", run_label(r).c_str(), r.scenario.live);
    for (const auto& n : names) {
      auto it = r.thread_cores.find(n);
      std::fprintf(out, " %.3f |", it == r.thread_cores.end() ? 0 : it->second);
    }
    std::fprintf(out, " **%.3f** | %.3f | %.3f | %.3f | %s |\n", r.daemon_cores,
                 r.sim_cores, r.bench_cores, r.other_cores,
                 r.load_before.c_str());
  }
}

bool print_media_goals(std::FILE* out, const std::vector<media_result>& runs,
                       const media_goals& g) {
  bool all = true;
  std::fprintf(out,
               "| goal | measured | target | result |\n|---|---|---|---|\n");
  auto line = [&](const std::string& goal, const std::string& measured,
                  const std::string& target, bool pass) {
    all = all && pass;
    std::fprintf(out, "| %s | %s | %s | %s |\n", goal.c_str(), measured.c_str(),
                 target.c_str(), pass ? "PASS" : "MISS");
  };
  if (const auto* r = find_run(runs, false, g.share_level)) {
    const auto& v = r->turns.daemon_share;
    auto p99 = v.empty() ? -1 : percentile(v, 99);
    line("daemon's share of the turn gap, p99, " + std::to_string(g.share_level)
           + " calls (HTTP STT + paced model)",
         v.empty() ? "no turns" : std::to_string(p99) + " ms",
         "< " + fixed(g.daemon_share_p99_ms, 0) + " ms",
         !v.empty() && p99 < g.daemon_share_p99_ms);
  }
  for (const auto& r : runs)
    if (r.sim.interrupted > 0)
      line("barge-in reaction p99 (sim), " + run_label(r) + ", "
             + std::to_string(r.scenario.live) + " calls",
           fixed(r.sim.barge_in.p99, 0) + " ms ("
             + std::to_string(r.sim.no_clear) + " without a clear)",
           "≤ " + fixed(g.barge_in_p99_ms, 0) + " ms, every one cleared",
           r.sim.barge_in.count > 0 && r.sim.no_clear == 0
             && r.sim.barge_in.p99 <= g.barge_in_p99_ms);
  int passed = 0;
  for (const auto& r : runs)
    if (is_density(r) && density_failure(r, g).empty())
      passed = std::max(passed, r.scenario.live);
  line("live media calls with frame lag p99 < " + fixed(g.frame_lag_ms, 0)
         + " ms and no playback gap > " + fixed(g.playback_gap_ms, 0) + " ms",
       passed > 0 ? std::to_string(passed) + " (the most that passed)"
                  : "none passed",
       "≥ " + std::to_string(g.density_calls), passed >= g.density_calls);
  return all;
}

void print_media_notes(std::FILE* out, const std::vector<media_result>& runs) {
  bool any = false;
  auto note = [&](const media_result& r, const std::string& what) {
    any = true;
    std::fprintf(out, "- %s, %d calls: %s\n", run_label(r).c_str(),
                 r.scenario.live, what.c_str());
  };
  for (const auto& r : runs) {
    if (!r.start_error.empty())
      note(r, "did not start: " + r.start_error);
    for (const auto& [kind, count] : r.sim.errors)
      note(r, std::to_string(count) + " calls failed: " + kind);
    if (r.sim_exit != 0 && r.start_error.empty())
      note(r, "switchboard-sim exited " + std::to_string(r.sim_exit));
    if (r.daemon_exit != 0 && r.start_error.empty())
      note(r, "switchboardd exited " + std::to_string(r.daemon_exit)
                + " after SIGTERM");
    if (!r.db_error.empty())
      note(r, r.db_error);
    if (sim_fell_behind(r))
      note(r, "the simulator fell behind: " + std::to_string(r.sim.late_frames)
                + " of its " + std::to_string(r.sim.frames_sent)
                + " frames went out over 20 ms late");
    if (!r.kept_dir.empty())
      note(r, "kept " + r.kept_dir);
  }
  if (!any)
    std::fprintf(out, "none (every call completed, every process exited 0)\n");
}

} // namespace sb::bench
