// Tests for core/metrics: the exposition text (HELP/TYPE lines, label and
// help escaping, number format, cumulative histogram buckets whose +Inf
// equals _count), cached children, exact totals under concurrent updates,
// and the daemon's family set.
#include "core/metrics.hpp"

#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

namespace m = sb::metrics;

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

} // namespace

TEST_CASE("metrics: unlabelled metrics render HELP, TYPE and a zero sample",
          "[metrics]") {
  m::registry r;
  auto& c = r.add_counter("t_requests_total", "Requests seen.").with({});
  r.add_gauge("t_depth", "Queue depth.");
  // Sorted by name, whatever the order of registration.
  CHECK(r.render()
        == "# HELP t_depth Queue depth.\n"
           "# TYPE t_depth gauge\n"
           "t_depth 0\n"
           "# HELP t_requests_total Requests seen.\n"
           "# TYPE t_requests_total counter\n"
           "t_requests_total 0\n");
  c.inc();
  c.inc(2.5);
  CHECK(contains(r.render(), "\nt_requests_total 3.5\n"));
}

TEST_CASE("metrics: gauges are set, raised and lowered", "[metrics]") {
  m::registry r;
  auto& g = r.add_gauge("t_live", "Live.").with({});
  g.set(5);
  g.inc();
  g.dec(3);
  CHECK(g.value() == 3);
  CHECK(contains(r.render(), "\nt_live 3\n"));
  g.dec(4);
  CHECK(contains(r.render(), "\nt_live -1\n"));
}

TEST_CASE("metrics: a labelled family renders one line per child, sorted",
          "[metrics]") {
  m::registry r;
  auto& f = r.add_counter("t_calls_total", "Calls.", {"direction", "outcome"});
  CHECK(r.render()
        == "# HELP t_calls_total Calls.\n"
           "# TYPE t_calls_total counter\n");
  f.with({"outbound", "busy"}).inc();
  f.with({"inbound", "completed"}).inc(2);
  CHECK(r.render()
        == "# HELP t_calls_total Calls.\n"
           "# TYPE t_calls_total counter\n"
           "t_calls_total{direction=\"inbound\",outcome=\"completed\"} 2\n"
           "t_calls_total{direction=\"outbound\",outcome=\"busy\"} 1\n");
}

TEST_CASE("metrics: with() caches each child", "[metrics]") {
  m::registry r;
  auto& f = r.add_counter("t_errors_total", "Errors.", {"kind"});
  auto& a = f.with({"llm"});
  std::string kind = "llm";
  CHECK(&f.with({kind}) == &a);
  CHECK(&f.with({"tts"}) != &a);
}

TEST_CASE("metrics: label values and help text are escaped", "[metrics]") {
  m::registry r;
  auto& f = r.add_counter("t_odd_total", "Back\\slash and\nnewline \"kept\".",
                          {"v"});
  f.with({"a\\b\"c\nd"}).inc();
  auto text = r.render();
  CHECK(contains(text,
                 "# HELP t_odd_total Back\\\\slash and\\nnewline \"kept\".\n"));
  CHECK(contains(text, "t_odd_total{v=\"a\\\\b\\\"c\\nd\"} 1\n"));
}

TEST_CASE("metrics: histogram buckets are cumulative and +Inf equals _count",
          "[metrics]") {
  m::registry r;
  auto& f = r.add_histogram("t_wait_seconds", "Wait.", {1, 2, 5}, {"route"});
  auto& h = f.with({"process-speech"});
  for (double v : {0.5, 1.0, 1.5, 5.0, 7.0})
    h.observe(v);
  CHECK(r.render()
        == "# HELP t_wait_seconds Wait.\n"
           "# TYPE t_wait_seconds histogram\n"
           "t_wait_seconds_bucket{route=\"process-speech\",le=\"1\"} 2\n"
           "t_wait_seconds_bucket{route=\"process-speech\",le=\"2\"} 3\n"
           "t_wait_seconds_bucket{route=\"process-speech\",le=\"5\"} 4\n"
           "t_wait_seconds_bucket{route=\"process-speech\",le=\"+Inf\"} 5\n"
           "t_wait_seconds_sum{route=\"process-speech\"} 15\n"
           "t_wait_seconds_count{route=\"process-speech\"} 5\n");
  auto s = h.collect();
  CHECK(s.cumulative == std::vector<uint64_t>{2, 3, 4, 5});
  CHECK(s.count == 5);
  CHECK(s.sum == Approx(15));
}

