// The tools that ask the daemon, against a stand-in daemon speaking the
// admin protocol with the daemon's own parser and reply writer: the
// actions exist only with allow_actions, are carried out and logged with
// who asked, the daemon's refusals are tool errors in its words, and every
// bad call (unknown tool, arguments failing the schema, an action while
// actions are off) is a JSON-RPC error naming the field with nothing asked
// of the daemon. get_stats sums up the daemon, the database and /metrics.
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "tests/mcp/mcp_tool_calls.hpp"

using namespace sb::test;

namespace {

// Everything written to stderr (the log) while it lives.
class stderr_capture {
public:
  explicit stderr_capture(const std::string& path) : path_(path) {
    std::fflush(stderr);
    saved_ = dup(STDERR_FILENO);
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, STDERR_FILENO);
    close(fd);
  }
  ~stderr_capture() {
    restore();
  }
  std::string text() {
    restore();
    std::ifstream in{path_};
    std::stringstream all;
    all << in.rdbuf();
    return all.str();
  }

private:
  void restore() {
    if (saved_ < 0)
      return;
    std::fflush(stderr);
    dup2(saved_, STDERR_FILENO);
    close(saved_);
    saved_ = -1;
  }
  std::string path_;
  int saved_ = -1;
};

} // namespace

TEST_CASE("the action tools are listed and callable only with "
          "allow_actions",
          "[mcp][tools]") {
  const std::set<std::string> read_only = {"list_live_calls", "get_call",
                                           "list_calls", "search_transcripts",
                                           "get_stats"};
  const std::set<std::string> actions = {"place_call", "hang_up", "say",
                                         "drain"};
  tools_fixture off;
  auto listed = ask(*off.server, modern("1", "tools/list"));
  CHECK(tool_names(listed) == read_only);
  for (auto& t : listed.result()["tools"].GetArray()) {
    CHECK(t["inputSchema"]["type"] == "object");
    CHECK(t["outputSchema"]["type"] == "object");
    CHECK(t["annotations"]["readOnlyHint"] == true);
  }
  auto refused = off.call("hang_up", R"({"call_sid":")" + call_live + "\"}");
  CHECK(refused.code() == -32602);
  CHECK(refused.message()
        == "name: unknown tool 'hang_up' (actions are off: [mcp] "
           "allow_actions)");
  CHECK(off.daemon.asked_count() == 0);

  tools_fixture on{true};
  auto all = tool_names(ask(*on.server, modern("1", "tools/list")));
  std::set<std::string> both = read_only;
  both.insert(actions.begin(), actions.end());
  CHECK(all == both);
}

TEST_CASE("an unknown tool and arguments that fail the schema are -32602, "
          "and the daemon is asked nothing",
          "[mcp][tools]") {
  tools_fixture f{true};
  auto unknown = f.call("delete_everything");
  CHECK(unknown.code() == -32602);
  CHECK(unknown.message() == "name: unknown tool 'delete_everything'");
  auto no_name = ask(*f.server, modern("1", "tools/call", R"("arguments":{})"));
  CHECK(no_name.code() == -32602);
  CHECK(no_name.message().rfind("name:", 0) == 0);
  auto long_text = std::string(1001, 'a');
  CHECK(f.call("say", R"({"call_sid":")" + call_live + R"(","text":")"
                        + long_text + "\"}")
          .message()
        == "arguments.text: must be a string of 1 to 1000 characters");
  CHECK(f.call("say", R"({"call_sid":")" + call_live + "\"}").message()
        == "arguments.text: required");
  CHECK(f.call("place_call", R"({"to":"12345"})")
          .message()
          .rfind("arguments.to: must match", 0)
        == 0);
  CHECK(f.call("hang_up", R"({"call_sid":"CA00"})").message()
        == "arguments.call_sid: must match ^CA[0-9a-f]{32}$");
  CHECK(f.call("drain", R"({"now":true})").message()
        == "arguments.now: unknown field");
  CHECK(f.daemon.asked_count() == 0);
  CHECK_FALSE(f.daemon.draining);
}

TEST_CASE("an action is carried out through the admin protocol and logged "
          "with who asked",
          "[mcp][tools]") {
  tools_fixture f{true};
  f.daemon.live.push_back(
    {make_call(call_live, "2026-11-03T10:00:00.000Z", "inbound", "in-progress"),
     {}});
  temp_dir logs{"mcp-log"};
  stderr_capture log{logs.file("stderr")};
  const std::string who = "http 127.0.0.1:40412";
  auto hung = f.call("hang_up", R"({"call_sid":")" + call_live + "\"}", who);
  auto said = f.call("say",
                     R"({"call_sid":")" + call_live
                       + R"(","text":"we are \"closing\" soon"})",
                     who);
  auto placed = f.call("place_call", R"({"to":"+919876543210"})", who);
  auto drained = f.call("drain", "{}", who);
  auto text = log.text();
  CHECK(text.find("<5>mcp: hang_up " + call_live + " asked by " + who)
        != std::string::npos);
  CHECK(text.find("<5>mcp: say " + call_live + " asked by " + who)
        != std::string::npos);
  CHECK(text.find("<5>mcp: place_call +919876543210 asked by " + who)
        != std::string::npos);
  CHECK(text.find("<5>mcp: drain asked by " + who) != std::string::npos);

  CHECK(structured(hung, "hang_up")["done"] == true);
  CHECK(structured(said, "say")["call_sid"] == call_live.c_str());
  CHECK(structured(placed, "place_call")["call_sid"] == sid_of(0xd1a1).c_str());
  CHECK(structured(drained, "drain")["draining"] == true);
  REQUIRE(f.daemon.asked.size() == 4);
  CHECK(f.daemon.asked[0].cmd == "hangup");
  CHECK(f.daemon.asked[0].sid == call_live);
  CHECK(f.daemon.asked[1].cmd == "say");
  CHECK(f.daemon.asked[1].text == "we are \"closing\" soon");
  CHECK(f.daemon.asked[2].cmd == "dial");
  CHECK(f.daemon.asked[2].to == "+919876543210");
  CHECK(f.daemon.asked[2].from.empty());
  CHECK(f.daemon.draining);
}

