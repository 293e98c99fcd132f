// The database tools on a real database (written by the real store, read
// through the console's reader thread): get_call against the stored turns,
// list_calls' filters and keyset pages, search_transcripts with and
// without the full-text index, the checks of their arguments, and the
// legacy era's tool results.
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <sqlite3.h>

#include "tests/mcp/mcp_tool_calls.hpp"

using namespace sb::test;

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
  // The reply's tool calls, as every reader shows them.
  const auto& tools = turns[1]["tool_calls"];
  REQUIRE(tools.Size() == 2);
  CHECK(tools[0]["name"] == "lookup_order");
  CHECK(tools[0]["server"] == "orders");
  CHECK(tools[0]["arguments"]["order_id"] == "A123");
  CHECK(tools[0]["result"] == R"({"status":"shipped"})");
  CHECK(tools[0]["error"].IsNull());
  CHECK(tools[0]["ms"] == 12);
  CHECK(tools[1]["arguments"] == "not json");
  CHECK(tools[1]["result"].IsNull());
  CHECK(tools[1]["error"] == "timed out after 3000 ms");
  CHECK(turns[0]["tool_calls"].Empty());
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

TEST_CASE("without a database connection the database tools are tool "
          "errors, not failures of the server",
          "[mcp][tools]") {
  sb::mcp_services services;
  services.read = [](std::function<void(sqlite3*)> job) { job(nullptr); };
  sb::mcp_server server{{false, "test"}, services};
  auto a = ask(server, call_line("list_calls"));
  CHECK(tool_error(a) == "the database cannot be read now");
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
