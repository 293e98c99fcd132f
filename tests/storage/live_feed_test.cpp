// Tests for storage/live_feed: the events' JSON (parsed back with
// RapidJSON), the bounded ring, a reconnecting subscriber's replay after
// its Last-Event-ID or its reset when events are gone, unsubscribing by
// answering false, and the order and completeness of what subscribers get
// while several threads publish at once.
#include "storage/live_feed.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include "tests/support/json_doc.hpp"
#include "tests/support/tool_call_rows.hpp"

namespace {

using sb::call_row;
using sb::live_event;
using sb::live_feed;
using sb::turn_row;
using sb::test::parse_json;

turn_row turn(const std::string& sid, int64_t seq,
              const std::string& content = "hello") {
  turn_row t;
  t.call_sid = sid;
  t.seq = seq;
  t.role = "user";
  t.content = content;
  t.created_at = "2026-01-01T00:00:01.000Z";
  return t;
}

// Every event a subscriber got, kept in a vector it owns.
struct recorder {
  std::vector<live_event> events;

  live_feed::subscriber fn() {
    return [this](const live_event& e) {
      events.push_back(e);
      return true;
    };
  }

  std::vector<uint64_t> ids() const {
    std::vector<uint64_t> out;
    for (const auto& e : events)
      out.push_back(e.id);
    return out;
  }
};

} // namespace

TEST_CASE("a call event carries only the columns its row knows",
          "[live_feed]") {
  live_feed feed;
  recorder got;
  feed.subscribe(std::nullopt, got.fn());
  call_row row;
  row.call_sid = "CA1";
  row.status = "in-progress";
  row.duration_s = 42;
  feed.publish_call(row);
  REQUIRE(got.events.size() == 1);
  CHECK(got.events[0].id == 1);
  CHECK(got.events[0].type == "call");
  auto doc = parse_json(got.events[0].data);
  CHECK(std::string(doc["call_sid"].GetString()) == "CA1");
  CHECK(std::string(doc["status"].GetString()) == "in-progress");
  CHECK(doc["duration_s"].GetInt64() == 42);
  CHECK_FALSE(doc.HasMember("from_number"));
  CHECK_FALSE(doc.HasMember("ended_at"));
}

TEST_CASE("a turn event is one line of JSON holding the words verbatim",
          "[live_feed]") {
  live_feed feed;
  recorder got;
  feed.subscribe(std::nullopt, got.fn());
  const std::string words = "line one\nline \"two\" <img src=x>\x01";
  auto t = turn("CA1", 3, words);
  t.role = "assistant";
  t.latency_ms = 640;
  t.interrupted = true;
  feed.publish_turn(t);
  feed.publish_turn(turn("CA1", 4));
  REQUIRE(got.events.size() == 2);
  const auto& data = got.events[0].data;
  CHECK(data.find('\n') == std::string::npos);
  auto doc = parse_json(data);
  CHECK(got.events[0].type == "turn");
  CHECK(doc["seq"].GetInt64() == 3);
  CHECK(std::string(doc["role"].GetString()) == "assistant");
  CHECK(std::string(doc["content"].GetString()) == words);
  CHECK(doc["latency_ms"].GetInt64() == 640);
  CHECK(doc["interrupted"].GetBool());
  auto user = parse_json(got.events[1].data);
  CHECK_FALSE(user.HasMember("latency_ms"));
  CHECK_FALSE(user["interrupted"].GetBool());
}

TEST_CASE("a reply's turn event names its tool calls and how they ended, "
          "without their texts",
          "[live_feed]") {
  live_feed feed;
  recorder got;
  feed.subscribe(std::nullopt, got.fn());
  auto t = turn("CA1", 2, "It shipped");
  t.role = "assistant";
  t.tool_calls = {
    sb::test::answered_call(1, 1, "lookup_order", R"({"order_id":"A123"})",
                            "a long answer the page need not carry", 42),
    sb::test::failed_call(2, 1, "track\"<parcel>", "{}",
                          "timed out after 3000 ms\n", 3001)};
  feed.publish_turn(t);
  feed.publish_turn(turn("CA1", 3));
  REQUIRE(got.events.size() == 2);
  CHECK(got.events[0].data.find('\n') == std::string::npos);
  auto doc = parse_json(got.events[0].data);
  REQUIRE(doc["tool_calls"].IsArray());
  const auto& calls = doc["tool_calls"].GetArray();
  REQUIRE(calls.Size() == 2);
  CHECK(std::string(calls[0]["name"].GetString()) == "lookup_order");
  CHECK(std::string(calls[0]["server"].GetString()) == "orders");
  CHECK(calls[0]["round"].GetInt64() == 1);
  CHECK(calls[0]["error"].IsNull());
  CHECK(calls[0]["ms"].GetInt64() == 42);
  CHECK_FALSE(calls[0].HasMember("arguments"));
  CHECK_FALSE(calls[0].HasMember("result"));
  CHECK(calls[1]["idx"].GetInt64() == 2);
  CHECK(std::string(calls[1]["name"].GetString()) == "track\"<parcel>");
  CHECK(std::string(calls[1]["error"].GetString())
        == "timed out after 3000 ms\n");
  CHECK(calls[1]["ms"].GetInt64() == 3001);
  // A turn that called none says nothing of tools.
  CHECK_FALSE(parse_json(got.events[1].data).HasMember("tool_calls"));
}

