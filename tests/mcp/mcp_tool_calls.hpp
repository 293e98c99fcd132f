// The tool suites' common ground, on top of mcp_fixture.hpp: a database
// seeded with three calls worth telling apart (a finished inbound call
// with four turns, one reply interrupted and made with two tool calls, one
// of them failed; a busy outbound relay call; a live call an hour old) and any
// number of plain older ones, a server over it and a stand-in daemon, and the
// checks every successful tool answer must pass (structuredContent valid
// against the tool's output schema and equal to its text block).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include "core/clock.hpp"
#include "mcp/mcp_schema.hpp"
#include "mcp/mcp_tools.hpp"
#include "tests/mcp/mcp_fixture.hpp"
#include "tests/support/tool_call_rows.hpp"

namespace sb::test {

inline const std::string call_a = sid_of(1);
inline const std::string call_b = sid_of(2);
inline const std::string call_live = sid_of(3);

// Three calls worth telling apart, then `older` plain ones before them.
inline void seed(test_database& t, int older = 0) {
  write_batch b;
  b.calls.push_back(make_call(call_a, "2026-11-01T10:00:00.000Z"));
  auto out = make_call(call_b, "2026-11-02T09:00:00.000Z", "outbound-api",
                       "busy");
  out.to_number = "+447700900123";
  out.transport = "relay";
  b.calls.push_back(out);
  auto recent = iso8601_utc(std::chrono::system_clock::now()
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
  b.turns[1].tool_calls = {answered_call(1, 1, "lookup_order",
                                         R"({"order_id":"A123"})",
                                         R"({"status":"shipped"})", 12),
                           failed_call(2, 1, "track_parcel", "not json",
                                       "timed out after 3000 ms", 3000)};
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
  std::unique_ptr<mcp_server> server;

  explicit tools_fixture(bool allow_actions = false, int older = 0,
                         std::string metrics = {}) {
    seed(db, older);
    server = std::make_unique<mcp_server>(
      mcp_server_options{allow_actions, "test"},
      services_of(db.reader(), &daemon, std::move(metrics)));
  }

  answered call(const std::string& tool, const std::string& args = "{}",
                const std::string& who = "test") {
    return ask(*server, call_line(tool, args), nullptr, who);
  }
};

inline const mcp_server_tool& tool_named(const std::string& name) {
  const auto& table = mcp_tool_table();
  auto it = std::find_if(table.begin(), table.end(),
                         [&](const mcp_server_tool& t) {
                           return t.name == name;
                         });
  REQUIRE(it != table.end());
  return *it;
}

// The structuredContent of a successful call, after checking it against
// the tool's output schema and against its text block.
inline const rapidjson::Value& structured(const answered& a,
                                          const std::string& tool) {
  INFO(a.body);
  REQUIRE_FALSE(a.is_error());
  const auto& r = a.result();
  REQUIRE_FALSE(r.HasMember("isError"));
  REQUIRE(r.HasMember("structuredContent"));
  const auto& s = r["structuredContent"];
  auto out = json_schema::parse(tool_named(tool).output_schema);
  REQUIRE(out);
  CHECK(out->check(s, "structuredContent") == "");
  rapidjson::Document text;
  text.Parse(r["content"][0]["text"].GetString());
  CHECK(r["content"][0]["type"] == "text");
  CHECK(text == s);
  return s;
}

// A tool execution error's text.
inline std::string tool_error(const answered& a) {
  INFO(a.body);
  REQUIRE_FALSE(a.is_error());
  REQUIRE(a.result().HasMember("isError"));
  CHECK(a.result()["isError"] == true);
  return a.result()["content"][0]["text"].GetString();
}

inline std::vector<std::string> sids_in(const rapidjson::Value& calls) {
  std::vector<std::string> sids;
  for (auto& c : calls.GetArray())
    sids.push_back(c["call_sid"].GetString());
  return sids;
}

inline std::set<std::string> tool_names(const answered& list) {
  std::set<std::string> names;
  for (auto& t : list.result()["tools"].GetArray())
    names.insert(t["name"].GetString());
  return names;
}

} // namespace sb::test
