// Tests for the tools with arguments in backends/llm/llm_wire: functions
// offered beside the built-ins with their schemas as JSON objects, the
// assistant's tool calls and the tools' results in the history in each
// server's dialect, and both parsers collecting whole calls with their
// arguments however the stream is cut.
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include "backends/llm/llm_wire.hpp"
#include "wire_samples.hpp"

namespace {

using namespace sb::wire_test;

sb::chat_settings settings() {
  sb::chat_settings s;
  s.model = "qwen2.5:7b";
  return s;
}

const char* const order_schema =
  R"({"type":"object","properties":{"order_id":{"type":"string",)"
  R"("description":"like A123"}},"required":["order_id"]})";

sb::chat_tools with_lookup() {
  sb::chat_tools tools{true, true, {}};
  tools.functions.push_back(
    {"lookup_order", "Looks up an order's \"status\".", order_schema});
  tools.functions.push_back({"ping", "", "not JSON at all"});
  return tools;
}

std::string body(bool ollama, const std::vector<sb::chat_message>& history,
                 const sb::chat_tools& tools = {}) {
  return ollama ? sb::ollama_chat_body(settings(), "Be brief.", history, tools)
                : sb::openai_chat_body(settings(), "Be brief.", history, tools);
}

// The conversation of one tool round: the caller's question, the model's
// call, the tool's result.
std::vector<sb::chat_message> tool_round() {
  sb::chat_message call{"assistant", "", {}, {}, {}};
  call.tool_calls.push_back(
    {"call_7", "lookup_order", R"({"order_id":"A123"})"});
  sb::chat_message result{
    "tool", R"({"status":"shipped"})", {}, "call_7", "lookup_order"};
  return {{"user", "Where is A123?"}, call, result};
}

// What both dialects write the same way of tool_round(): the system
// message first, the call as an assistant message without words, the
// result as a tool message.
void check_round(const rapidjson::Value& messages) {
  REQUIRE(messages.Size() == 4);
  const auto& call = messages[2];
  CHECK(str(call["role"]) == "assistant");
  CHECK(str(call["content"]).empty());
  REQUIRE(call["tool_calls"].Size() == 1);
  const auto& result = messages[3];
  CHECK(str(result["role"]) == "tool");
  CHECK(str(result["content"]) == R"({"status":"shipped"})");
}

// Every chunking gives the same calls as the whole stream.
template <class Parser>
void check_calls(const std::string& stream,
                 const std::vector<sb::chat_tool_call>& want) {
  auto check = [&](const parse_result& r) {
    REQUIRE_FALSE(r.finish_error);
    REQUIRE(r.calls.size() == want.size());
    for (size_t i = 0; i < want.size(); ++i) {
      INFO("call " << i);
      CHECK(r.calls[i].id == want[i].id);
      CHECK(r.calls[i].name == want[i].name);
      CHECK(r.calls[i].arguments == want[i].arguments);
    }
  };
  check(whole<Parser>(stream));
  check(bytewise<Parser>(stream));
  std::mt19937 rng(11);
  for (int round = 0; round < 50; ++round) {
    std::uniform_int_distribution<size_t> size(1, 1 + round % 30);
    INFO("round " << round);
    check(run_parser<Parser>(stream, [&] { return size(rng); }));
  }
}

// An Ollama line with the calls' JSON as given.
std::string ollama_calls_line(const std::string& calls_json) {
  return R"({"model":"m","message":{"role":"assistant","content":"",)"
         R"("tool_calls":)"
         + calls_json + R"(},"done":false})" + "\n";
}

// One OpenAI delta of a tool call, its fields as given.
std::string openai_call_delta(const std::string& call_json) {
  return R"(data: {"choices":[{"index":0,"delta":{"tool_calls":[)" + call_json
         + R"(]},"finish_reason":null}]})"
           "\n\n";
}

} // namespace

