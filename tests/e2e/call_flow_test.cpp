// End-to-end: the real switchboardd on a loopback port with a temp SQLite
// file, driven over HTTP as Twilio would; then the database is read back
// the way an operator would with sqlite3.
#include <atomic>
#include <thread>

#include <catch2/catch.hpp>

#include "cli/sim/sim_call.hpp"
#include "cli/sim/twiml_reader.hpp"
#include "net/client/http_client.hpp"
#include "net/text/form.hpp"
#include "support/daemon_process.hpp"

using namespace sb;
using namespace sb::test;

namespace {

form_params speech(const std::string& sid, const std::string& text) {
  return {{"CallSid", sid},
          {"AccountSid", "AC0"},
          {"CallStatus", "in-progress"},
          {"SpeechResult", text},
          {"Confidence", "0.8"}};
}

} // namespace

TEST_CASE("a full call is answered and leaves every row in the database") {
  temp_dir dir;
  daemon_options opts;
  opts.db_path = dir.file("calls.db");
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());

  http_client client;
  sim_call_options call;
  call.base_url = d.base_url();
  call.from = "+919876543210";
  auto result = play_call(client, call,
                          {"hello", "नमस्ते, मुझे मदद चाहिए", "goodbye"});
  INFO(result.error << "\n" << d.log());
  REQUIRE(result.error.empty());
  CHECK(result.hung_up);
  REQUIRE(result.transcript.size() == 7);
  CHECK(result.transcript[0].text.find("Namaste") != std::string::npos);
  CHECK(result.transcript[2].text.find("nice to hear") != std::string::npos);
  CHECK(result.transcript[6].text.find("goodbye") != std::string::npos);
  REQUIRE(d.stop() == 0);

  auto calls = query(opts.db_path, "SELECT * FROM calls");
  REQUIRE(calls.size() == 1);
  auto& c = calls.front();
  CHECK(c["call_sid"] == result.call_sid);
  CHECK(c["direction"] == "inbound");
  CHECK(c["from_number"] == "+919876543210");
  CHECK(c["to_number"] == call.to);
  CHECK(c["status"] == "completed");
  CHECK(c["end_reason"] == "completed");
  CHECK(c["language"] == "hi-IN");
  CHECK(c["voice"] == "Polly.Aditi");
  CHECK(c["started_at"] != "NULL");
  CHECK(c["answered_at"] != "NULL");
  CHECK(c["ended_at"] >= c["started_at"]);
  CHECK(c["duration_s"] != "NULL");

  auto turns = query(opts.db_path, "SELECT * FROM turns ORDER BY seq");
  REQUIRE(turns.size() == 6);
  for (size_t i = 0; i < turns.size(); ++i) {
    CHECK(turns[i]["seq"] == std::to_string(i + 1));
    CHECK(turns[i]["role"] == (i % 2 == 0 ? "user" : "assistant"));
  }
  CHECK(turns[0]["content"] == "hello");
  CHECK(turns[2]["content"] == "नमस्ते, मुझे मदद चाहिए");
  CHECK(turns[2]["confidence"] == "0.92");
  CHECK(turns[3]["model"] == "scripted:hello");
  CHECK(turns[5]["model"] == "scripted:goodbye");
  CHECK(turns[1]["latency_ms"] != "NULL");
  CHECK(turns[0]["latency_ms"] == "NULL");

  auto events = query(opts.db_path,
                      "SELECT kind, payload FROM events ORDER BY id");
  REQUIRE(events.size() == 5);
  CHECK(events[0]["kind"] == "inbound");
  CHECK(events[1]["kind"] == "process-speech");
  CHECK(events[4]["kind"] == "call-status");
  CHECK(query(opts.db_path,
              "SELECT json_extract(payload, '$.SpeechResult') AS s "
              "FROM events WHERE id = 3")[0]["s"]
        == "नमस्ते, मुझे मदद चाहिए");
}

TEST_CASE("200 concurrent calls lose no turn") {
  temp_dir dir;
  daemon_options opts;
  opts.db_path = dir.file("load.db");
  opts.admin_token = "t0ken";
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  constexpr int calls = 200, rounds = 3, threads = 8;
  std::vector<std::string> sids;
  for (int i = 0; i < calls; ++i)
    sids.push_back(random_call_sid());
  std::atomic<int> failures{0};
  // Each phase runs on `threads` clients at once; all 200 calls stay live
  // from the first phase to the last.
  auto phase = [&](auto&& step) {
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        http_client client;
        for (int i = t; i < calls; i += threads)
          if (!step(client, sids[i]))
            ++failures;
      });
    for (auto& th : pool)
      th.join();
  };
  auto post = [&](http_client& cl, const std::string& path,
                  const form_params& p) {
    auto r = cl.post_form(d.base_url() + path, form_encode(p));
    return r && r->status == 200;
  };
  phase([&](http_client& cl, const std::string& sid) {
    return post(cl, "/voice/inbound",
                {{"CallSid", sid},
                 {"From", "+15550001"},
                 {"To", "+15550002"},
                 {"CallStatus", "ringing"},
                 {"Direction", "inbound"}});
  });
  http_client probe;
  auto health = probe.get(d.base_url() + "/");
  REQUIRE(health);
  CHECK(health->body.find("\"active_sessions\":200") != std::string::npos);
  for (int r = 0; r < rounds; ++r)
    phase([&](http_client& cl, const std::string& sid) {
      return post(cl, "/voice/process-speech",
                  speech(sid, "turn " + std::to_string(r) + " help"));
    });
  phase([&](http_client& cl, const std::string& sid) {
    return post(
      cl, "/call-status",
      {{"CallSid", sid}, {"CallStatus", "completed"}, {"CallDuration", "12"}});
  });
  CHECK(failures == 0);
  REQUIRE(d.stop() == 0);
  CHECK(query_int(opts.db_path, "SELECT count(*) FROM turns")
        == calls * rounds * 2);
  CHECK(query_int(opts.db_path, "SELECT count(*) FROM calls WHERE status = "
                                "'completed' AND ended_at IS NOT NULL")
        == calls);
  // Every call has exactly seq 1..6, user/assistant alternating.
  CHECK(
    query_int(opts.db_path,
              "SELECT count(*) FROM (SELECT call_sid, count(*) n, min(seq) a, "
              "max(seq) b FROM turns GROUP BY call_sid) "
              "WHERE n = 6 AND a = 1 AND b = 6")
    == calls);
  CHECK(query_int(opts.db_path,
                  "SELECT count(*) FROM turns WHERE role = 'user' "
                  "AND seq % 2 = 0")
        == 0);
  CHECK(query_int(opts.db_path, "SELECT count(*) FROM events")
        == calls * (rounds + 2));
}

