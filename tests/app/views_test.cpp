// Tests for app/views: the JSON bodies, parsed back with RapidJSON and
// checked against the prototype's shapes (GET /, GET /sessions,
// GET /session/{sid}, the status-callback acknowledgement), plus string
// escaping of quotes, backslashes, control characters and Hindi.
#include "app/views.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include "tests/support/json_doc.hpp"
#include "tests/support/tool_call_rows.hpp"

namespace {

using sb::test::keys_of;

rapidjson::Document parse(const std::string& json) {
  return sb::test::parse_json(json);
}

std::string str(const rapidjson::Value& v) {
  return sb::test::json_str(v);
}

const rapidjson::Value& member(const rapidjson::Value& obj, const char* key) {
  INFO("key " << key);
  REQUIRE(obj.IsObject());
  auto it = obj.FindMember(key);
  REQUIRE(it != obj.MemberEnd());
  return it->value;
}

sb::turn_row make_turn(const std::string& sid, int64_t seq, std::string role,
                       std::string content, std::string at) {
  sb::turn_row t;
  t.call_sid = sid;
  t.seq = seq;
  t.role = std::move(role);
  t.content = std::move(content);
  t.created_at = std::move(at);
  return t;
}

sb::stored_call make_call(const std::string& sid) {
  sb::stored_call c;
  c.call.call_sid = sid;
  c.call.account_sid = "AC00000000000000000000000000000000";
  c.call.direction = "inbound";
  c.call.from_number = "+14155550100";
  c.call.to_number = "+14155550199";
  c.call.status = "in-progress";
  c.call.language = "hi-IN";
  c.call.voice = "Polly.Aditi";
  c.call.started_at = "2024-05-01T10:00:00Z";
  c.call.answered_at = "2024-05-01T10:00:02Z";
  auto user = make_turn(sid, 1, "user", "hello", "2024-05-01T10:00:05Z");
  user.confidence = 0.92;
  auto bot = make_turn(sid, 2, "assistant", "Hello! Namaste!",
                       "2024-05-01T10:00:06Z");
  bot.latency_ms = 420;
  bot.model = "scripted";
  c.turns = {user, bot};
  return c;
}

// The prototype's keys of one session; ours may add more, never fewer.
const std::set<std::string> prototype_session_keys{
  "call_sid",  "from_number", "to_number",           "status",
  "direction", "start_time",  "conversation_history"};

void check_prototype_keys(const rapidjson::Value& session) {
  REQUIRE(session.IsObject());
  auto keys = keys_of(session);
  for (const auto& k : prototype_session_keys) {
    CAPTURE(k);
    CHECK(keys.count(k) == 1);
  }
}

} // namespace

TEST_CASE("health_json", "[views]") {
  sb::ingress_stats stats;
  stats.live_calls = 3;
  stats.calls_total = 17;
  stats.calls_rejected = 2;
  auto doc = parse(sb::health_json(stats));
  REQUIRE(doc.IsObject());
  CHECK(str(member(doc, "message")) == "Twilio Voice AI Assistant is running");
  CHECK(str(member(doc, "status")) == "healthy");
  REQUIRE(member(doc, "active_sessions").IsInt64());
  CHECK(member(doc, "active_sessions").GetInt64() == 3);
  CHECK(member(doc, "calls_total").GetInt64() == 17);
  CHECK(member(doc, "calls_rejected").GetInt64() == 2);

  auto zero = parse(sb::health_json(sb::ingress_stats{}));
  CHECK(member(zero, "active_sessions").GetInt64() == 0);
  CHECK(str(member(zero, "status")) == "healthy");
}

