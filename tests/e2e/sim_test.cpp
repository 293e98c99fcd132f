// End-to-end: the built switchboard-sim binary against the real daemon
// with signatures checked. Load mode: 60 calls, 30 at once, 3 turns each,
// all in the SQLite file and none lost; a slow model's <Redirect>s to
// /voice/await followed; a wrong auth token and a database that is not the
// daemon's are failures the report names. Single-call
// mode: a script with confidence, silence, digits and callbacks, checked
// in the transcript and in the database rows it left.
#include <fstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include "fixtures/fake_llm.hpp"
#include "support/daemon_process.hpp"
#include "tests/support/exec_argv.hpp"
#include "tests/support/paths.hpp"

using namespace sb::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* token = "sim-e2e-token";

// Runs build/cli/switchboard-sim to completion; returns its exit code and
// fills `output` with stdout and stderr together.
int run_sim(const std::vector<std::string>& args, std::string& output) {
  std::vector<std::string> argv{sb::test::binary_dir()
                                + "/cli/switchboard-sim"};
  argv.insert(argv.end(), args.begin(), args.end());
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0)
    return -1;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    dup2(fds[1], STDERR_FILENO);
    exec_argv(argv);
  }
  close(fds[1]);
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0)
    output.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

daemon_options signed_daemon(const temp_dir& dir) {
  daemon_options opts;
  opts.db_path = dir.file("sim.db");
  opts.validate_signatures = true;
  opts.auth_token = token;
  return opts;
}

// The last line of `output`: where --json puts its summary.
std::string last_line(const std::string& output) {
  auto end = output.find_last_not_of('\n');
  auto start = output.rfind('\n', end);
  return output.substr(start == std::string::npos ? 0 : start + 1,
                       end - (start == std::string::npos ? 0 : start + 1) + 1);
}

} // namespace

TEST_CASE("sim load: 60 calls x 3 turns, every turn in the database", "[sim]") {
  temp_dir dir;
  auto opts = signed_daemon(dir);
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());

  std::string out;
  int rc = run_sim({"load", "--url", d.base_url(), "--auth-token", token,
                    "--calls", "60", "--concurrency", "30", "--turns", "3",
                    "--db", opts.db_path, "--json"},
                   out);
  INFO(out);
  CHECK(rc == 0);
  CHECK(out.find("calls:     60 ok, 0 failed") != std::string::npos);
  CHECK(out.find("lost turns: 0 (360 turn rows expected") != std::string::npos);
  CHECK(out.find("errors:    none") != std::string::npos);

  rapidjson::Document json;
  json.Parse(last_line(out).c_str());
  REQUIRE_FALSE(json.HasParseError());
  CHECK(json["calls_ok"].GetInt64() == 60);
  CHECK(json["turns"].GetInt64() == 180);
  CHECK(json["requests"].GetInt64() == 300); // answer, 3 turns, completed
  CHECK(json["lost_turns"].GetInt64() == 0);
  CHECK(json["latency_ms"]["process-speech"]["count"].GetInt64() == 180);
  CHECK(json["latency_ms"]["inbound"]["p99"].GetDouble() > 0);

  // The daemon's own record of it: 60 completed calls of 6 turns each.
  CHECK(query_int(opts.db_path, "SELECT count(*) FROM calls") == 60);
  CHECK(query_int(opts.db_path, "SELECT count(*) FROM calls "
                                "WHERE status = 'completed'")
        == 60);
  CHECK(query_int(opts.db_path, "SELECT count(*) FROM turns") == 360);
  CHECK(query_int(opts.db_path,
                  "SELECT count(*) FROM (SELECT call_sid FROM turns "
                  "GROUP BY call_sid HAVING count(*) = 6 AND "
                  "sum(role = 'user') = 3)")
        == 60);
  CHECK(query_int(opts.db_path, "SELECT count(*) FROM turns WHERE role = "
                                "'user' AND content = 'मुझे मदद चाहिए'")
        > 0);
  CHECK(d.stop() == 0);
}

