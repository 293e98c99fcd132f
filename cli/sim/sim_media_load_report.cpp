// The media load report: every sample kept, so the percentiles are exact
// (latency_stats' nearest rank), as the <Gather> load report's are.
#include "cli/sim/sim_media_load_report.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "cli/sim/latency_stats.hpp"
#include "net/text/json_writer.hpp"

namespace sb {

namespace {

int64_t us_of(double ms) {
  return static_cast<int64_t>(ms * 1000.0 + 0.5);
}

std::string fixed(double v, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, v);
  return text;
}

double ms_of(int64_t us) {
  return static_cast<double>(us) / 1000.0;
}

struct spread {
  int64_t count = 0, p50 = 0, p95 = 0, p99 = 0, max = 0;
};

spread spread_of(std::vector<int64_t> samples) {
  std::sort(samples.begin(), samples.end());
  spread s;
  s.count = static_cast<int64_t>(samples.size());
  s.p50 = percentile(samples, 50);
  s.p95 = percentile(samples, 95);
  s.p99 = percentile(samples, 99);
  s.max = percentile(samples, 100);
  return s;
}

std::string spread_line(const char* what, const std::vector<int64_t>& v) {
  auto s = spread_of(v);
  char text[160];
  std::snprintf(text, sizeof text,
                "%-13s %7lld  p50 %9.1f  p95 %9.1f  p99 %9.1f  max %9.1f\n",
                what, static_cast<long long>(s.count), ms_of(s.p50),
                ms_of(s.p95), ms_of(s.p99), ms_of(s.max));
  return text;
}

void write_spread(json_writer& w, const char* key,
                  const std::vector<int64_t>& v) {
  auto s = spread_of(v);
  w.Key(key);
  w.StartObject();
  w.Key("count");
  w.Int64(s.count);
  for (auto [name, value] :
       {std::pair{"p50", s.p50}, std::pair{"p95", s.p95},
        std::pair{"p99", s.p99}, std::pair{"max", s.max}}) {
    w.Key(name);
    w.Double(ms_of(value));
  }
  w.EndObject();
}

} // namespace

media_load_report call_figures(const std::vector<media_event>& events,
                               const media_conversation_options& opts) {
  media_load_report out;
  for (const auto& ev : events) {
    if (ev.what != media_event::kind::reply)
      continue;
    const auto& r = ev.reply;
    const auto& p = r.heard.playout;
    ++out.replies;
    (r.from_caller ? out.turn_gap_us : out.greeting_us)
      .push_back(us_of(r.turn_gap_ms));
    out.playback_gaps += p.gaps_over(opts.playback_gap);
    if (p.gaps_over(opts.playback_gap) > 0)
      out.playback_gap_max_us = std::max<int64_t>(out.playback_gap_max_us,
                                                  p.longest_gap().count());
    if (r.interrupted) {
      ++out.interrupted;
      if (r.barge_in_ms)
        out.barge_in_us.push_back(us_of(*r.barge_in_ms));
      else
        ++out.no_clear;
    }
  }
  return out;
}

void add_figures(media_load_report& into, const media_load_report& one) {
  auto append = [](std::vector<int64_t>& to, const std::vector<int64_t>& v) {
    to.insert(to.end(), v.begin(), v.end());
  };
  into.calls_ok += one.calls_ok;
  into.calls_failed += one.calls_failed;
  into.replies += one.replies;
  append(into.turn_gap_us, one.turn_gap_us);
  append(into.greeting_us, one.greeting_us);
  append(into.barge_in_us, one.barge_in_us);
  into.interrupted += one.interrupted;
  into.no_clear += one.no_clear;
  into.playback_gaps += one.playback_gaps;
  into.playback_gap_max_us = std::max(into.playback_gap_max_us,
                                      one.playback_gap_max_us);
  into.frames_sent += one.frames_sent;
  into.late_frames += one.late_frames;
  for (const auto& [kind, count] : one.errors)
    into.errors[kind] += count;
}

std::string format_media_load_report(const media_load_options& opts,
                                     const media_load_report& r) {
  std::ostringstream out;
  const auto& l = opts.load;
  out << "load: " << l.calls << " media calls, " << l.concurrency
      << " at once, " << opts.script->size() << " script lines each, against "
      << l.base_url << "\n"
      << "calls:     " << r.calls_ok << " completed, " << r.calls_failed
      << " failed, in " << fixed(r.wall_s, 3) << " s\n"
      << "replies:   " << r.replies << "\n"
      << "ms                count\n"
      << spread_line("turn gap", r.turn_gap_us)
      << spread_line("greeting", r.greeting_us);
  if (r.interrupted > 0)
    out << spread_line("barge-in", r.barge_in_us)
        << "barge-ins: " << r.interrupted << " replies interrupted, "
        << r.no_clear << " without a clear within "
        << opts.conversation.clear_timeout.count() / 1000 << " s\n";
  out << "playback gaps over " << opts.conversation.playback_gap.count()
      << " ms: " << r.playback_gaps;
  if (r.playback_gaps > 0)
    out << ", longest " << fixed(ms_of(r.playback_gap_max_us), 1) << " ms";
  out << "\n"
      << "caller frames: " << r.frames_sent << " sent, " << r.late_frames
      << " late (over 20 ms behind)"
      << (r.late_frames > 0 ? ": the simulator fell behind, its times are "
                              "suspect"
                            : "")
      << "\n";
  if (r.errors.empty())
    out << "errors:    none\n";
  else {
    out << "errors by kind:\n";
    for (const auto& [kind, count] : r.errors)
      out << "  " << kind << ": " << count << "\n";
  }
  return out.str();
}

std::string media_load_report_json(const media_load_options& opts,
                                   const media_load_report& r) {
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  auto integer = [&w](const char* key, int64_t v) {
    w.Key(key);
    w.Int64(v);
  };
  w.StartObject();
  write_field(w, "transport", "media");
  integer("calls", opts.load.calls);
  integer("calls_ok", r.calls_ok);
  integer("calls_failed", r.calls_failed);
  integer("concurrency", opts.load.concurrency);
  w.Key("wall_s");
  w.Double(r.wall_s);
  integer("replies", r.replies);
  write_spread(w, "turn_gap_ms", r.turn_gap_us);
  write_spread(w, "greeting_ms", r.greeting_us);
  write_spread(w, "barge_in_ms", r.barge_in_us);
  integer("interrupted", r.interrupted);
  integer("no_clear", r.no_clear);
  integer("playback_gaps", r.playback_gaps);
  w.Key("playback_gap_max_ms");
  w.Double(ms_of(r.playback_gap_max_us));
  integer("frames_sent", r.frames_sent);
  integer("late_frames", r.late_frames);
  w.Key("errors");
  w.StartObject();
  for (const auto& [kind, count] : r.errors) {
    write_string(w, kind);
    w.Int64(count);
  }
  w.EndObject();
  w.EndObject();
  return json_text(buf);
}

bool media_load_clean(const media_load_report& report) {
  return report.calls_failed == 0 && report.errors.empty();
}

} // namespace sb