TEST_CASE("session_json has the prototype's shape", "[views]") {
  auto call = make_call("CA0123456789abcdef0123456789abcdef");
  auto doc = parse(sb::session_json(call));
  check_prototype_keys(doc);
  CHECK(keys_of(doc)
        == std::set<std::string>{"call_sid", "from_number", "to_number",
                                 "status", "direction", "start_time",
                                 "answered_at", "answered_by", "language",
                                 "voice", "conversation_history"});
  CHECK(str(member(doc, "call_sid")) == "CA0123456789abcdef0123456789abcdef");
  CHECK(str(member(doc, "from_number")) == "+14155550100");
  CHECK(str(member(doc, "to_number")) == "+14155550199");
  CHECK(str(member(doc, "status")) == "in-progress");
  CHECK(str(member(doc, "direction")) == "inbound");
  CHECK(str(member(doc, "start_time")) == "2024-05-01T10:00:00Z");
  CHECK(str(member(doc, "answered_at")) == "2024-05-01T10:00:02Z");
  CHECK(member(doc, "answered_by").IsNull());
  CHECK(str(member(doc, "language")) == "hi-IN");
  CHECK(str(member(doc, "voice")) == "Polly.Aditi");

  const auto& history = member(doc, "conversation_history");
  REQUIRE(history.IsArray());
  REQUIRE(history.Size() == 2);

  const auto& user = history[0];
  CHECK(keys_of(user)
        == std::set<std::string>{"role", "content", "timestamp", "confidence"});
  CHECK(str(member(user, "role")) == "user");
  CHECK(str(member(user, "content")) == "hello");
  CHECK(str(member(user, "timestamp")) == "2024-05-01T10:00:05Z");
  REQUIRE(member(user, "confidence").IsNumber());
  CHECK(member(user, "confidence").GetDouble() == Approx(0.92));

  const auto& bot = history[1];
  CHECK(keys_of(bot).count("confidence") == 0);
  CHECK(str(member(bot, "role")) == "assistant");
  CHECK(str(member(bot, "content")) == "Hello! Namaste!");
  CHECK(str(member(bot, "timestamp")) == "2024-05-01T10:00:06Z");
  CHECK(member(bot, "latency_ms").GetInt64() == 420);
  CHECK(keys_of(bot).count("interrupted") == 0);
  // A gather call measures none of a media call's timings.
  for (const char* key : {"first_token_ms", "eot_wait_ms", "stt_tail_ms",
                          "tts_first_audio_ms", "turn_gap_ms", "audio"}) {
    CAPTURE(key);
    CHECK(keys_of(bot).count(key) == 0);
  }
}

TEST_CASE("session_json: a media call's reply says where its gap went, and "
          "the caller's turn where its audio is",
          "[views]") {
  auto c = make_call("CA4");
  c.turns[0].audio = "/var/lib/switchboard/audio/CA4-1.wav";
  auto& bot = c.turns[1];
  bot.first_token_ms = 52;
  bot.eot_wait_ms = 600;
  bot.stt_tail_ms = 140;
  bot.tts_first_audio_ms = 20;
  bot.turn_gap_ms = 812;
  auto doc = parse(sb::session_json(c));
  const auto& history = member(doc, "conversation_history");
  REQUIRE(history.Size() == 2);
  CHECK(str(member(history[0], "audio"))
        == "/var/lib/switchboard/audio/CA4-1.wav");
  CHECK(keys_of(history[0]).count("turn_gap_ms") == 0);
  const auto& reply = history[1];
  CHECK(member(reply, "first_token_ms").GetInt64() == 52);
  CHECK(member(reply, "eot_wait_ms").GetInt64() == 600);
  CHECK(member(reply, "stt_tail_ms").GetInt64() == 140);
  CHECK(member(reply, "tts_first_audio_ms").GetInt64() == 20);
  CHECK(member(reply, "turn_gap_ms").GetInt64() == 812);
  CHECK(member(reply, "latency_ms").GetInt64() == 420);
  CHECK(keys_of(reply).count("audio") == 0);

  // Only what was measured: a reply whose audio never went out has no gap.
  bot.turn_gap_ms.reset();
  bot.tts_first_audio_ms.reset();
  doc = parse(sb::session_json(c));
  const auto& partial = member(doc, "conversation_history")[1];
  CHECK(member(partial, "eot_wait_ms").GetInt64() == 600);
  CHECK(keys_of(partial).count("turn_gap_ms") == 0);
  CHECK(keys_of(partial).count("tts_first_audio_ms") == 0);
}