TEST_CASE("bodies offer functions after the built-ins, their schemas as "
          "objects",
          "[llm_wire]") {
  for (bool ollama : {true, false}) {
    INFO((ollama ? "ollama" : "openai"));
    auto doc = parse(body(ollama, {{"user", "hi"}}, with_lookup()));
    const auto& tools = doc["tools"];
    REQUIRE(tools.Size() == 4);
    CHECK(str(tools[0]["function"]["name"]) == "transfer_call");
    CHECK(str(tools[1]["function"]["name"]) == "end_call");
    const auto& lookup = tools[2]["function"];
    CHECK(str(tools[2]["type"]) == "function");
    CHECK(str(lookup["name"]) == "lookup_order");
    CHECK(str(lookup["description"]) == "Looks up an order's \"status\".");
    // The schema is the object itself, never its text in a string.
    REQUIRE(lookup["parameters"].IsObject());
    CHECK(str(lookup["parameters"]["properties"]["order_id"]["description"])
          == "like A123");
    CHECK(str(lookup["parameters"]["required"][0]) == "order_id");
    // A schema that is not an object is sent as "no arguments".
    const auto& ping = tools[3]["function"];
    CHECK(str(ping["description"]).empty());
    REQUIRE(ping["parameters"].IsObject());
    CHECK(str(ping["parameters"]["type"]) == "object");
    CHECK(ping["parameters"]["properties"].MemberCount() == 0);
  }
  // Functions alone are an offer too.
  sb::chat_tools only;
  only.functions.push_back({"lookup_order", "x", order_schema});
  CHECK(only.any());
  CHECK(parse(body(true, {{"user", "hi"}}, only))["tools"].Size() == 1);
}

TEST_CASE("schemas that are arrays, strings or cut short are not sent as "
          "they are",
          "[llm_wire]") {
  for (const char* schema :
       {"[1,2]", "\"object\"", R"({"type":"object")", "", "{} {}"}) {
    INFO(schema);
    sb::chat_tools tools;
    tools.functions.push_back({"t", "d", schema});
    auto doc = parse(body(false, {{"user", "hi"}}, tools));
    const auto& params = doc["tools"][0]["function"]["parameters"];
    REQUIRE(params.IsObject());
    CHECK(str(params["type"]) == "object");
  }
}

TEST_CASE("ollama body: a tool round in the history", "[llm_wire]") {
  auto doc = parse(body(true, tool_round()));
  const auto& m = doc["messages"];
  check_round(m);
  const auto& call = m[2];
  const auto& fn = call["tool_calls"][0]["function"];
  CHECK(str(fn["name"]) == "lookup_order");
  // Ollama takes the arguments as an object.
  REQUIRE(fn["arguments"].IsObject());
  CHECK(str(fn["arguments"]["order_id"]) == "A123");
  CHECK_FALSE(call["tool_calls"][0].HasMember("id"));
  const auto& result = m[3];
  CHECK(str(result["tool_name"]) == "lookup_order");
  CHECK_FALSE(result.HasMember("tool_call_id"));
  // Plain messages carry neither.
  CHECK_FALSE(m[1].HasMember("tool_calls"));
  CHECK_FALSE(m[1].HasMember("tool_name"));
}

TEST_CASE("openai body: a tool round in the history", "[llm_wire]") {
  auto doc = parse(body(false, tool_round()));
  const auto& m = doc["messages"];
  check_round(m);
  const auto& entry = m[2]["tool_calls"][0];
  CHECK(str(entry["id"]) == "call_7");
  CHECK(str(entry["type"]) == "function");
  CHECK(str(entry["function"]["name"]) == "lookup_order");
  // OpenAI takes the arguments as the object's text.
  CHECK(str(entry["function"]["arguments"]) == R"({"order_id":"A123"})");
  const auto& result = m[3];
  CHECK(str(result["tool_call_id"]) == "call_7");
  CHECK_FALSE(result.HasMember("tool_name"));
}

TEST_CASE("ollama body: arguments that are not an object are sent as {}",
          "[llm_wire]") {
  auto history = tool_round();
  history[1].tool_calls[0].arguments = R"(["A123"])";
  auto doc = parse(body(true, history));
  const auto& args =
    doc["messages"][2]["tool_calls"][0]["function"]["arguments"];
  REQUIRE(args.IsObject());
  CHECK(args.MemberCount() == 0);
}

