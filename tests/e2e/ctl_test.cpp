// End-to-end: switchboardctl, the operator's client, against the real
// daemon's admin socket and database.
#include <catch2/catch.hpp>

#include "cli/sim/sim_call.hpp"
#include "net/client/http_client.hpp"
#include "support/daemon_process.hpp"

using namespace sb;
using namespace sb::test;

TEST_CASE("switchboardctl shows live calls, stats and history") {
  temp_dir dir;
  daemon_options opts;
  opts.db_path = dir.file("ctl.db");
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  auto sock = opts.db_path + ".sock";
  http_client cl;
  sim_call_options call;
  call.base_url = d.base_url();
  call.call_sid = "CA0123456789abcdef0123456789abcdef";
  call.send_completed = false;
  REQUIRE(play_call(cl, call, {"hello", "मुझे मदद चाहिए"}).error.empty());

  std::string out;
  CHECK(run_ctl_command({"--socket", sock, "calls"}, out) == 0);
  CHECK(out.find(call.call_sid) != std::string::npos);
  out.clear();
  CHECK(run_ctl_command({"--socket", sock, "call", call.call_sid}, out) == 0);
  CHECK(out.find("मुझे मदद चाहिए") != std::string::npos);
  out.clear();
  CHECK(run_ctl_command({"--socket", sock, "--json", "stats"}, out) == 0);
  CHECK(out.find("\"live_calls\":1") != std::string::npos);
  out.clear();
  CHECK(run_ctl_command({"--socket", sock, "call", "CA404"}, out) == 1);
  CHECK(out.find("no live call") != std::string::npos);
  out.clear();
  CHECK(run_ctl_command({"--db", opts.db_path, "history"}, out) == 0);
  CHECK(out.find(call.call_sid) != std::string::npos);
  out.clear();
  CHECK(
    run_ctl_command({"--db", opts.db_path, "transcript", call.call_sid}, out)
    == 0);
  CHECK(out.find("hello") != std::string::npos);
  REQUIRE(d.stop() == 0);
  out.clear();
  CHECK(run_ctl_command({"--socket", sock, "stats"}, out) == 3);
  CHECK(out.find("no daemon listening") != std::string::npos);
  out.clear();
  CHECK(run_ctl_command({"--help"}, out) == 0);
}