TEST_CASE("metrics: an unlabelled histogram has only le on its buckets",
          "[metrics]") {
  m::registry r;
  auto& h = r.add_histogram("t_batch", "Batch.",
                            m::exponential_buckets(1, 2, 3))
              .with({});
  h.observe(3);
  auto text = r.render();
  CHECK(contains(text, "t_batch_bucket{le=\"1\"} 0\n"));
  CHECK(contains(text, "t_batch_bucket{le=\"2\"} 0\n"));
  CHECK(contains(text, "t_batch_bucket{le=\"4\"} 1\n"));
  CHECK(contains(text, "t_batch_bucket{le=\"+Inf\"} 1\n"));
  CHECK(contains(text, "t_batch_sum 3\nt_batch_count 1\n"));
}

TEST_CASE("metrics: numbers are written the way Prometheus parses them",
          "[metrics]") {
  m::registry r;
  auto& h = r.add_histogram("t_commit_seconds", "Commit.",
                            {0.00001, 0.0001, 0.0025, 0.1, 10})
              .with({});
  h.observe(0.25);
  auto text = r.render();
  CHECK(contains(text, "le=\"1e-05\""));
  CHECK(contains(text, "le=\"0.0001\""));
  CHECK(contains(text, "le=\"0.0025\""));
  CHECK(contains(text, "le=\"0.1\""));
  CHECK(contains(text, "le=\"10\""));
  CHECK(contains(text, "t_commit_seconds_sum 0.25\n"));
  auto& g = r.add_gauge("t_big", "Big.").with({});
  g.set(1e20);
  CHECK(contains(r.render(), "t_big 1e+20\n"));
}

TEST_CASE("metrics: concurrent updates are never lost", "[metrics]") {
  m::registry r;
  auto& c = r.add_counter("t_hits_total", "Hits.").with({});
  auto& g = r.add_gauge("t_level", "Level.").with({});
  auto& h = r.add_histogram("t_size", "Size.", {0.5, 1.5}).with({});
  constexpr int threads = 8, per_thread = 50000;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      for (int i = 0; i < per_thread; ++i) {
        c.inc();
        g.inc(2);
        g.dec();
        h.observe(1);
      }
    });
  for (auto& th : pool)
    th.join();
  constexpr double total = double{threads} * per_thread;
  CHECK(c.value() == total);
  CHECK(g.value() == total);
  auto s = h.collect();
  CHECK(s.count == static_cast<uint64_t>(total));
  CHECK(s.cumulative == std::vector<uint64_t>{0, s.count, s.count});
  CHECK(s.sum == total);
}

TEST_CASE("metrics: the daemon's families are all registered", "[metrics]") {
  auto& d = m::daemon();
  CHECK(&m::daemon() == &d);
  auto text = m::render();
  for (const char* f : {"switchboard_live_calls gauge",
                        "switchboard_calls_total counter",
                        "switchboard_turns_total counter",
                        "switchboard_webhook_duration_seconds histogram",
                        "switchboard_signature_failures_total counter",
                        "switchboard_llm_duration_seconds histogram",
                        "switchboard_llm_queue_depth gauge",
                        "switchboard_tts_duration_seconds histogram",
                        "switchboard_tts_queue_depth gauge",
                        "switchboard_tts_cache_hits_total counter",
                        "switchboard_storage_batch_writes histogram",
                        "switchboard_storage_commit_duration_seconds histogram",
                        "switchboard_errors_total counter",
                        "switchboard_storage_healthy gauge",
                        "switchboard_storage_pending_writes gauge",
                        "switchboard_storage_failed_commits_total counter",
                        "switchboard_storage_dropped_writes_total counter",
                        "switchboard_http_connections gauge",
                        "switchboard_http_rejected_total counter",
                        "switchboard_relay_sessions gauge",
                        "switchboard_relay_first_text_seconds histogram",
                        "switchboard_relay_interrupts_total counter",
                        "switchboard_media_streams gauge",
                        "switchboard_media_frames_in_total counter",
                        "switchboard_media_frames_out_total counter",
                        "switchboard_media_late_frames_total counter",
                        "switchboard_media_dropped_frames_total counter",
                        "switchboard_media_bad_frames_total counter",
                        "switchboard_turn_gap_seconds histogram",
                        "switchboard_barge_in_seconds histogram"}) {
    CAPTURE(f);
    CHECK(contains(text, std::string{"\n# TYPE "} + f + "\n"));
  }
  for (const char* kind :
       {"storage", "llm", "tts", "twilio_rest", "bad_request"})
    CHECK(contains(text, std::string{"switchboard_errors_total{kind=\""} + kind
                           + "\"}"));
  for (const char* reason : {"max_connections", "rate_limit"})
    CHECK(
      contains(text, std::string{"switchboard_http_rejected_total{reason=\""}
                       + reason + "\"}"));
  CHECK(contains(text, "switchboard_turns_total{role=\"user\"}"));
  CHECK(contains(text, "switchboard_storage_batch_writes_bucket{le=\"1024\"}"));
  CHECK(contains(text, "switchboard_llm_duration_seconds_bucket{le=\"30\"}"));
}