TEST_CASE("ollama parser: collects calls with their arguments", "[llm_wire]") {
  const std::vector<std::string> words = {"Let", " me", " check."};
  SECTION("one call after the content") {
    auto stream = ollama_stream(words, false)
                  + ollama_calls_line(
                    R"([{"function":{"name":"lookup_order",)"
                    R"("arguments":{"order_id":"A123","verbose":true}}}])")
                  + ollama_stream({});
    check_calls<sb::ollama_stream_parser>(
      stream, {{"", "lookup_order", R"({"order_id":"A123","verbose":true})"}});
    CHECK(whole<sb::ollama_stream_parser>(stream).tokens == words);
  }
  SECTION("two calls in one line, a built-in's beside them left out") {
    auto stream =
      ollama_calls_line(
        R"([{"id":"c1","function":{"name":"lookup_order","arguments":{}}},)"
        R"({"function":{"name":"end_call","arguments":{}}},)"
        R"({"function":{"name":"track","arguments":{"n":[1,2]}}}])")
      + ollama_stream({});
    check_calls<sb::ollama_stream_parser>(
      stream, {{"c1", "lookup_order", "{}"}, {"", "track", R"({"n":[1,2]})"}});
    CHECK(whole<sb::ollama_stream_parser>(stream).end_call);
  }
  SECTION("arguments sent as a string are kept as that string") {
    auto stream = ollama_calls_line(
                    R"([{"function":{"name":"t","arguments":"{\"a\":1}"}}])")
                  + ollama_stream({});
    check_calls<sb::ollama_stream_parser>(stream, {{"", "t", R"({"a":1})"}});
  }
  SECTION("no arguments at all are {}") {
    auto stream = ollama_calls_line(R"([{"function":{"name":"t"}}])")
                  + ollama_stream({});
    check_calls<sb::ollama_stream_parser>(stream, {{"", "t", "{}"}});
  }
  SECTION("nothing after the done line counts") {
    auto stream = ollama_stream(words) + ollama_tool_line("lookup_order");
    check_calls<sb::ollama_stream_parser>(stream, {});
  }
}

TEST_CASE("openai parser: collects calls with their arguments' pieces",
          "[llm_wire]") {
  const std::vector<std::string> words = {"One", " moment."};
  auto with = [&](const std::string& tool_events) {
    auto plain = openai_stream(words);
    const auto finish = plain.find(R"(data:{"choices")");
    REQUIRE(finish != std::string::npos);
    return plain.substr(0, finish) + tool_events + plain.substr(finish);
  };
  SECTION("the name with the id, the arguments in pieces") {
    auto stream = with(
      openai_call_delta(R"({"index":0,"id":"call_a","type":"function",)"
                        R"("function":{"name":"lookup_order","arguments":""}})")
      + openai_call_delta(
        R"({"index":0,"function":{"arguments":"{\"order_id\":"}})")
      + openai_call_delta(R"({"index":0,"function":{"arguments":"\"A1"}})")
      + openai_call_delta(R"({"index":0,"function":{"arguments":"23\"}"}})"));
    check_calls<sb::openai_stream_parser>(
      stream, {{"call_a", "lookup_order", R"({"order_id":"A123"})"}});
    CHECK(whole<sb::openai_stream_parser>(stream).tokens == words);
  }
  SECTION("two calls by index, interleaved, the name split") {
    auto stream = with(
      openai_call_delta(R"({"index":1,"id":"call_b","function":{"name":"tr"}})")
      + openai_call_delta(
        R"({"index":0,"id":"call_a","function":{"name":"lookup_order"}})")
      + openai_call_delta(
        R"({"index":1,"function":{"name":"ack","arguments":"{\"n\":"}})")
      + openai_call_delta(R"({"index":0,"function":{"arguments":"{}"}})")
      + openai_call_delta(R"({"index":1,"function":{"arguments":"2}"}})"));
    check_calls<sb::openai_stream_parser>(stream,
                                          {{"call_a", "lookup_order", "{}"},
                                           {"call_b", "track", R"({"n":2})"}});
  }
  SECTION("a name repeated whole in every chunk is one name") {
    auto stream = with(
      openai_call_delta(
        R"({"index":0,"id":"c","function":{"name":"lookup_order",)"
        R"("arguments":"{\"order_id\""}})")
      + openai_call_delta(R"({"index":0,"function":{"name":"lookup_order",)"
                          R"("arguments":":\"A123\"}"}})"));
    check_calls<sb::openai_stream_parser>(
      stream, {{"c", "lookup_order", R"({"order_id":"A123"})"}});
  }
  SECTION("built-ins are flags, not calls; no arguments are {}") {
    auto stream = with(
      openai_tool_events("end_call", 0)
      + openai_call_delta(R"({"index":1,"id":"c","function":{"name":"t"}})"));
    check_calls<sb::openai_stream_parser>(stream, {{"c", "t", "{}"}});
    CHECK(whole<sb::openai_stream_parser>(stream).end_call);
  }
  SECTION("a huge index keeps nothing") {
    auto stream = with(openai_name_piece("lookup_order", 4000000));
    check_calls<sb::openai_stream_parser>(stream, {});
  }
  SECTION("nothing after [DONE] counts") {
    check_calls<sb::openai_stream_parser>(
      openai_stream(words) + openai_tool_events("lookup_order"), {});
  }
}
