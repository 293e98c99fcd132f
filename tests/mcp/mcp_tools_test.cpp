// The tools on a real database (written by the real store, read through
// the console's reader thread) and a stand-in daemon speaking the admin
// protocol with the daemon's own parser and reply writer: what each tool
// answers, that its structuredContent matches its output schema and is the
// same JSON as its text block, and that every bad call (unknown tool,
// arguments failing the schema, unknown CallSid, an action while actions
// are off) is a JSON-RPC error naming the field, with nothing asked of the
// daemon.
#include "mcp/mcp_tools.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <sqlite3.h>

#include "core/clock.hpp"
#include "mcp/mcp_schema.hpp"
#include "tests/mcp/mcp_fixture.hpp"

using namespace sb::test;

namespace {

const std::string call_a = sid_of(1);
const std::string call_b = sid_of(2);
const std::string call_live = sid_of(3);

// Three calls worth telling apart, then `older` plain ones before them.
void seed(test_database& t, int older = 0) {
  sb::write_batch b;
  b.calls.push_back(make_call(call_a, "2026-11-01T10:00:00.000Z"));
  auto out = make_call(call_b, "2026-11-02T09:00:00.000Z", "outbound-api",
                       "busy");
  out.to_number = "+447700900123";
  out.transport = "relay";
  b.calls.push_back(out);
  auto recent = sb::iso8601_utc(std::chrono::system_clock::now()
                                - std::chrono::hours(1));
  b.calls.push_back(make_call(call_live, recent, "inbound", "in-progress"));
  b.turns = {
    make_turn(call_a, 1, "hello, where is my order",
              "2026-11-01T10:00:01.000Z"),
    make_turn(call_a, 2, "your order ships on Tuesday",
              "2026-11-01T10:00:02.500Z"),
    make_turn(call_a, 3, "great, 100% sure_thing thanks",
              "2026-11-01T10:00:05.000Z"),
    make_turn(call_a, 4, "goodbye", "2026-11-01T10:00:06.000Z"),
    make_turn(call_live, 1, "is anyone there", recent),
    make_turn(call_live, 2, "yes, I am here", recent),
  };
  b.turns[1].interrupted = true;
  b.turns[1].tts_first_audio_ms = 80;
  b.turns[1].turn_gap_ms = 640;
  for (int i = 0; i < older; ++i) {
    char started[32];
    std::snprintf(started, sizeof started, "2026-10-%02dT08:00:00.000Z",
                  1 + i % 28);
    b.calls.push_back(make_call(sid_of(100 + i), started));
  }
  t.write(b);
}

struct tools_fixture {
  test_database db;
  fake_daemon daemon;
  std::unique_ptr<sb::mcp_server> server;

  explicit tools_fixture(bool allow_actions = false, int older = 0,
                         std::string metrics = {}) {
    seed(db, older);
    server = std::make_unique<sb::mcp_server>(
      sb::mcp_server_options{allow_actions, "test"},
      services_of(db.reader(), &daemon, std::move(metrics)));
  }

