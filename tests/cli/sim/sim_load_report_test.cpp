// Tests for cli/sim/sim_load_report and the single-call transcript layout:
// what a load run prints (table and JSON line), when it counts as clean,
// and how a played call reads.
#include "cli/sim/sim_load_report.hpp"

#include <string>

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include "cli/sim/sim_transcript.hpp"

namespace {

sb::load_report sample_report() {
  sb::load_report r;
  r.calls_ok = 9;
  r.calls_failed = 1;
  r.requests = 46;
  r.turns_ok = 27;
  r.wall_s = 2.0;
  for (int i = 1; i <= 10; ++i)
    r.latency.add("inbound", i * 1000 + 1);
  r.latency.add("process-speech", 1500);
  r.errors["HTTP 403"] = 1;
  return r;
}

} // namespace

TEST_CASE("the table shows throughput, percentiles and errors",
          "[sim_load_report]") {
  sb::load_options opts;
  opts.calls = 10;
  sb::db_check_result db;
  db.expected = 54;
  db.lost = 2;
  db.examples = {"CA1: user turn \"hello\""};
  auto text = sb::format_load_report(opts, sample_report(), db, "x.db");
  CHECK(text.find("calls:     9 ok, 1 failed\n") != std::string::npos);
  CHECK(text.find("46 in 2.000 s: 23.0 req/s, 13.5 turns/s")
        != std::string::npos);
  // p50 of 1.001 .. 10.001 ms is the 5th, p90 the 9th, p99 and max the 10th.
  CHECK(text.find(
          "  inbound            10     5.001     9.001    10.001    10.001\n")
        != std::string::npos);
  CHECK(text.find("HTTP 403") != std::string::npos);
  CHECK(text.find("lost turns: 2 (54 turn rows expected in x.db)")
        != std::string::npos);
  CHECK(text.find("missing CA1: user turn \"hello\"") != std::string::npos);
}

TEST_CASE("the JSON line carries the same figures", "[sim_load_report]") {
  sb::load_options opts;
  opts.calls = 10;
  opts.concurrency = 4;
  auto line = sb::load_report_json(opts, sample_report(), std::nullopt);
  CHECK(line.find('\n') == std::string::npos);
  rapidjson::Document doc;
  doc.Parse(line.c_str());
  REQUIRE_FALSE(doc.HasParseError());
  CHECK(doc["calls"].GetInt64() == 10);
  CHECK(doc["calls_failed"].GetInt64() == 1);
  CHECK(doc["concurrency"].GetInt64() == 4);
  CHECK(doc["requests_per_s"].GetDouble() == Approx(23.0));
  CHECK(doc["latency_ms"]["inbound"]["p90"].GetDouble() == Approx(9.001));
  CHECK(doc["latency_ms"]["process-speech"]["count"].GetInt64() == 1);
  CHECK(doc["errors"]["HTTP 403"].GetInt64() == 1);
  CHECK(doc["lost_turns"].IsNull());
  CHECK_FALSE(doc.HasMember("db_error"));

  sb::db_check_result db;
  db.error = "x.db: no such table: turns";
  db.lost = 54;
  doc.Parse(sb::load_report_json(opts, sample_report(), db).c_str());
  CHECK(doc["lost_turns"].GetInt64() == 54);
  CHECK(std::string{doc["db_error"].GetString()} == db.error);
}

TEST_CASE("clean means no failed call, no lost turn, a readable database",
          "[sim_load_report]") {
  sb::load_report ok;
  ok.calls_ok = 3;
  CHECK(sb::load_clean(ok, std::nullopt));
  sb::db_check_result db;
  CHECK(sb::load_clean(ok, db));
  db.lost = 1;
  CHECK_FALSE(sb::load_clean(ok, db));
  db.lost = 0;
  db.error = "cannot open";
  CHECK_FALSE(sb::load_clean(ok, db));
  CHECK_FALSE(sb::load_clean(sample_report(), std::nullopt));
}

TEST_CASE("a transcript shows who said what, latency and notes", "[sim_call]") {
  sb::sim_result r;
  r.call_sid = "CA1";
  r.transcript = {{"assistant", "Namaste!", 12.34, {}},
                  {"caller", "I need help", -1, "confidence 0.55"},
                  {"assistant", "Goodbye!", 0.5, {}},
                  {"twilio", "status completed, 3 s (#0)", 1.0, {}}};
  r.hung_up = true;
  CHECK(sb::format_transcript(r)
        == "call CA1\n"
           "  assistant: Namaste!  (12.3 ms)\n"
           "  caller:    I need help  [confidence 0.55]\n"
           "  assistant: Goodbye!  (0.5 ms)\n"
           "  [the assistant hung up]\n"
           "  twilio:    status completed, 3 s (#0)  (1.0 ms)\n");
}