TEST_CASE("malformed webhooks get 4xx and change nothing stored") {
  temp_dir dir;
  daemon_options opts;
  opts.db_path = dir.file("bad.db");
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  http_client cl;
  auto url = d.base_url() + "/voice/process-speech";
  struct bad {
    std::string body;
    long status;
  };
  std::vector<bad> cases = {
    {"CallSid=CA1&SpeechResult=%ZZ", 400},           // bad percent escape
    {"CallSid=CA1&SpeechResult=%C3%28", 400},        // invalid UTF-8
    {"CallSid=CA1&SpeechResult=a%00b", 400},         // NUL
    {"SpeechResult=hello", 400},                     // no CallSid
    {"CallSid=CA1%3Cscript%3E&SpeechResult=x", 400}, // malformed CallSid
    {"=x&CallSid=CA1", 400},                         // empty key
    {"CallSid=CA1&SpeechResult=" + std::string(70000, 'a'), 413},
  };
  for (const auto& c : cases) {
    auto r = cl.post_form(url, c.body);
    REQUIRE(r);
    INFO(c.body.substr(0, 60));
    CHECK(r->status == c.status);
  }
  auto text = cl.request("POST", url, "CallSid=CA1",
                         {{"Content-Type", "text/plain"}});
  REQUIRE(text);
  CHECK(text->status == 415);
  auto json = cl.request("POST", url, "[\"CallSid\", \"CA1\"]",
                         {{"Content-Type", "application/json"}});
  REQUIRE(json);
  CHECK(json->status == 400);
  auto wrong_method = cl.get(url);
  REQUIRE(wrong_method);
  CHECK(wrong_method->status == 405);
  auto unknown = cl.post_form(d.base_url() + "/voice/nope", "CallSid=CA1");
  REQUIRE(unknown);
  CHECK(unknown->status == 404);
  // The daemon still serves a good call afterwards.
  auto good = cl.post_form(d.base_url() + "/voice/inbound",
                           "CallSid=CA2&From=%2B1");
  REQUIRE(good);
  CHECK(good->status == 200);
  REQUIRE(d.stop() == 0);
  CHECK(query_int(opts.db_path, "SELECT count(*) FROM events") == 1);
  CHECK(query_int(opts.db_path, "SELECT count(*) FROM calls") == 1);
  CHECK(query_int(opts.db_path, "SELECT count(*) FROM turns") == 0);
  CHECK(
    query_int(opts.db_path, "SELECT count(*) FROM calls WHERE call_sid = 'CA1'")
    == 0);
}

TEST_CASE("a call survives a daemon crash with its whole history") {
  temp_dir dir;
  daemon_options opts;
  opts.db_path = dir.file("restart.db");
  opts.admin_token = "secret";
  std::string sid = random_call_sid();
  {
    daemon_process d{opts, dir.path()};
    REQUIRE(d.running());
    http_client cl;
    sim_call_options call;
    call.base_url = d.base_url();
    call.call_sid = sid;
    call.send_completed = false;
    auto r = play_call(cl, call, {"hello", "help"});
    REQUIRE(r.error.empty());
    d.kill_hard();
  }
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  http_client cl;
  auto r = cl.post_form(d.base_url() + "/voice/process-speech",
                        form_encode(speech(sid, "what did I say")));
  REQUIRE(r);
  REQUIRE(r->status == 200);
  auto doc = read_twiml(r->body);
  REQUIRE(doc);
  REQUIRE(doc->find("Say"));
  CHECK(doc->find("Say")->text.find("what did I say") != std::string::npos);
  auto session = cl.get(d.base_url() + "/session/" + sid,
                        {{"Authorization", "Bearer secret"}});
  REQUIRE(session);
  CHECK(session->status == 200);
  CHECK(session->body.find("\"content\":\"hello\"") != std::string::npos);
  CHECK(d.log().find("rebuilt from storage with 4 turns") != std::string::npos);
  REQUIRE(d.stop() == 0);
  auto turns = query(opts.db_path,
                     "SELECT seq, content FROM turns ORDER BY seq");
  REQUIRE(turns.size() == 6);
  CHECK(turns[4]["seq"] == "5");
  CHECK(turns[4]["content"] == "what did I say");
}
