// Tests for switchboard-sim load --transport media: the figures of one
// call from its conversation's events and their sum (pure), the report's
// table and JSON line, and whole runs of asynchronous calls against the
// scripted stand-in daemon (tests/cli/sim/fake_media_daemon.hpp): every
// call greeted, interrupted, answered and hung up; calls without a
// greeting; a daemon that is not there.
#include "cli/sim/sim_media_load.hpp"

#include <mutex>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "cli/sim/sim_media_load_report.hpp"
#include "rapidjson/document.h"
#include "tests/cli/sim/fake_media_daemon.hpp"

namespace {

using namespace sb::test::fake_media;
using namespace std::chrono_literals;

const sb::media_time t0 = sb::media_time{} + 10s;

sb::media_event reply(double gap_ms, bool from_caller,
                      std::vector<std::chrono::microseconds> gaps = {}) {
  sb::media_event ev;
  ev.what = sb::media_event::kind::reply;
  ev.reply.turn_gap_ms = gap_ms;
  ev.reply.from_caller = from_caller;
  ev.reply.heard.playout.first_audio = t0;
  ev.reply.heard.playout.gaps = std::move(gaps);
  return ev;
}

sb::media_load_options options_for(const fake_media_daemon& daemon,
                                   std::vector<sb::media_line> lines) {
  sb::media_load_options o;
  o.load.base_url = daemon.base_url();
  o.load.auth_token = media_auth_token;
  o.load.calls = 6;
  o.load.concurrency = 3;
  o.load.timeout = 5s;
  o.script = script_of(std::move(lines));
  o.reply_quiet = 300ms;
  o.conversation.reply_timeout = 5s;
  return o;
}

} // namespace

TEST_CASE("a call's figures come from its replies", "[sim_media_load]") {
  sb::media_event caller;
  caller.text = "hello";
  auto barged = reply(800, true, {30ms, 120ms});
  barged.reply.interrupted = true;
  barged.reply.barge_in_ms = 480.5;
  auto unheeded = reply(900, true);
  unheeded.reply.interrupted = true; // no clear came
  sb::media_conversation_options opts;
  auto f = sb::call_figures({reply(5, false), caller, barged, unheeded,
                             reply(650, true, {45ms})},
                            opts);
  CHECK(f.replies == 4);
  CHECK(f.greeting_us == std::vector<int64_t>{5000});
  CHECK(f.turn_gap_us == std::vector<int64_t>{800000, 900000, 650000});
  CHECK(f.interrupted == 2);
  CHECK(f.barge_in_us == std::vector<int64_t>{480500});
  CHECK(f.no_clear == 1);
  CHECK(f.playback_gaps == 2); // 120 and 45 ms; 30 ms is under 40
  CHECK(f.playback_gap_max_us == 120000);
  CHECK(f.calls_ok == 0);

  sb::media_load_report sum;
  f.calls_ok = 1;
  f.frames_sent = 500;
  f.late_frames = 2;
  f.errors["x"] = 1;
  sb::add_figures(sum, f);
  sb::add_figures(sum, f);
  CHECK(sum.calls_ok == 2);
  CHECK(sum.replies == 8);
  CHECK(sum.turn_gap_us.size() == 6);
  CHECK(sum.no_clear == 2);
  CHECK(sum.playback_gap_max_us == 120000);
  CHECK(sum.frames_sent == 1000);
  CHECK(sum.late_frames == 4);
  CHECK(sum.errors.at("x") == 2);
}

