// End-to-end: limits and operator endpoints of the real daemon.
#include <chrono>
#include <fstream>
#include <thread>

#include <catch2/catch.hpp>

#include "cli/sim/sim_call.hpp"
#include "cli/sim/twiml_reader.hpp"
#include "net/client/http_client.hpp"
#include "net/text/form.hpp"
#include "support/daemon_process.hpp"
#include "tests/support/paths.hpp"
#include "tests/support/poll_until.hpp"

using namespace sb;
using namespace sb::test;
using sb::testing::poll_until;

namespace {

caf::expected<client_response> inbound(http_client& cl, const daemon_process& d,
                                       const std::string& sid) {
  return cl.post_form(d.base_url() + "/voice/inbound",
                      form_encode(form_params{{"CallSid", sid},
                                              {"From", "+15550001"},
                                              {"CallStatus", "ringing"},
                                              {"Direction", "inbound"}}));
}

} // namespace

TEST_CASE("past max_calls a new caller hears the busy message") {
  temp_dir dir;
  daemon_options opts;
  opts.db_path = dir.file("busy.db");
  opts.max_calls = 2;
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  http_client cl;
  REQUIRE(inbound(cl, d, "CA01")->status == 200);
  REQUIRE(inbound(cl, d, "CA02")->status == 200);
  auto busy = inbound(cl, d, "CA03");
  REQUIRE(busy);
  REQUIRE(busy->status == 200);
  auto doc = read_twiml(busy->body);
  REQUIRE(doc);
  CHECK(doc->find("Hangup"));
  CHECK_FALSE(doc->find("Gather"));
  CHECK(doc->find("Say")->text.find("busy") != std::string::npos);
  // Ending one call frees a line.
  cl.post_form(d.base_url() + "/call-status",
               "CallSid=CA01&CallStatus=completed");
  auto again = inbound(cl, d, "CA04");
  REQUIRE(again);
  CHECK(read_twiml(again->body)->find("Gather"));
  REQUIRE(d.stop() == 0);
  CHECK(
    query(opts.db_path, "SELECT end_reason FROM calls WHERE call_sid = 'CA03'")
      .at(0)["end_reason"]
    == "rejected-busy");
}

TEST_CASE("silence re-prompts, then ends the call") {
  temp_dir dir;
  daemon_options opts;
  opts.db_path = dir.file("silence.db");
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  http_client cl;
  REQUIRE(inbound(cl, d, "CA10")->status == 200);
  for (int i = 0; i < 3; ++i) {
    auto r = cl.post_form(d.base_url() + "/voice/process-speech",
                          "CallSid=CA10&SpeechResult=");
    REQUIRE(r);
    auto doc = read_twiml(r->body);
    REQUIRE(doc);
    CHECK(doc->find("Gather"));
    CHECK(doc->find("Say")->text.find("did not catch") != std::string::npos);
  }
  auto last = cl.post_form(d.base_url() + "/voice/process-speech",
                           "CallSid=CA10");
  REQUIRE(last);
  auto doc = read_twiml(last->body);
  CHECK(doc->find("Hangup"));
  REQUIRE(d.stop() == 0);
  CHECK(query_int(opts.db_path, "SELECT count(*) FROM turns") == 0);
  CHECK(query_int(opts.db_path, "SELECT count(*) FROM events") == 5);
}

TEST_CASE("an idle call is reaped after call_idle_timeout_s") {
  temp_dir dir;
  daemon_options opts;
  opts.db_path = dir.file("idle.db");
  opts.call_idle_timeout_s = 1;
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  http_client cl;
  REQUIRE(inbound(cl, d, "CA20")->status == 200);
  // Waits for the daemon's own report of the reaping, bounded.
  REQUIRE(d.wait_for_log("CA20 ended: idle-timeout"));
  // The ingress lets the call go once its end is committed.
  CHECK(poll_until(
    [&] {
      auto health = cl.get(d.base_url() + "/");
      return health
             && health->body.find("\"active_sessions\":0") != std::string::npos;
    },
    std::chrono::seconds(5)));
  REQUIRE(d.stop() == 0);
  auto row =
    query(opts.db_path, "SELECT end_reason, ended_at FROM calls").at(0);
  CHECK(row["end_reason"] == "idle-timeout");
  CHECK(row["ended_at"] != "NULL");
}