TEST_CASE("metrics: count_call_end bounds its label values", "[metrics]") {
  auto& calls = m::daemon().calls_total;
  auto before_out = calls.with({"outbound", "busy"}).value();
  auto before_other = calls.with({"unknown", "other"}).value();
  auto before_in = calls.with({"inbound", "idle-timeout"}).value();
  m::count_call_end("outbound-api", "busy");
  m::count_call_end("outbound-dial", "busy");
  m::count_call_end("sideways", "exploded\"{");
  m::count_call_end("inbound", "idle-timeout");
  CHECK(calls.with({"outbound", "busy"}).value() == before_out + 2);
  CHECK(calls.with({"unknown", "other"}).value() == before_other + 1);
  CHECK(calls.with({"inbound", "idle-timeout"}).value() == before_in + 1);
  CHECK_FALSE(contains(m::render(), "exploded"));
}

TEST_CASE("metrics: the media families count what the transport reports",
          "[metrics]") {
  auto& d = m::daemon();
  // The registry is the process's: other tests may have moved these, so
  // each check is against the value before.
  const auto streams = d.media_streams.value();
  const auto in = d.media_frames_in.value();
  const auto late = d.media_late_frames.value();
  const auto gaps = d.turn_gap.collect();
  const auto barge_ins = d.barge_in_reaction.collect();
  d.media_streams.inc();
  d.media_frames_in.inc(50);
  d.media_late_frames.inc();
  d.turn_gap.observe(0.812);
  d.barge_in_reaction.observe(0.3);
  CHECK(d.media_streams.value() == streams + 1);
  CHECK(d.media_frames_in.value() == in + 50);
  CHECK(d.media_late_frames.value() == late + 1);
  auto text = m::render();
  // The buckets span what the brief asks: 0.1 s to 5 s for the gap, 0.1 s
  // to 2 s for a barge-in, with +Inf after.
  CHECK(d.turn_gap.bounds().front() == 0.1);
  CHECK(d.turn_gap.bounds().back() == 5);
  CHECK(d.barge_in_reaction.bounds().front() == 0.1);
  CHECK(d.barge_in_reaction.bounds().back() == 2);
  CHECK(contains(text, "switchboard_turn_gap_seconds_bucket{le=\"5\"}"));
  CHECK(contains(text, "switchboard_barge_in_seconds_bucket{le=\"2\"}"));
  // 0.812 s lands in the 1 s bucket, not the 0.8 s one.
  auto after = d.turn_gap.collect();
  const auto& bounds = d.turn_gap.bounds();
  for (size_t i = 0; i < bounds.size(); ++i) {
    CAPTURE(bounds[i]);
    CHECK(after.cumulative[i] - gaps.cumulative[i] == (bounds[i] >= 1 ? 1 : 0));
  }
  CHECK(after.count == gaps.count + 1);
  CHECK(d.barge_in_reaction.collect().count == barge_ins.count + 1);
  d.media_streams.dec();
}