TEST_CASE("the media load report: percentiles in a table and a JSON line",
          "[sim_media_load]") {
  sb::media_load_options opts;
  opts.load.calls = 3;
  opts.load.concurrency = 2;
  opts.script = script_of({said("hello", 100)});
  sb::media_load_report r;
  r.calls_ok = 2;
  r.calls_failed = 1;
  r.errors["no reply"] = 1;
  r.wall_s = 12.5;
  r.replies = 5;
  for (int i = 1; i <= 100; ++i)
    r.turn_gap_us.push_back(i * 10000); // 10..1000 ms
  r.interrupted = 2;
  r.barge_in_us = {400000};
  r.no_clear = 1;
  r.playback_gaps = 3;
  r.playback_gap_max_us = 63500;
  r.frames_sent = 1000;
  r.late_frames = 7;
  auto table = sb::format_media_load_report(opts, r);
  INFO(table);
  CHECK(table.find("calls:     2 completed, 1 failed") != std::string::npos);
  CHECK(table.find("turn gap          100  p50     500.0  p95     950.0  p99"
                   "     990.0  max    1000.0")
        != std::string::npos);
  CHECK(table.find("barge-ins: 2 replies interrupted, 1 without a clear")
        != std::string::npos);
  CHECK(table.find("playback gaps over 40 ms: 3, longest 63.5 ms")
        != std::string::npos);
  CHECK(table.find("7 late") != std::string::npos);
  CHECK(table.find("  no reply: 1") != std::string::npos);
  CHECK_FALSE(sb::media_load_clean(r));

  rapidjson::Document doc;
  doc.Parse(sb::media_load_report_json(opts, r).c_str());
  REQUIRE(doc.IsObject());
  CHECK(std::string{doc["transport"].GetString()} == "media");
  CHECK(doc["calls_failed"].GetInt() == 1);
  CHECK(doc["turn_gap_ms"]["p95"].GetDouble() == Approx(950.0));
  CHECK(doc["turn_gap_ms"]["count"].GetInt() == 100);
  CHECK(doc["barge_in_ms"]["max"].GetDouble() == Approx(400.0));
  CHECK(doc["no_clear"].GetInt() == 1);
  CHECK(doc["playback_gap_max_ms"].GetDouble() == Approx(63.5));
  CHECK(doc["late_frames"].GetInt() == 7);
  CHECK(doc["errors"]["no reply"].GetInt() == 1);
}

TEST_CASE("a media load run: every call greeted, interrupted, answered",
          "[sim_media_load]") {
  fake_mode mode;
  mode.other_streams = {act::speak, act::long_reply, act::speak_gap};
  fake_media_daemon daemon{mode};
  auto interrupt = said("wait", 300);
  interrupt.step.kind = sb::sim_step_kind::interrupt;
  interrupt.step.seconds = 0.5;
  auto opts = options_for(daemon, {said("hello", 300), interrupt});
  auto r = sb::run_media_load(opts);
  REQUIRE(r);
  INFO(sb::format_media_load_report(opts, *r));
  CHECK(r->calls_ok == 6);
  CHECK(r->calls_failed == 0);
  CHECK(r->errors.empty());
  CHECK(r->replies == 18);
  CHECK(r->greeting_us.size() == 6);
  REQUIRE(r->turn_gap_us.size() == 12);
  for (auto us : r->turn_gap_us) {
    CHECK(us >= 190000); // the stand-in waits 200 ms of silence
    CHECK(us < 2000000);
  }
  CHECK(r->interrupted == 6);
  CHECK(r->barge_in_us.size() == 6);
  CHECK(r->no_clear == 0);
  CHECK(r->playback_gaps == 6); // one 100 ms hole in each last reply
  CHECK(r->playback_gap_max_us >= 90000);
  CHECK(r->frames_sent > 6 * 100);
  CHECK(sb::media_load_clean(*r));

  CHECK(daemon.closes(6) == std::vector<int>(6, 1000));
  std::lock_guard<std::mutex> lock{daemon.mutex};
  CHECK(daemon.problems.empty());
  CHECK(daemon.bad_signatures.empty());
  CHECK(daemon.starts.size() == 6);
  CHECK(daemon.stops == 6);
  int started = 0, stopped = 0, completed = 0;
  for (const auto& [target, form] : daemon.posts) {
    auto event = sb::param_or(form, "StreamEvent");
    started += event == "stream-started";
    stopped += event == "stream-stopped";
    completed += target == "/call-status"
                 && sb::param_or(form, "CallStatus") == "completed";
  }
  CHECK(started == 6);
  CHECK(stopped == 6);
  CHECK(completed == 6);
}

TEST_CASE("media load: failed calls are counted by kind", "[sim_media_load]") {
  fake_mode mode;
  mode.other_streams = {act::nothing};
  fake_media_daemon daemon{mode};
  auto opts = options_for(daemon, {said("hello", 200)});
  opts.load.calls = 2;
  opts.conversation.reply_timeout = 300ms;
  auto r = sb::run_media_load(opts);
  REQUIRE(r);
  CHECK(r->calls_failed == 2);
  CHECK(r->errors == std::map<std::string, int64_t>{{"no greeting", 2}});
  CHECK_FALSE(sb::media_load_clean(*r));

  opts.load.base_url = "http://127.0.0.1:1";
  auto refused = sb::run_media_load(opts);
  REQUIRE(refused);
  CHECK(refused->errors
        == std::map<std::string, int64_t>{{"connect refused", 2}});
  opts.load.base_url = "https://127.0.0.1:1";
  CHECK_FALSE(sb::run_media_load(opts));
}
