// Tests for actors/batch_json: the log's copy of a write SQLite would not
// take holds every row, a reply's tool calls included, as JSON that
// parses back to what was written.
#include "actors/batch_json.hpp"

#include <string>

#include <catch2/catch.hpp>

#include "tests/support/json_doc.hpp"
#include "tests/support/tool_call_rows.hpp"

using namespace sb;

TEST_CASE("a dropped reply's log copy keeps its tool calls", "[batch_json]") {
  write_batch batch;
  turn_row reply;
  reply.call_sid = "CA1";
  reply.seq = 2;
  reply.role = "assistant";
  reply.content = "It shipped.";
  reply.created_at = "2026-01-01T00:00:02.000Z";
  reply.tool_calls = {test::answered_call(1, 1, "lookup_order",
                                          R"({"order_id":"A123"})",
                                          "Order A123 shipped\n\"today\"", 42),
                      test::failed_call(2, 2, "track_parcel", "not json",
                                        "timed out after 3000 ms", 3001)};
  batch.turns.push_back(reply);
  auto user = reply;
  user.seq = 1;
  user.role = "user";
  user.tool_calls.clear();
  batch.turns.push_back(user);
  const auto line = batch_json(batch);
  CHECK(line.find('\n') == std::string::npos);
  auto doc = test::parse_json(line);
  const auto& calls = doc["turns"][0]["tool_calls"];
  REQUIRE(calls.Size() == 2);
  CHECK(test::json_str(calls[0]["arguments"]["order_id"]) == "A123");
  CHECK(test::json_str(calls[0]["result"]) == "Order A123 shipped\n\"today\"");
  CHECK(calls[1]["round"].GetInt64() == 2);
  CHECK(test::json_str(calls[1]["arguments"]) == "not json");
  CHECK(test::json_str(calls[1]["error"]) == "timed out after 3000 ms");
  CHECK(calls[1]["ms"].GetInt64() == 3001);
  CHECK_FALSE(doc["turns"][1].HasMember("tool_calls"));
}