TEST_CASE("sim load follows a slow model's redirects to /voice/await",
          "[sim]") {
  sb::fake_llm model{sb::fake_llm::flavor::ollama};
  REQUIRE(model.ok());
  model.set_mode(sb::fake_llm::mode::slow, 900ms);
  model.set_reply("Your order ships tomorrow.");
  temp_dir dir;
  auto opts = signed_daemon(dir);
  opts.webhook_deadline_ms = 500;
  opts.extra_toml = "[llm]\nbackend = \"ollama\"\nmodel = \"m\"\n"
                    "timeout_s = 20\n[[llm.endpoints]]\nurl = \""
                    + model.base_url() + "\"\nslots = 4\n";
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());

  std::string out;
  int rc = run_sim({"load", "--url", d.base_url(), "--auth-token", token,
                    "--calls", "4", "--concurrency", "4", "--turns", "1",
                    "--db", opts.db_path, "--json"},
                   out);
  INFO(out);
  CHECK(rc == 0);
  rapidjson::Document json;
  json.Parse(last_line(out).c_str());
  REQUIRE_FALSE(json.HasParseError());
  CHECK(json["calls_ok"].GetInt64() == 4);
  CHECK(json["lost_turns"].GetInt64() == 0);
  // Each turn: the filler at the deadline, then the answer from await.
  REQUIRE(json["latency_ms"].HasMember("await"));
  CHECK(json["latency_ms"]["await"]["count"].GetInt64() >= 4);
  CHECK(json["latency_ms"]["process-speech"]["p50"].GetDouble() >= 450);
  CHECK(query_int(opts.db_path, "SELECT count(*) FROM turns WHERE role = "
                                "'assistant' AND content = 'Your order ships "
                                "tomorrow.'")
        == 4);
  CHECK(d.stop() == 0);
}

TEST_CASE("sim load: a wrong token and a foreign database are failures",
          "[sim]") {
  temp_dir dir;
  auto opts = signed_daemon(dir);
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());

  SECTION("a wrong auth token: every call refused with 403, nothing stored") {
    std::string out;
    int rc = run_sim({"load", "--url", d.base_url(), "--auth-token", "wrong",
                      "--calls", "10", "--concurrency", "5", "--turns", "2",
                      "--json"},
                     out);
    INFO(out);
    CHECK(rc == 1);
    CHECK(out.find("calls:     0 ok, 10 failed") != std::string::npos);
    CHECK(out.find("  HTTP 403                       10\n")
          != std::string::npos);
    rapidjson::Document json;
    json.Parse(last_line(out).c_str());
    REQUIRE_FALSE(json.HasParseError());
    CHECK(json["errors"]["HTTP 403"].GetInt64() == 10);
    CHECK(query_int(opts.db_path, "SELECT count(*) FROM turns") == 0);
    CHECK(query_int(opts.db_path, "SELECT count(*) FROM calls") == 0);
  }

  SECTION("--db at another, empty file: every turn reported lost") {
    auto other = dir.file("other.db");
    std::ofstream{other}.flush();
    std::string out;
    int rc = run_sim({"load", "--url", d.base_url(), "--auth-token", token,
                      "--calls", "4", "--concurrency", "4", "--turns", "2",
                      "--db", other},
                     out);
    INFO(out);
    CHECK(rc == 1);
    CHECK(out.find("calls:     4 ok, 0 failed") != std::string::npos);
    CHECK(out.find("lost turns: 16 (16 turn rows expected in " + other + ")")
          != std::string::npos);
    CHECK(out.find("no such table: turns") != std::string::npos);
    // The turns are in the daemon's own file all the same.
    CHECK(query_int(opts.db_path, "SELECT count(*) FROM turns") == 16);
  }

  SECTION("--turns 0 --no-complete leaves idle live calls") {
    std::string out;
    int rc = run_sim({"load", "--url", d.base_url(), "--auth-token", token,
                      "--calls", "20", "--concurrency", "20", "--turns", "0",
                      "--no-complete", "--db", opts.db_path},
                     out);
    INFO(out);
    CHECK(rc == 0);
    CHECK(out.find("lost turns: 0 (0 turn rows") != std::string::npos);
    CHECK(query_int(opts.db_path, "SELECT count(*) FROM calls "
                                  "WHERE ended_at IS NULL")
          == 20);
  }
  CHECK(d.stop() == 0);
}