  answered call(const std::string& tool, const std::string& args = "{}",
                const std::string& who = "test") {
    return ask(*server, call_line(tool, args), nullptr, who);
  }
};

const sb::mcp_tool& tool_named(const std::string& name) {
  const auto& table = sb::mcp_tool_table();
  auto it = std::find_if(table.begin(), table.end(),
                         [&](const sb::mcp_tool& t) { return t.name == name; });
  REQUIRE(it != table.end());
  return *it;
}

// The structuredContent of a successful call, after checking it against
// the tool's output schema and against its text block.
const rapidjson::Value& structured(const answered& a, const std::string& tool) {
  INFO(a.body);
  REQUIRE_FALSE(a.is_error());
  const auto& r = a.result();
  REQUIRE_FALSE(r.HasMember("isError"));
  REQUIRE(r.HasMember("structuredContent"));
  const auto& s = r["structuredContent"];
  auto out = sb::json_schema::parse(tool_named(tool).output_schema);
  REQUIRE(out);
  CHECK(out->check(s, "structuredContent") == "");
  rapidjson::Document text;
  text.Parse(r["content"][0]["text"].GetString());
  CHECK(r["content"][0]["type"] == "text");
  CHECK(text == s);
  return s;
}

// A tool execution error's text.
std::string tool_error(const answered& a) {
  INFO(a.body);
  REQUIRE_FALSE(a.is_error());
  REQUIRE(a.result().HasMember("isError"));
  CHECK(a.result()["isError"] == true);
  return a.result()["content"][0]["text"].GetString();
}

std::vector<std::string> sids_in(const rapidjson::Value& calls) {
  std::vector<std::string> sids;
  for (auto& c : calls.GetArray())
    sids.push_back(c["call_sid"].GetString());
  return sids;
}

std::set<std::string> tool_names(const answered& list) {
  std::set<std::string> names;
  for (auto& t : list.result()["tools"].GetArray())
    names.insert(t["name"].GetString());
  return names;
}

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

TEST_CASE("get_call answers the call's facts and exactly its stored turns",
          "[mcp][tools]") {
  tools_fixture f;
  auto a = f.call("get_call", R"({"call_sid":")" + call_a + "\"}");
  const auto& s = structured(a, "get_call");
  CHECK(s["call_sid"] == call_a.c_str());
  CHECK(s["direction"] == "inbound");
  CHECK(s["from"] == "+15551230001");
  CHECK(s["to"] == "+15550000001");
  CHECK(s["status"] == "completed");
  CHECK(s["duration_s"] == 42);
  CHECK(s["transport"] == "gather");
  CHECK(s["language"] == "en-US");
  CHECK(s["end_reason"] == "caller hung up");
  auto stored = f.db.db->load_call(call_a);
  REQUIRE(stored);
  REQUIRE(*stored);
  const auto& turns = s["turns"];
  REQUIRE(turns.Size() == (*stored)->turns.size());
  for (rapidjson::SizeType i = 0; i < turns.Size(); ++i) {
    const auto& want = (*stored)->turns[i];
    INFO("turn " << i);
    CHECK(turns[i]["seq"] == want.seq);
    CHECK(turns[i]["role"] == want.role.c_str());
    CHECK(turns[i]["content"] == want.content.c_str());
    CHECK(turns[i]["created_at"] == want.created_at.c_str());
    CHECK(turns[i]["interrupted"] == want.interrupted);
    CHECK(turns[i]["tool_calls"].IsArray());
    if (want.latency_ms)
      CHECK(turns[i]["latency_ms"] == *want.latency_ms);
    else
      CHECK(turns[i]["latency_ms"].IsNull());
  }
  CHECK(turns[1]["tts_first_audio_ms"] == 80);
  CHECK(turns[1]["turn_gap_ms"] == 640);
  CHECK(turns[1]["llm_ms"] == 250);
  CHECK(turns[0]["queue_ms"].IsNull());
}

TEST_CASE("get_call of an unknown or malformed CallSid is -32602 naming "
          "call_sid",
          "[mcp][tools]") {
  tools_fixture f;
  auto unknown = sid_of(0xbad);
  auto a = f.call("get_call", R"({"call_sid":")" + unknown + "\"}");
  CHECK(a.code() == -32602);
  CHECK(a.message() == "arguments.call_sid: no call " + unknown + " is stored");
  CHECK(a.status == 200);
  auto bad = f.call("get_call", R"({"call_sid":"CA1; DROP TABLE calls"})");
  CHECK(bad.code() == -32602);
  CHECK(bad.message() == "arguments.call_sid: must match ^CA[0-9a-f]{32}$");
  auto missing = f.call("get_call");
  CHECK(missing.message() == "arguments.call_sid: required");
}

TEST_CASE("list_calls filters by direction, status, number, transport and "
          "time, newest first",
          "[mcp][tools]") {
  tools_fixture f;
  auto sids = [&f](const std::string& args) {
    auto a = f.call("list_calls", args);
    return sids_in(structured(a, "list_calls")["calls"]);
  };
  using sids_t = std::vector<std::string>;
  CHECK(sids("{}") == sids_t{call_live, call_b, call_a});
  CHECK(sids(R"({"direction":"outbound"})") == sids_t{call_b});
  CHECK(sids(R"({"direction":"inbound"})") == sids_t{call_live, call_a});
  CHECK(sids(R"({"status":"busy"})") == sids_t{call_b});
  CHECK(sids(R"({"status":"live"})") == sids_t{call_live});
  CHECK(sids(R"({"number":"7700900"})") == sids_t{call_b});
  CHECK(sids(R"({"transport":"relay"})") == sids_t{call_b});
  CHECK(sids(R"({"since":"2026-11-01","until":"2026-11-02"})")
        == sids_t{call_a});
  CHECK(sids(R"({"since":"2026-11-02T09:00:00Z","until":"2026-11-03"})")
        == sids_t{call_b});

  auto row = f.call("list_calls", R"({"status":"completed"})");
  const auto& a = structured(row, "list_calls")["calls"][0];
  CHECK(a["turns"] == 4);
  CHECK(a["latency_max_ms"] == 304);
  CHECK(a["interruptions"] == 1);
  CHECK(structured(row, "list_calls")["next_cursor"].IsNull());
}