TEST_CASE("the ring keeps the newest events up to its capacity",
          "[live_feed]") {
  live_feed feed{3};
  for (int64_t seq = 1; seq <= 5; ++seq)
    feed.publish_turn(turn("CA1", seq));
  CHECK(feed.last_id() == 5);
  // Events 3..5 are held: a client that saw 2 misses nothing.
  recorder from_two;
  feed.subscribe(uint64_t{2}, from_two.fn());
  CHECK(from_two.ids() == std::vector<uint64_t>{3, 4, 5});
  // One that saw only 1 missed event 2, which is gone: it must reload.
  recorder from_one;
  feed.subscribe(uint64_t{1}, from_one.fn());
  REQUIRE(from_one.events.size() == 1);
  CHECK(from_one.events[0].type == "reset");
  CHECK(from_one.events[0].id == 5);
  CHECK(from_one.events[0].data == "{}");
  // Both get what comes next, once.
  feed.publish_turn(turn("CA1", 6));
  CHECK(from_two.ids() == std::vector<uint64_t>{3, 4, 5, 6});
  CHECK(from_one.ids() == std::vector<uint64_t>{5, 6});
}

TEST_CASE("a subscriber replays after its id, then gets the live events",
          "[live_feed]") {
  live_feed feed;
  for (int64_t seq = 1; seq <= 3; ++seq)
    feed.publish_turn(turn("CA1", seq));
  recorder caught_up;
  feed.subscribe(uint64_t{3}, caught_up.fn());
  recorder from_start;
  feed.subscribe(uint64_t{0}, from_start.fn());
  recorder fresh;
  feed.subscribe(std::nullopt, fresh.fn());
  CHECK(caught_up.events.empty());
  CHECK(from_start.ids() == std::vector<uint64_t>{1, 2, 3});
  CHECK(fresh.events.empty());
  feed.publish_turn(turn("CA1", 4));
  CHECK(caught_up.ids() == std::vector<uint64_t>{4});
  CHECK(from_start.ids() == std::vector<uint64_t>{1, 2, 3, 4});
  CHECK(fresh.ids() == std::vector<uint64_t>{4});
  auto doc = parse_json(fresh.events[0].data);
  CHECK(doc["seq"].GetInt64() == 4);
}

TEST_CASE("an id from an earlier run of the daemon gets a reset",
          "[live_feed]") {
  live_feed feed;
  feed.publish_turn(turn("CA1", 1));
  recorder got;
  feed.subscribe(uint64_t{900}, got.fn());
  REQUIRE(got.events.size() == 1);
  CHECK(got.events[0].type == "reset");
  CHECK(got.events[0].id == 1);
}

TEST_CASE("a subscriber answering false is dropped", "[live_feed]") {
  live_feed feed;
  int calls = 0;
  feed.subscribe(std::nullopt, [&calls](const live_event&) {
    ++calls;
    return false;
  });
  recorder stays;
  feed.subscribe(std::nullopt, stays.fn());
  CHECK(feed.subscribers() == 2);
  feed.publish_turn(turn("CA1", 1));
  feed.publish_turn(turn("CA1", 2));
  CHECK(calls == 1);
  CHECK(feed.subscribers() == 1);
  CHECK(stays.ids() == std::vector<uint64_t>{1, 2});
  // One whose stream closed during its replay is never registered.
  feed.subscribe(uint64_t{0}, [](const live_event&) { return false; });
  CHECK(feed.subscribers() == 1);
}

TEST_CASE("with concurrent publishers every subscriber sees each event "
          "once, in id order, each publisher's in its own order",
          "[live_feed]") {
  constexpr int publishers = 4;
  constexpr int64_t per_publisher = 500;
  live_feed feed{publishers * per_publisher};
  recorder early;
  feed.subscribe(std::nullopt, early.fn());
  std::vector<std::thread> threads;
  for (int p = 0; p < publishers; ++p)
    threads.emplace_back([&feed, p] {
      auto sid = "CA" + std::to_string(p);
      for (int64_t seq = 1; seq <= per_publisher; ++seq)
        feed.publish_turn(turn(sid, seq));
    });
  // A stream that reconnects mid-burst with the id it last saw: the
  // replay and the live events meet with nothing lost or repeated.
  recorder late;
  auto seen = feed.last_id();
  feed.subscribe(seen, late.fn());
  for (auto& t : threads)
    t.join();
  const uint64_t total = publishers * per_publisher;
  REQUIRE(early.events.size() == total);
  for (uint64_t i = 0; i < total; ++i)
    REQUIRE(early.events[i].id == i + 1);
  REQUIRE(late.events.size() == total - seen);
  for (uint64_t i = 0; i < late.events.size(); ++i)
    REQUIRE(late.events[i].id == seen + 1 + i);
  std::vector<int64_t> last_seq(publishers, 0);
  for (const auto& e : early.events) {
    auto doc = parse_json(e.data);
    auto p = std::stoi(std::string(doc["call_sid"].GetString()).substr(2));
    auto seq = doc["seq"].GetInt64();
    REQUIRE(seq == last_seq[p] + 1);
    last_seq[p] = seq;
  }
}
