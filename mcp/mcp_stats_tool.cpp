// get_stats: three sources in a row, each allowed to be missing without
// failing the others — the daemon's counters (admin "stats"; null, with
// daemon_error, when it does not answer), the last 24 hours' KPIs from the
// database (count_calls, as the console's KPI strip; null with
// database_error), and a few /metrics values (null when the host has no
// metrics). The steps run one after another on whatever thread the
// previous service answered on.
#include <chrono>
#include <memory>
#include <optional>
#include <utility>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "mcp/mcp_metrics_text.hpp"
#include "mcp/mcp_tool_handlers.hpp"
#include "mcp/mcp_tool_support.hpp"
#include "storage/console_queries.hpp"

namespace sb {

namespace {

// The /metrics families get_stats reports: the metric, and its key in the
// output (the name without the "switchboard_" prefix).
const std::vector<std::string>& reported_metrics() {
  static const std::vector<std::string> names = {
    "switchboard_turns_total",
    "switchboard_errors_total",
    "switchboard_http_rejected_total",
    "switchboard_llm_queue_depth",
    "switchboard_storage_healthy",
    "switchboard_storage_dropped_writes_total",
  };
  return names;
}

struct stats_state {
  mcp_services services;
  mcp_tool_done done;
  // admin "stats", as the daemon answered it
  std::optional<int64_t> live_calls, calls_total, calls_rejected;
  std::optional<bool> draining;
  std::string daemon_error;
  // the last 24 hours
  std::string since;
  std::optional<call_kpis> kpis;
  std::string database_error;
};

using state_ptr = std::shared_ptr<stats_state>;

std::optional<int64_t> int_member(const rapidjson::Value& obj,
                                  const char* key) {
  auto it = obj.FindMember(key);
  if (it == obj.MemberEnd() || !it->value.IsInt64())
    return std::nullopt;
  return it->value.GetInt64();
}

void write_daemon(json_writer& w, const stats_state& s) {
  write_nullable(w, "live_calls", s.live_calls);
  write_nullable(w, "calls_total", s.calls_total);
  write_nullable(w, "calls_rejected", s.calls_rejected);
  w.Key("draining");
  if (s.draining)
    w.Bool(*s.draining);
  else
    w.Null();
  write_nullable(w, "daemon_error", s.daemon_error);
}

void write_last_day(json_writer& w, const stats_state& s) {
  w.Key("last_24h");
  if (!s.kpis) {
    w.Null();
    write_nullable(w, "database_error", s.database_error);
    return;
  }
  w.StartObject();
  write_field(w, "since", s.since);
  w.Key("calls");
  w.Int64(s.kpis->calls);
  w.Key("answered");
  w.Int64(s.kpis->answered);
  write_nullable(w, "mean_duration_s", s.kpis->mean_duration_s);
  write_nullable(w, "latency_p50_ms", s.kpis->latency_p50_ms);
  write_nullable(w, "latency_p95_ms", s.kpis->latency_p95_ms);
  w.EndObject();
  write_nullable(w, "database_error", "");
}

void write_metrics(json_writer& w, const std::string& text) {
  w.Key("metrics");
  if (text.empty()) {
    w.Null();
    return;
  }
  auto sums = sum_samples(text, reported_metrics());
  w.StartObject();
  for (const auto& name : reported_metrics()) {
    auto key = name.substr(std::string("switchboard_").size());
    w.Key(key.c_str(), static_cast<rapidjson::SizeType>(key.size()));
    auto it = sums.find(name);
    if (it == sums.end())
      w.Null();
    else
      w.Double(it->second);
  }
  w.EndObject();
}

void finish(const state_ptr& s) {
  auto metrics = s->services.metrics ? s->services.metrics() : std::string{};
  s->done(mcp_call_outcome::result(json_object([&](json_writer& w) {
    write_daemon(w, *s);
    write_last_day(w, *s);
    write_metrics(w, metrics);
  })));
}

void read_last_day(const state_ptr& s) {
  if (!s->services.read) {
    s->database_error = "no database to read here";
    finish(s);
    return;
  }
  s->services.read([s](sqlite3* db) {
    call_filter filter;
    filter.since = s->since;
    auto kpis = db == nullptr ? caf::expected<call_kpis>{make_error(
                  errc::storage_failed, "the database cannot be read now")}
                              : count_calls(db, filter);
    if (kpis)
      s->kpis = *kpis;
    else
      s->database_error = what(kpis.error());
    finish(s);
  });
}

void on_daemon_stats(const state_ptr& s, const std::string& reply) {
  rapidjson::Document doc;
  if (auto result = admin_result(doc, reply, s->daemon_error)) {
    s->live_calls = int_member(*result, "live_calls");
    s->calls_total = int_member(*result, "calls_total");
    s->calls_rejected = int_member(*result, "calls_rejected");
    auto draining = result->FindMember("draining");
    if (draining != result->MemberEnd() && draining->value.IsBool())
      s->draining = draining->value.GetBool();
  }
  read_last_day(s);
}

} // namespace

void get_stats_tool(const mcp_tool_call& call, mcp_tool_done done) {
  auto s = std::make_shared<stats_state>();
  s->services = call.services;
  s->done = std::move(done);
  s->since = iso8601_utc(std::chrono::system_clock::now()
                         - std::chrono::hours(24));
  if (!s->services.admin) {
    s->daemon_error = "no daemon to ask here";
    read_last_day(s);
    return;
  }
  s->services.admin(admin_request("stats"),
                    [s](std::string reply) { on_daemon_stats(s, reply); });
}

} // namespace sb