TEST_CASE("the daemon's refusal comes back as a tool error with its words",
          "[mcp][tools]") {
  tools_fixture f{true};
  f.daemon.has_twilio = false;
  CHECK(tool_error(f.call("hang_up", R"({"call_sid":")" + call_a + "\"}"))
        == "no live call " + call_a);
  CHECK(tool_error(f.call("place_call",
                          R"({"to":"+919876543210","from":"+15550000001"})"))
        == "dial: Twilio credentials are not configured");
  CHECK(f.daemon.asked[1].from == "+15550000001");
}

TEST_CASE("list_live_calls answers the daemon's live calls in the tool's "
          "shape",
          "[mcp][tools]") {
  tools_fixture f;
  auto live = make_call(call_live, "2026-11-03T10:00:00.000Z", "inbound",
                        "in-progress");
  live.transport = "media";
  f.daemon.live.push_back(
    {live, {make_turn(call_live, 1, "hi", "2026-11-03T10:00:01.000Z")}});
  auto a = f.call("list_live_calls");
  const auto& calls = structured(a, "list_live_calls")["calls"];
  REQUIRE(calls.Size() == 1);
  CHECK(calls[0]["call_sid"] == call_live.c_str());
  CHECK(calls[0]["from"] == "+15551230001");
  CHECK(calls[0]["to"] == "+15550000001");
  CHECK(calls[0]["status"] == "in-progress");
  CHECK(calls[0]["transport"] == "media");
  CHECK(calls[0]["turns"] == 1);
}

TEST_CASE("with no daemon to ask, the live tools are tool errors and the "
          "database tools still answer",
          "[mcp][tools]") {
  test_database db;
  seed(db);
  sb::mcp_services services = services_of(db.reader(), nullptr);
  services.admin = [](std::string, std::function<void(std::string)> done) {
    done(R"x({"ok":false,"error":"the daemon is not running (nothing )x"
         R"x(listens on /run/x.sock)"})x");
  };
  sb::mcp_server server{{true, "test"}, services};
  auto live = ask(server, call_line("list_live_calls"));
  CHECK(tool_error(live).find("the daemon is not running")
        != std::string::npos);
  auto stats = ask(server, call_line("get_stats"));
  const auto& s = structured(stats, "get_stats");
  CHECK(s["live_calls"].IsNull());
  CHECK(std::string(s["daemon_error"].GetString()).find("not running")
        != std::string::npos);
  CHECK(s["last_24h"]["calls"] == 1);
  auto listed = ask(server, call_line("list_calls"));
  CHECK(structured(listed, "list_calls")["calls"].Size() == 3);
}

TEST_CASE("get_stats sums up the daemon, the last day and /metrics",
          "[mcp][tools]") {
  const std::string metrics =
    "# HELP switchboard_turns_total Turns.\n"
    "# TYPE switchboard_turns_total counter\n"
    "switchboard_turns_total 12\n"
    "switchboard_errors_total{kind=\"llm\"} 2\n"
    "switchboard_errors_total{kind=\"odd}\\\"label\"} 3 1700000000\n"
    "switchboard_storage_healthy 1\n"
    "switchboard_llm_queue_depth nonsense\n";
  tools_fixture f{false, 0, metrics};
  f.daemon.live.push_back(
    {make_call(call_live, "x", "inbound", "in-progress"), {}});
  auto a = f.call("get_stats");
  const auto& s = structured(a, "get_stats");
  CHECK(s["live_calls"] == 1);
  CHECK(s["calls_total"] == 7);
  CHECK(s["calls_rejected"] == 1);
  CHECK(s["draining"] == false);
  CHECK(s["daemon_error"].IsNull());
  const auto& day = s["last_24h"];
  CHECK(day["calls"] == 1); // only the call started an hour ago
  CHECK(day["answered"] == 1);
  CHECK(day["latency_p50_ms"] == 302);
  CHECK(s["database_error"].IsNull());
  CHECK(s["metrics"]["turns_total"] == 12.0);
  CHECK(s["metrics"]["errors_total"] == 5.0);
  CHECK(s["metrics"]["storage_healthy"] == 1.0);
  CHECK(s["metrics"]["llm_queue_depth"].IsNull());
  CHECK(s["metrics"]["http_rejected_total"].IsNull());

  tools_fixture none;
  CHECK(structured(none.call("get_stats"), "get_stats")["metrics"].IsNull());
}