TEST_CASE("list_calls pages with its cursor through every call once",
          "[mcp][tools]") {
  tools_fixture f{false, 45};
  std::vector<std::string> seen;
  std::string args = R"({"limit":20})";
  for (int page = 0; page < 10; ++page) {
    auto a = f.call("list_calls", args);
    const auto& s = structured(a, "list_calls");
    for (auto& sid : sids_in(s["calls"]))
      seen.push_back(sid);
    if (s["next_cursor"].IsNull())
      break;
    args = R"({"limit":20,"cursor":")"
           + std::string(s["next_cursor"].GetString()) + "\"}";
  }
  CHECK(seen.size() == 48);
  CHECK(std::set<std::string>(seen.begin(), seen.end()).size() == 48);
  auto bad = f.call("list_calls", R"({"cursor":"zz"})");
  CHECK(bad.code() == -32602);
  CHECK(bad.message().rfind("arguments.cursor:", 0) == 0);
}

TEST_CASE("list_calls' arguments are checked against its schema",
          "[mcp][tools]") {
  tools_fixture f;
  CHECK(f.call("list_calls", R"({"limit":0})").message()
        == "arguments.limit: must be an integer from 1 to 200");
  CHECK(f.call("list_calls", R"({"limit":201})").message()
        == "arguments.limit: must be an integer from 1 to 200");
  CHECK(f.call("list_calls", R"({"direction":"up"})").message()
        == "arguments.direction: must be one of inbound, outbound");
  CHECK(f.call("list_calls", R"({"since":"yesterday"})")
          .message()
          .rfind("arguments.since: must match", 0)
        == 0);
  CHECK(f.call("list_calls", R"({"colour":"red"})").message()
        == "arguments.colour: unknown field");
  CHECK(f.call("list_calls", "[]").message() == "arguments: must be an object");
}