TEST_CASE("operator endpoints need the bearer token") {
  temp_dir dir;
  daemon_options opts;
  opts.db_path = dir.file("ops.db");
  opts.admin_token = "s3cret-token";
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  http_client cl;
  REQUIRE(inbound(cl, d, "CA30")->status == 200);
  CHECK(cl.get(d.base_url() + "/sessions")->status == 401);
  CHECK(cl.get(d.base_url() + "/sessions",
               {{"Authorization", "Bearer wrong-token!"}})
          ->status
        == 401);
  auto ok = cl.get(d.base_url() + "/sessions",
                   {{"Authorization", "Bearer s3cret-token"}});
  REQUIRE(ok);
  CHECK(ok->status == 200);
  CHECK(ok->body.find("\"active_sessions\":1") != std::string::npos);
  CHECK(ok->body.find("\"CA30\":{\"call_sid\":\"CA30\"") != std::string::npos);
  auto missing = cl.get(d.base_url() + "/session/CA99",
                        {{"Authorization", "Bearer s3cret-token"}});
  CHECK(missing->status == 404);
  CHECK(cl.get(d.base_url() + "/healthz")->body == "ok\n");
  REQUIRE(d.stop() == 0);
}

TEST_CASE("operator endpoints are off without a configured token") {
  temp_dir dir;
  daemon_options opts;
  opts.db_path = dir.file("noops.db");
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  http_client cl;
  CHECK(
    cl.get(d.base_url() + "/sessions", {{"Authorization", "Bearer "}})->status
    == 403);
  REQUIRE(d.stop() == 0);
}

TEST_CASE("the binary validates its configuration and documents itself") {
  temp_dir dir;
  std::string out;
  CHECK(run_daemon_command({"--help"}, out) == 0);
  CHECK(out.find("--check-config") != std::string::npos);
  out.clear();
  // The shipped file checks signatures, so it needs a token from outside.
  CHECK(run_daemon_command({"--check-config", "--config",
                            sb::test::source_dir() + "/config.toml"},
                           out)
        == 1);
  CHECK(out.find("twilio.auth_token: required") != std::string::npos);
  auto good = dir.file("good.toml");
  std::ofstream{good} << "[twilio]\nauth_token = \"x\"\n";
  out.clear();
  CHECK(run_daemon_command({"--check-config", "--config", good}, out) == 0);
  auto bad = dir.file("bad.toml");
  std::ofstream{bad} << "[limits]\nmax_calls = 0\n";
  out.clear();
  CHECK(run_daemon_command({"--check-config", "--config", bad}, out) == 1);
  CHECK(out.find("limits.max_calls") != std::string::npos);
  // The speech recogniser's model files are checked too, by key and path.
  auto no_model = dir.file("no-model.toml");
  std::ofstream{no_model} << "[twilio]\nauth_token = \"x\"\n[stt]\n"
                             "pocketsphinx_dir = \""
                          << dir.file("model") << "\"\n";
  out.clear();
  CHECK(run_daemon_command({"--check-config", "--config", no_model}, out) == 1);
  CHECK(out.find("stt.pocketsphinx_dir: cannot read " + dir.file("model")
                 + "/en-us/mdef")
        != std::string::npos);
  out.clear();
  CHECK(run_daemon_command({"--config", dir.file("missing.toml")}, out) == 1);
  CHECK(out.find("cannot read") != std::string::npos);
  out.clear();
  CHECK(run_daemon_command({"--bogus"}, out) == 2);
}
