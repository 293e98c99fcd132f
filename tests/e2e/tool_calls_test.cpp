// End-to-end: the MCP tool calls stored with a reply reach every reader of
// the call: GET /session and `switchboardctl call` once a restarted daemon
// has rebuilt the call from its database, and `switchboardctl transcript`
// from the file.
#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include "cli/sim/sim_call.hpp"
#include "core/error.hpp"
#include "net/client/http_client.hpp"
#include "net/text/form.hpp"
#include "storage/database.hpp"
#include "support/daemon_process.hpp"
#include "support/tool_call_rows.hpp"

using namespace sb;
using namespace sb::test;

namespace {

// The call's reply (seq 2) written again with the tools its model called,
// as the daemon writes a reply: through storage, on the daemon's file.
void store_tool_calls(const std::string& db_path, const std::string& sid) {
  auto db = database::open(db_path);
  REQUIRE(db);
  auto call = (*db)->load_call(sid);
  REQUIRE(call);
  REQUIRE(*call);
  REQUIRE((*call)->turns.size() >= 2);
  auto reply = (*call)->turns[1];
  REQUIRE(reply.role == "assistant");
  reply.tool_calls = {
    answered_call(1, 1, "lookup_order", R"({"order_id":"A123"})",
                  "Order A123 shipped", 42),
    failed_call(2, 1, "track_parcel", R"({"parcel":"<script>"})",
                "timed out after 3000 ms", 3001)};
  write_batch batch;
  batch.turns.push_back(reply);
  REQUIRE_FALSE((*db)->write(batch));
}

} // namespace

TEST_CASE("a reply's stored tool calls are shown by GET /session, "
          "switchboardctl call and switchboardctl transcript") {
  temp_dir dir;
  daemon_options opts;
  opts.db_path = dir.file("tools.db");
  opts.admin_token = "secret";
  const auto sid = random_call_sid();
  {
    daemon_process d{opts, dir.path()};
    REQUIRE(d.running());
    http_client cl;
    sim_call_options call;
    call.base_url = d.base_url();
    call.call_sid = sid;
    call.send_completed = false;
    REQUIRE(play_call(cl, call, {"where is order A123"}).error.empty());
    // Lost, not stopped: Twilio still holds the call for the next daemon.
    d.kill_hard();
  }
  store_tool_calls(opts.db_path, sid);

  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  http_client cl;
  // The next turn rebuilds the call, its stored turns included.
  auto turn = cl.post_form(
    d.base_url() + "/voice/process-speech",
    form_encode(form_params{{"CallSid", sid},
                            {"CallStatus", "in-progress"},
                            {"SpeechResult", "thanks"}}));
  REQUIRE(turn);
  REQUIRE(turn->status == 200);
  auto session = cl.get(d.base_url() + "/session/" + sid,
                        {{"Authorization", "Bearer secret"}});
  REQUIRE(session);
  REQUIRE(session->status == 200);
  rapidjson::Document doc;
  doc.Parse(session->body.c_str());
  INFO(session->body);
  REQUIRE(doc.IsObject());
  const auto& history = doc["conversation_history"];
  REQUIRE(history.Size() >= 3);
  CHECK_FALSE(history[0].HasMember("tool_calls"));
  const auto& calls = history[1]["tool_calls"];
  REQUIRE(calls.Size() == 2);
  CHECK(std::string(calls[0]["name"].GetString()) == "lookup_order");
  CHECK(std::string(calls[0]["arguments"]["order_id"].GetString()) == "A123");
  CHECK(std::string(calls[0]["result"].GetString()) == "Order A123 shipped");
  CHECK(calls[0]["ms"].GetInt() == 42);
  CHECK(calls[1]["result"].IsNull());
  CHECK(std::string(calls[1]["error"].GetString())
        == "timed out after 3000 ms");
  CHECK_FALSE(history[2].HasMember("tool_calls"));

  const std::string lines =
    "    [tool] lookup_order {\"order_id\":\"A123\"} -> Order A123 shipped"
    " (42 ms)\n"
    "    [tool] track_parcel {\"parcel\":\"<script>\"} -> error: timed out"
    " after 3000 ms (3001 ms)\n";
  std::string out;
  CHECK(run_ctl_command({"--socket", opts.db_path + ".sock", "call", sid}, out)
        == 0);
  CHECK(out.find(lines) != std::string::npos);
  REQUIRE(d.stop() == 0);
  out.clear();
  CHECK(run_ctl_command({"--db", opts.db_path, "transcript", sid}, out) == 0);
  INFO(out);
  CHECK(out.find(lines) != std::string::npos);
}