TEST_CASE("session_json: a reply shows the tools it called, arguments as "
          "the object the model sent, failures with their error",
          "[views]") {
  auto c = make_call("CA5");
  auto found = sb::test::answered_call(
    1, 1, "lookup_order", R"({"order_id":"A123","items":[1,{"x":null}]})",
    "Order A123 shipped \"today\"\n<b>", 42);
  auto failed = sb::test::failed_call(2, 2, "track_parcel",
                                      "{\"id\": unquoted}",
                                      "timed out after 3000 ms", 3001);
  failed.server.clear();
  // Nested past what is parsed: kept as the text.
  sb::tool_call_row deep = found;
  deep.idx = 3;
  deep.arguments = "{\"a\":" + std::string(40, '[') + std::string(40, ']')
                   + "}";
  c.turns[1].tool_calls = {found, failed, deep};
  auto doc = parse(sb::session_json(c));
  const auto& history = member(doc, "conversation_history");
  CHECK_FALSE(history[0].HasMember("tool_calls"));
  const auto& calls = member(history[1], "tool_calls");
  REQUIRE(calls.IsArray());
  REQUIRE(calls.Size() == 3);
  CHECK(keys_of(calls[0])
        == std::set<std::string>{"idx", "round", "server", "name", "arguments",
                                 "result", "error", "ms"});
  CHECK(member(calls[0], "idx").GetInt64() == 1);
  CHECK(member(calls[0], "round").GetInt64() == 1);
  CHECK(str(member(calls[0], "server")) == "orders");
  CHECK(str(member(calls[0], "name")) == "lookup_order");
  const auto& args = member(calls[0], "arguments");
  REQUIRE(args.IsObject());
  CHECK(str(member(args, "order_id")) == "A123");
  REQUIRE(member(args, "items").IsArray());
  CHECK(member(args, "items")[1]["x"].IsNull());
  CHECK(str(member(calls[0], "result")) == found.result);
  CHECK(member(calls[0], "error").IsNull());
  CHECK(member(calls[0], "ms").GetInt64() == 42);
  CHECK(str(member(calls[1], "arguments")) == failed.arguments);
  CHECK(member(calls[1], "result").IsNull());
  CHECK(str(member(calls[1], "error")) == "timed out after 3000 ms");
  CHECK(member(calls[1], "server").IsNull());
  CHECK(member(calls[1], "round").GetInt64() == 2);
  CHECK(str(member(calls[2], "arguments")) == deep.arguments);
}

TEST_CASE("session_json: a reply the caller talked over says so", "[views]") {
  auto c = make_call("CA3");
  c.turns[1].content = "Hello!";
  c.turns[1].interrupted = true;
  auto doc = parse(sb::session_json(c));
  const auto& bot = member(doc, "conversation_history")[1];
  CHECK(str(member(bot, "content")) == "Hello!");
  REQUIRE(member(bot, "interrupted").IsBool());
  CHECK(member(bot, "interrupted").GetBool());
}

TEST_CASE("session_json: unknown fields", "[views]") {
  sb::stored_call c;
  c.call.call_sid = "CA1";
  c.call.status = "initiated";
  auto doc = parse(sb::session_json(c));
  check_prototype_keys(doc);
  CHECK(member(doc, "answered_at").IsNull());
  CHECK(member(doc, "answered_by").IsNull());
  CHECK(str(member(doc, "from_number")).empty());
  CHECK(str(member(doc, "direction")).empty());
  REQUIRE(member(doc, "conversation_history").IsArray());
  CHECK(member(doc, "conversation_history").Empty());
}

TEST_CASE("session_json: confidence only on turns that have one", "[views]") {
  auto c = make_call("CA2");
  c.turns.push_back(make_turn("CA2", 3, "user", "no score", "t3"));
  auto zero = make_turn("CA2", 4, "user", "zero score", "t4");
  zero.confidence = 0.0;
  c.turns.push_back(zero);
  auto doc = parse(sb::session_json(c));
  const auto& history = member(doc, "conversation_history");
  REQUIRE(history.Size() == 4);
  CHECK(history[0].HasMember("confidence"));
  CHECK_FALSE(history[1].HasMember("confidence"));
  CHECK_FALSE(history[2].HasMember("confidence"));
  REQUIRE(history[3].HasMember("confidence"));
  CHECK(history[3]["confidence"].GetDouble() == 0.0);
  for (rapidjson::SizeType i = 0; i < history.Size(); ++i) {
    CHECK(history[i].HasMember("role"));
    CHECK(history[i].HasMember("content"));
    CHECK(history[i].HasMember("timestamp"));
  }
}

TEST_CASE("session_json omits a non-finite confidence, staying valid JSON",
          "[views]") {
  for (double bad : {std::numeric_limits<double>::quiet_NaN(),
                     std::numeric_limits<double>::infinity(),
                     -std::numeric_limits<double>::infinity()}) {
    CAPTURE(bad);
    auto c = make_call("CA3");
    c.turns[0].confidence = bad;
    auto doc = parse(sb::session_json(c));
    const auto& history = member(doc, "conversation_history");
    REQUIRE(history.Size() == 2);
    CHECK(str(member(history[0], "content")) == "hello");
    CHECK_FALSE(history[0].HasMember("confidence"));
    CHECK(str(member(history[0], "role")) == "user");
  }
}