TEST_CASE("search_transcripts answers from the full-text index, and by a "
          "plain match where the file has none",
          "[mcp][tools]") {
  tools_fixture f;
  auto fts = f.call("search_transcripts", R"({"query":"ships"})");
  const auto& s = structured(fts, "search_transcripts");
  CHECK(s["method"] == "fts");
  REQUIRE(s["hits"].Size() == 1);
  CHECK(s["hits"][0]["call_sid"] == call_a.c_str());
  CHECK(s["hits"][0]["seq"] == 2);
  CHECK(s["hits"][0]["role"] == "assistant");
  CHECK(std::string(s["hits"][0]["text"].GetString()).find("ships")
        != std::string::npos);
  auto filtered = f.call("search_transcripts",
                         R"({"query":"order","direction":"outbound"})");
  CHECK(structured(filtered, "search_transcripts")["hits"].Empty());

  // The index dropped, as a file without FTS5 would be.
  {
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(f.db.path.c_str(), &raw) == SQLITE_OK);
    for (auto sql :
         {"DROP TRIGGER turns_fts_insert", "DROP TRIGGER turns_fts_delete",
          "DROP TRIGGER turns_fts_update", "DROP TABLE turns_fts"})
      CHECK(sqlite3_exec(raw, sql, nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(raw);
  }
  auto plain = f.call("search_transcripts", R"({"query":"SHIPS on"})");
  const auto& p = structured(plain, "search_transcripts");
  CHECK(p["method"] == "match");
  REQUIRE(p["hits"].Size() == 1);
  CHECK(p["hits"][0]["text"] == "your order ships on Tuesday");
  // % and _ are the caller's characters, not LIKE's wildcards.
  auto percent = f.call("search_transcripts", R"({"query":"100%"})");
  CHECK(structured(percent, "search_transcripts")["hits"].Size() == 1);
  auto wildcard = f.call("search_transcripts", R"({"query":"1_0"})");
  CHECK(structured(wildcard, "search_transcripts")["hits"].Empty());
  auto underscore = f.call("search_transcripts", R"({"query":"sure_thing"})");
  CHECK(structured(underscore, "search_transcripts")["hits"].Size() == 1);
}

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

TEST_CASE("without a database connection the database tools are tool "
          "errors, not failures of the server",
          "[mcp][tools]") {
  sb::mcp_services services;
  services.read = [](std::function<void(sqlite3*)> job) { job(nullptr); };
  sb::mcp_server server{{false, "test"}, services};
  auto a = ask(server, call_line("list_calls"));
  CHECK(tool_error(a) == "the database cannot be read now");
}

TEST_CASE("calls' transcripts are resources: listed newest first, one "
          "template, read as text",
          "[mcp][resources]") {
  tools_fixture f{false, 60};
  auto list = ask(*f.server, modern("1", "resources/list"));
  REQUIRE_FALSE(list.is_error());
  const auto& resources = list.result()["resources"];
  REQUIRE(resources.Size() == 50);
  CHECK(resources[0]["uri"] == ("switchboard://calls/" + call_live).c_str());
  CHECK(resources[0]["mimeType"] == "text/plain");
  CHECK(resources[0]["name"] == call_live.c_str());
  CHECK(list.result()["cacheScope"] == "private");
  REQUIRE(list.result().HasMember("nextCursor"));
  auto next = ask(
    *f.server,
    modern("2", "resources/list",
           R"("cursor":")"
             + std::string(list.result()["nextCursor"].GetString()) + "\""));
  CHECK(next.result()["resources"].Size() == 13);
  CHECK_FALSE(next.result().HasMember("nextCursor"));

  auto templates = ask(*f.server, modern("3", "resources/templates/list"));
  CHECK(templates.result()["resourceTemplates"][0]["uriTemplate"]
        == "switchboard://calls/{call_sid}");

  auto uri = "switchboard://calls/" + call_a;
  auto read = ask(*f.server,
                  modern("4", "resources/read", R"("uri":")" + uri + "\""));
  REQUIRE_FALSE(read.is_error());
  const auto& content = read.result()["contents"][0];
  CHECK(content["uri"] == uri.c_str());
  CHECK(content["mimeType"] == "text/plain");
  std::string text = content["text"].GetString();
  CHECK(text.find("10:00:01 caller: hello, where is my order\n")
        != std::string::npos);
  CHECK(text.find("10:00:02 assistant: your order ships on Tuesday "
                  "[interrupted]\n")
        != std::string::npos);
  CHECK(text.find("10:00:06 assistant: goodbye\n") != std::string::npos);
}

TEST_CASE("reading an unknown call or a malformed URI is -32602 naming uri",
          "[mcp][resources]") {
  tools_fixture f;
  auto read = [&f](const std::string& uri) {
    return ask(*f.server,
               modern("1", "resources/read", R"("uri":")" + uri + "\""));
  };
  auto unknown = read("switchboard://calls/" + sid_of(0xbad));
  CHECK(unknown.code() == -32602);
  CHECK(unknown.message() == "uri: no call " + sid_of(0xbad) + " is stored");
  for (auto bad : {std::string("file:///etc/passwd"),
                   "switchboard://calls/" + call_a + "/../x",
                   std::string("switchboard://calls/")}) {
    auto a = read(bad);
    CHECK(a.code() == -32602);
    CHECK(a.message().rfind("uri:", 0) == 0);
  }
  auto bad_cursor = ask(*f.server,
                        modern("1", "resources/list", R"("cursor":"nothex")"));
  CHECK(bad_cursor.code() == -32602);
}

TEST_CASE("legacy-era tool calls answer the same result without resultType",
          "[mcp][tools]") {
  tools_fixture f;
  sb::mcp_legacy_session session;
  ask(*f.server,
      R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":)"
      R"({"protocolVersion":"2025-11-25","capabilities":{}}})",
      &session);
  auto a = ask(*f.server,
               R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":)"
               R"({"name":"get_call","arguments":{"call_sid":")"
                 + call_a + "\"}}}",
               &session);
  const auto& s = structured(a, "get_call");
  CHECK(s["turns"].Size() == 4);
  CHECK_FALSE(a.result().HasMember("resultType"));
}
