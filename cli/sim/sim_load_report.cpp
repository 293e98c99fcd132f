// The load report's two forms: an aligned table and one JSON line.
#include "cli/sim/sim_load_report.hpp"

#include <cstdio>
#include <sstream>

#include "net/text/json_writer.hpp"

namespace sb {

namespace {

std::string fixed(double v, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, v);
  return text;
}

std::string ms_text(int64_t us) {
  return fixed(static_cast<double>(us) / 1000.0, 3);
}

double per_second(int64_t n, double secs) {
  return secs > 0 ? static_cast<double>(n) / secs : 0.0;
}

std::string pad(const std::string& s, size_t width, bool left = false) {
  if (s.size() >= width)
    return s;
  return left ? s + std::string(width - s.size(), ' ')
              : std::string(width - s.size(), ' ') + s;
}

} // namespace

std::string format_load_report(const load_options& opts, const load_report& r,
                               const std::optional<db_check_result>& db,
                               const std::string& db_path) {
  std::ostringstream out;
  out << "load: " << opts.calls << " calls, " << opts.concurrency
      << " at once, " << opts.turns << " turns each, against " << opts.base_url
      << "\n"
      << "calls:     " << r.calls_ok << " ok, " << r.calls_failed << " failed\n"
      << "requests:  " << r.requests << " in " << fixed(r.wall_s, 3)
      << " s: " << fixed(per_second(r.requests, r.wall_s), 1) << " req/s, "
      << fixed(per_second(r.turns_ok, r.wall_s), 1) << " turns/s\n"
      << "latency ms        count       p50       p90       p99       max\n";
  for (const auto& l : r.latency.summary())
    out << "  " << pad(l.route, 14, true) << pad(std::to_string(l.count), 7)
        << pad(ms_text(l.p50_us), 10) << pad(ms_text(l.p90_us), 10)
        << pad(ms_text(l.p99_us), 10) << pad(ms_text(l.max_us), 10) << "\n";
  if (r.errors.empty())
    out << "errors:    none\n";
  else {
    out << "errors by kind:\n";
    for (const auto& [kind, count] : r.errors)
      out << "  " << pad(kind, 30, true) << " " << count << "\n";
  }
  if (db) {
    out << "lost turns: " << db->lost << " (" << db->expected
        << " turn rows expected in " << db_path << ")\n";
    if (!db->error.empty())
      out << "  cannot check: " << db->error << "\n";
    for (const auto& e : db->examples)
      out << "  missing " << e << "\n";
  }
  return out.str();
}

std::string load_report_json(const load_options& opts, const load_report& r,
                             const std::optional<db_check_result>& db) {
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  w.StartObject();
  auto integer = [&w](const char* key, int64_t v) {
    w.Key(key);
    w.Int64(v);
  };
  auto real = [&w](const char* key, double v) {
    w.Key(key);
    w.Double(v);
  };
  integer("calls", opts.calls);
  integer("calls_ok", r.calls_ok);
  integer("calls_failed", r.calls_failed);
  integer("concurrency", opts.concurrency);
  integer("turns_per_call", opts.turns);
  integer("requests", r.requests);
  integer("turns", r.turns_ok);
  real("wall_s", r.wall_s);
  real("requests_per_s", per_second(r.requests, r.wall_s));
  real("turns_per_s", per_second(r.turns_ok, r.wall_s));
  w.Key("latency_ms");
  w.StartObject();
  for (const auto& l : r.latency.summary()) {
    write_string(w, l.route);
    w.StartObject();
    integer("count", l.count);
    real("p50", static_cast<double>(l.p50_us) / 1000.0);
    real("p90", static_cast<double>(l.p90_us) / 1000.0);
    real("p99", static_cast<double>(l.p99_us) / 1000.0);
    real("max", static_cast<double>(l.max_us) / 1000.0);
    w.EndObject();
  }
  w.EndObject();
  w.Key("errors");
  w.StartObject();
  for (const auto& [kind, count] : r.errors) {
    write_string(w, kind);
    w.Int64(count);
  }
  w.EndObject();
  w.Key("lost_turns");
  if (db)
    w.Int64(db->lost);
  else
    w.Null();
  if (db && !db->error.empty())
    write_field(w, "db_error", db->error);
  w.EndObject();
  return json_text(buf);
}

bool load_clean(const load_report& report,
                const std::optional<db_check_result>& db) {
  if (report.calls_failed > 0 || !report.errors.empty())
    return false;
  return !db || (db->lost == 0 && db->error.empty());
}

} // namespace sb