TEST_CASE("sessions_json", "[views]") {
  SECTION("none") {
    auto doc = parse(sb::sessions_json({}));
    CHECK(keys_of(doc) == std::set<std::string>{"active_sessions", "sessions"});
    CHECK(member(doc, "active_sessions").GetInt64() == 0);
    REQUIRE(member(doc, "sessions").IsObject());
    CHECK(member(doc, "sessions").MemberCount() == 0);
  }
  SECTION("several, keyed by call sid") {
    std::vector<sb::stored_call> calls{make_call("CAaaa"), make_call("CAbbb"),
                                       make_call("CAccc")};
    calls[1].call.status = "ringing";
    calls[2].turns.clear();
    auto doc = parse(sb::sessions_json(calls));
    CHECK(keys_of(doc) == std::set<std::string>{"active_sessions", "sessions"});
    CHECK(member(doc, "active_sessions").GetInt64() == 3);
    const auto& sessions = member(doc, "sessions");
    REQUIRE(sessions.IsObject());
    CHECK(keys_of(sessions)
          == std::set<std::string>{"CAaaa", "CAbbb", "CAccc"});
    for (const char* sid : {"CAaaa", "CAbbb", "CAccc"}) {
      CAPTURE(sid);
      const auto& s = member(sessions, sid);
      check_prototype_keys(s);
      CHECK(str(member(s, "call_sid")) == sid);
    }
    CHECK(str(member(member(sessions, "CAbbb"), "status")) == "ringing");
    CHECK(member(member(sessions, "CAaaa"), "conversation_history").Size()
          == 2);
    CHECK(member(member(sessions, "CAccc"), "conversation_history").Empty());
  }
  SECTION("each session is the same object session_json writes") {
    auto call = make_call("CAsame");
    auto one = parse(sb::session_json(call));
    auto all = parse(sb::sessions_json({call}));
    CHECK(member(member(all, "sessions"), "CAsame") == one);
  }
}

TEST_CASE("ack_json", "[views]") {
  auto doc = parse(sb::ack_json("CA123", "completed"));
  CHECK(keys_of(doc)
        == std::set<std::string>{"status", "call_sid", "call_status"});
  CHECK(str(member(doc, "status")) == "received");
  CHECK(str(member(doc, "call_sid")) == "CA123");
  CHECK(str(member(doc, "call_status")) == "completed");

  auto odd = parse(sb::ack_json("CA\"x\\", "no-answer\n"));
  CHECK(str(member(odd, "call_sid")) == "CA\"x\\");
  CHECK(str(member(odd, "call_status")) == "no-answer\n");
}

TEST_CASE("JSON escaping", "[views]") {
  const std::string quotes = "she said \"namaste\"";
  const std::string backslashes = R"(C:\path\to\file \\ \" \n)";
  const std::string controls = std::string{"a\nb\tc\rd\x01"
                                           "e\x1f"
                                           "f\bg\fh"}
                               + std::string(1, '\0') + "i";
  const std::string hindi = "नमस्ते, आप कैसे हैं? धन्यवाद।";

  for (const auto& text : {quotes, backslashes, controls, hindi}) {
    CAPTURE(text);
    auto c = make_call("CA\"sid\\");
    c.call.from_number = text;
    c.turns[0].content = text;
    auto json = sb::session_json(c);
    CHECK(std::none_of(json.begin(), json.end(), [](char ch) {
      return static_cast<unsigned char>(ch) < 0x20;
    }));
    auto doc = parse(json);
    CHECK(str(member(doc, "call_sid")) == "CA\"sid\\");
    CHECK(str(member(doc, "from_number")) == text);
    CHECK(str(member(member(doc, "conversation_history")[0], "content"))
          == text);

    auto all = parse(sb::sessions_json({c}));
    const auto& s = member(member(all, "sessions"), "CA\"sid\\");
    CHECK(str(member(s, "from_number")) == text);
  }

  SECTION("Hindi is written as UTF-8, not \\u escapes") {
    auto c = make_call("CA4");
    c.turns[0].content = hindi;
    auto json = sb::session_json(c);
    CHECK(json.find(hindi) != std::string::npos);
  }
  SECTION("quotes and backslashes are escaped in the text") {
    auto json = sb::ack_json("a\"b\\c", "x");
    CHECK(json.find(R"("a\"b\\c")") != std::string::npos);
  }
}