TEST_CASE("sim script: confidence, silence and digits, as stored", "[sim]") {
  temp_dir dir;
  auto opts = signed_daemon(dir);
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  auto script = dir.file("call.txt");
  std::ofstream{script} << "# a caller who hesitates\n"
                           "hello\n"
                           "\n"
                           "[0.55] I need help\n"
                           "silence\n"
                           "digits 1234#\n"
                           "pause 0.05\n"
                           "goodbye\n";
  const std::string sid = "CA5151515151515151515151515151515a";
  std::string out;
  int rc = run_sim({"--url", d.base_url(), "--auth-token", token, "--call-sid",
                    sid, "--script", script, "--status-callbacks",
                    "--recording"},
                   out);
  INFO(out);
  REQUIRE(rc == 0);
  CHECK(out.find("call " + sid) == 0);
  CHECK(out.find("  caller:    I need help  [confidence 0.55]\n")
        != std::string::npos);
  CHECK(out.find(
          "  caller:    [silence]\n  assistant: Sorry, I did not catch that.")
        != std::string::npos);
  CHECK(out.find("  caller:    [digits 1234#]") != std::string::npos);
  CHECK(out.find("  caller:    [pause 0.05 s]") != std::string::npos);
  CHECK(out.find("[the assistant hung up]") != std::string::npos);
  CHECK(out.find("  twilio:    status completed") != std::string::npos);
  CHECK(out.find(" ms)\n") != std::string::npos);

  auto where = " WHERE call_sid = '" + sid + "'";
  // Speech became turns; silence and digits did not.
  auto turns = query(opts.db_path, "SELECT role, content, confidence FROM turns"
                                     + where + " ORDER BY seq");
  REQUIRE(turns.size() == 6);
  CHECK(turns[0]["content"] == "hello");
  CHECK(turns[0]["confidence"] == "0.92");
  CHECK(turns[2]["content"] == "I need help");
  CHECK(turns[2]["confidence"] == "0.55");
  CHECK(turns[4]["content"] == "goodbye");
  CHECK(turns[5]["role"] == "assistant");
  // The keys Twilio reports stop at finishOnKey; the event log keeps them.
  CHECK(query_int(opts.db_path, "SELECT count(*) FROM events" + where
                                  + " AND json_extract(payload, '$.Digits')"
                                    " = '1234'")
        == 1);
  CHECK(query_int(opts.db_path, "SELECT count(*) FROM events" + where
                                  + " AND kind = 'process-speech'")
        == 5);
  CHECK(query_int(opts.db_path, "SELECT count(*) FROM recordings" + where
                                  + " AND status = 'completed'")
        == 1);
  CHECK(query_int(opts.db_path, "SELECT count(*) FROM calls" + where
                                  + " AND status = 'completed'"
                                    " AND duration_s IS NOT NULL")
        == 1);
  CHECK(d.stop() == 0);
}

TEST_CASE("sim: outbound call with an asynchronous AMD result", "[sim]") {
  temp_dir dir;
  auto opts = signed_daemon(dir);
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  const std::string sid = "CA6262626262626262626262626262626b";
  std::string out;
  int rc = run_sim({"--url", d.base_url(), "--auth-token", token, "--call-sid",
                    sid, "--outbound", "--amd-result", "human",
                    "--status-callbacks", "hello"},
                   out);
  INFO(out);
  REQUIRE(rc == 0);
  CHECK(out.find("  twilio:    status initiated (#0)") != std::string::npos);
  CHECK(out.find("  twilio:    status ringing (#1)") != std::string::npos);
  CHECK(out.find("  twilio:    AMD result human") != std::string::npos);
  CHECK(out.find("  twilio:    status completed, ") != std::string::npos);
  auto call = query(opts.db_path, "SELECT direction, answered_by, status FROM "
                                  "calls WHERE call_sid = '"
                                    + sid + "'");
  REQUIRE(call.size() == 1);
  CHECK(call[0]["direction"] == "outbound-api");
  CHECK(call[0]["answered_by"] == "human");
  CHECK(call[0]["status"] == "completed");

  // Bad usage is refused before anything is sent.
  out.clear();
  CHECK(run_sim({"--url", d.base_url(), "--amd-result", "human", "hi"}, out)
        == 2);
  CHECK(out.find("--amd-result: ") != std::string::npos);
  CHECK(d.stop() == 0);
}
