// Tests for backends/llm/llm_wire: the exact request bodies for Ollama and
// OpenAI, and that both stream parsers give the same tokens however the
// bytes are chunked (whole, byte by byte, at random, through the middle of
// Hindi UTF-8 sequences), detect their terminators, and turn error
// objects, malformed lines and missing terminators into errors; the
// transfer_call and end_call tools in the bodies and their calls in both
// streams, an OpenAI call's name split over chunks included.
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include "backends/llm/llm_wire.hpp"
#include "core/error.hpp"
#include "wire_samples.hpp"

namespace {

using sb::errc;
using namespace sb::wire_test;

std::vector<sb::chat_message> sample_history() {
  return {{"user", "Hello"},
          {"assistant", "Namaste! How can I help?"},
          {"user", "मेरा ऑर्डर कहाँ है? \"quoted\"\n"}};
}

sb::chat_settings sample_settings() {
  sb::chat_settings s;
  s.model = "qwen2.5:7b";
  s.temperature = 0.25;
  s.max_tokens = 128;
  s.keep_alive = "10m";
  return s;
}

// The messages array as (role, content) pairs.
std::vector<sb::chat_message> messages_of(const rapidjson::Document& doc) {
  std::vector<sb::chat_message> out;
  REQUIRE(doc["messages"].IsArray());
  for (const auto& m : doc["messages"].GetArray())
    out.push_back({str(m["role"]), str(m["content"])});
  return out;
}

void check_messages(const rapidjson::Document& doc, bool with_system) {
  auto messages = messages_of(doc);
  auto history = sample_history();
  REQUIRE(messages.size() == history.size() + (with_system ? 1 : 0));
  size_t i = 0;
  if (with_system) {
    CHECK(messages[0].role == "system");
    CHECK(messages[0].content == "Be brief.");
    i = 1;
  }
  for (const auto& h : history) {
    CHECK(messages[i].role == h.role);
    CHECK(messages[i].content == h.content);
    ++i;
  }
}

// Every chunking gives the tokens of the whole-stream parse.
template <class Parser>
void check_chunkings(const std::string& stream,
                     const std::vector<std::string>& expected) {
  auto all = whole<Parser>(stream);
  REQUIRE_FALSE(all.feed_error);
  REQUIRE_FALSE(all.finish_error);
  CHECK(all.done);
  CHECK(all.tokens == expected);
  CHECK(bytewise<Parser>(stream).tokens == expected);
  std::mt19937 rng(42);
  for (int round = 0; round < 200; ++round) {
    std::uniform_int_distribution<size_t> size(1, 1 + round % 40);
    auto r = run_parser<Parser>(stream, [&] { return size(rng); });
    INFO("round " << round);
    REQUIRE_FALSE(r.feed_error);
    REQUIRE_FALSE(r.finish_error);
    CHECK(r.tokens == expected);
  }
}

// Every chunking gives the tokens of `expected` and the same tool calls.
template <class Parser>
void check_tool_chunkings(const std::string& stream,
                          const std::vector<std::string>& expected,
                          bool transfer, bool end_call = false) {
  auto all = whole<Parser>(stream);
  REQUIRE_FALSE(all.feed_error);
  REQUIRE_FALSE(all.finish_error);
  CHECK(all.tokens == expected);
  CHECK(all.transfer == transfer);
  CHECK(all.end_call == end_call);
  auto bytes = bytewise<Parser>(stream);
  CHECK(bytes.tokens == expected);
  CHECK(bytes.transfer == transfer);
  CHECK(bytes.end_call == end_call);
  std::mt19937 rng(7);
  for (int round = 0; round < 100; ++round) {
    std::uniform_int_distribution<size_t> size(1, 1 + round % 30);
    auto r = run_parser<Parser>(stream, [&] { return size(rng); });
    INFO("round " << round);
    REQUIRE_FALSE(r.finish_error);
    CHECK(r.tokens == expected);
    CHECK(r.transfer == transfer);
    CHECK(r.end_call == end_call);
  }
}

template <class Parser>
void check_transfer_chunkings(const std::string& stream,
                              const std::vector<std::string>& expected,
                              bool transfer) {
  check_tool_chunkings<Parser>(stream, expected, transfer, false);
}

const std::vector<std::string> hindi_tokens = {"नमस्ते",  "! ",   "मैं",
                                               " आपकी", " मदद", " करूँगी।"};

} // namespace

TEST_CASE("ollama body: model, system first, history, options", "[llm_wire]") {
  auto doc = parse(
    sb::ollama_chat_body(sample_settings(), "Be brief.", sample_history()));
  CHECK(str(doc["model"]) == "qwen2.5:7b");
  CHECK(doc["stream"].GetBool());
  check_messages(doc, true);
  REQUIRE(doc["options"].IsObject());
  CHECK(doc["options"]["temperature"].GetDouble() == Approx(0.25));
  CHECK(doc["options"]["num_predict"].GetInt() == 128);
  CHECK(str(doc["keep_alive"]) == "10m");
  CHECK_FALSE(doc.HasMember("max_tokens"));
}

TEST_CASE("ollama body: no system message for an empty prompt", "[llm_wire]") {
  auto settings = sample_settings();
  settings.keep_alive.clear();
  auto doc = parse(sb::ollama_chat_body(settings, "", sample_history()));
  check_messages(doc, false);
  CHECK_FALSE(doc.HasMember("keep_alive"));
}

TEST_CASE("openai body: model, messages, top-level knobs", "[llm_wire]") {
  auto doc = parse(
    sb::openai_chat_body(sample_settings(), "Be brief.", sample_history()));
  CHECK(str(doc["model"]) == "qwen2.5:7b");
  CHECK(doc["stream"].GetBool());
  check_messages(doc, true);
  CHECK(doc["temperature"].GetDouble() == Approx(0.25));
  CHECK(doc["max_tokens"].GetInt() == 128);
  CHECK_FALSE(doc.HasMember("options"));
  CHECK_FALSE(doc.HasMember("keep_alive"));
  auto bare = parse(sb::openai_chat_body(sample_settings(), "", {}));
  CHECK(bare["messages"].GetArray().Size() == 0);
}

const char* const transfer_description =
  "Connect the caller to a human colleague when they ask for a person or "
  "you cannot help.";
const char* const end_call_description =
  "End the phone call. Use it when the caller says goodbye or has nothing "
  "more to ask; say a short goodbye in the same reply.";

// The tools array of a body, checked to hold exactly the functions
// (name, description) given, in order, each without arguments.
void check_tools(const rapidjson::Document& doc,
                 const std::vector<std::pair<std::string, std::string>>& want) {
  REQUIRE(doc.HasMember("tools"));
  const auto& tools = doc["tools"];
  REQUIRE(tools.IsArray());
  REQUIRE(tools.Size() == want.size());
  for (rapidjson::SizeType i = 0; i < tools.Size(); ++i) {
    INFO("tool " << i);
    CHECK(str(tools[i]["type"]) == "function");
    const auto& fn = tools[i]["function"];
    CHECK(str(fn["name"]) == want[i].first);
    CHECK(str(fn["description"]) == want[i].second);
    REQUIRE(fn["parameters"].IsObject());
    CHECK(str(fn["parameters"]["type"]) == "object");
    REQUIRE(fn["parameters"]["properties"].IsObject());
    CHECK(fn["parameters"]["properties"].MemberCount() == 0);
  }
}

void check_transfer_tool(const rapidjson::Document& doc) {
  check_tools(doc, {{"transfer_call", transfer_description}});
  CHECK(str(doc["tools"][0]["function"]["name"]) == sb::transfer_tool_name);
}

TEST_CASE("bodies offer the transfer_call tool only when asked", "[llm_wire]") {
  auto settings = sample_settings();
  const sb::chat_tools transfer{true, false};
  auto ollama = parse(
    sb::ollama_chat_body(settings, "Be brief.", sample_history(), transfer));
  check_transfer_tool(ollama);
  check_messages(ollama, true);
  CHECK(str(ollama["keep_alive"]) == "10m");
  auto openai = parse(
    sb::openai_chat_body(settings, "Be brief.", sample_history(), transfer));
  check_transfer_tool(openai);
  check_messages(openai, true);
  CHECK(openai["max_tokens"].GetInt() == 128);
  CHECK_FALSE(parse(sb::ollama_chat_body(settings, "", sample_history(),
                                         sb::chat_tools{}))
                .HasMember("tools"));
  CHECK_FALSE(parse(sb::openai_chat_body(settings, "", sample_history(),
                                         sb::chat_tools{}))
                .HasMember("tools"));
  // The default is no offer: the bodies callers already build are unchanged.
  CHECK(sb::ollama_chat_body(settings, "x", sample_history())
        == sb::ollama_chat_body(settings, "x", sample_history(), {}));
  CHECK(sb::openai_chat_body(settings, "x", sample_history())
        == sb::openai_chat_body(settings, "x", sample_history(), {}));
}

TEST_CASE("bodies offer the end_call tool, alone or after transfer_call",
          "[llm_wire]") {
  auto settings = sample_settings();
  for (bool ollama_format : {true, false}) {
    INFO((ollama_format ? "ollama" : "openai"));
    auto body = [&](sb::chat_tools tools) {
      return parse(
        ollama_format
          ? sb::ollama_chat_body(settings, "Be brief.", sample_history(), tools)
          : sb::openai_chat_body(settings, "Be brief.", sample_history(),
                                 tools));
    };
    auto alone = body({false, true});
    check_tools(alone, {{"end_call", end_call_description}});
    CHECK(str(alone["tools"][0]["function"]["name"]) == sb::end_call_tool_name);
    check_messages(alone, true);
    check_tools(body({true, true}), {{"transfer_call", transfer_description},
                                     {"end_call", end_call_description}});
  }
}

TEST_CASE("ollama parser: a transfer_call in any chunking", "[llm_wire]") {
  const std::vector<std::string> words = {"Connecting", " you", " now."};
  SECTION("after the content") {
    auto stream = ollama_stream(words, false)
                  + ollama_tool_line("transfer_call") + ollama_stream({});
    check_transfer_chunkings<sb::ollama_stream_parser>(stream, words, true);
  }
  SECTION("alone, with no content") {
    auto stream = ollama_tool_line("transfer_call") + ollama_stream({});
    check_transfer_chunkings<sb::ollama_stream_parser>(stream, {}, true);
  }
  SECTION("in the done line") {
    const std::string done_line =
      R"({"model":"m","message":{"role":"assistant","content":"",)"
      R"("tool_calls":[{"function":{"name":"lookup","arguments":{}}},)"
      R"({"function":{"name":"transfer_call","arguments":{}}}]},)"
      R"("done":true})"
      "\n";
    check_transfer_chunkings<sb::ollama_stream_parser>(
      ollama_stream(words, false) + done_line, words, true);
  }
  SECTION("another tool is ignored") {
    auto stream = ollama_stream(words, false) + ollama_tool_line("lookup")
                  + ollama_stream({});
    check_transfer_chunkings<sb::ollama_stream_parser>(stream, words, false);
  }
  SECTION("nothing after the done line counts") {
    auto stream = ollama_stream(words) + ollama_tool_line("transfer_call");
    check_transfer_chunkings<sb::ollama_stream_parser>(stream, words, false);
  }
  SECTION("a plain answer has none") {
    check_transfer_chunkings<sb::ollama_stream_parser>(ollama_stream(words),
                                                       words, false);
  }
}

TEST_CASE("openai parser: a transfer_call in any chunking", "[llm_wire]") {
  const std::vector<std::string> words = {"One", " moment."};
  auto with_tool = [&](const std::vector<std::string>& tokens,
                       const std::string& name) {
    auto plain = openai_stream(tokens);
    // The tool chunks go before the finish chunk, as servers send them.
    const auto finish = plain.find(R"(data:{"choices")");
    REQUIRE(finish != std::string::npos);
    return plain.substr(0, finish) + openai_tool_events(name)
           + plain.substr(finish);
  };
  SECTION("after the content") {
    check_transfer_chunkings<sb::openai_stream_parser>(
      with_tool(words, "transfer_call"), words, true);
  }
  SECTION("alone, with no content") {
    check_transfer_chunkings<sb::openai_stream_parser>(
      with_tool({}, "transfer_call"), {}, true);
  }
  SECTION("another tool is ignored") {
    check_transfer_chunkings<sb::openai_stream_parser>(
      with_tool(words, "get_weather"), words, false);
  }
  SECTION("nothing after [DONE] counts") {
    check_transfer_chunkings<sb::openai_stream_parser>(
      openai_stream(words) + openai_tool_events("transfer_call"), words, false);
  }
  SECTION("a plain answer has none") {
    check_transfer_chunkings<sb::openai_stream_parser>(openai_stream(words),
                                                       words, false);
  }
}

TEST_CASE("ollama parser: an end_call in any chunking", "[llm_wire]") {
  const std::vector<std::string> words = {"Goodbye,", " take", " care."};
  SECTION("after the content") {
    auto stream = ollama_stream(words, false) + ollama_tool_line("end_call")
                  + ollama_stream({});
    check_tool_chunkings<sb::ollama_stream_parser>(stream, words, false, true);
  }
  SECTION("alone, with no content") {
    auto stream = ollama_tool_line("end_call") + ollama_stream({});
    check_tool_chunkings<sb::ollama_stream_parser>(stream, {}, false, true);
  }
  SECTION("both tools in one line") {
    const std::string line =
      R"({"model":"m","message":{"role":"assistant","content":"",)"
      R"("tool_calls":[{"function":{"name":"transfer_call","arguments":{}}},)"
      R"({"function":{"name":"end_call","arguments":{}}}]},"done":false})"
      "\n";
    check_tool_chunkings<sb::ollama_stream_parser>(line + ollama_stream({}), {},
                                                   true, true);
  }
  SECTION("a name that only starts or ends like it is another tool") {
    auto stream = ollama_tool_line("end_call_now") + ollama_tool_line("end")
                  + ollama_stream(words);
    check_tool_chunkings<sb::ollama_stream_parser>(stream, words, false, false);
  }
  SECTION("nothing after the done line counts") {
    auto stream = ollama_stream(words) + ollama_tool_line("end_call");
    check_tool_chunkings<sb::ollama_stream_parser>(stream, words, false, false);
  }
}

TEST_CASE("openai parser: an end_call in any chunking", "[llm_wire]") {
  const std::vector<std::string> words = {"Goodbye!"};
  // The tool chunks go before the finish chunk, as servers send them.
  auto with = [&](const std::vector<std::string>& tokens,
                  const std::string& tool_events) {
    auto plain = openai_stream(tokens);
    const auto finish = plain.find(R"(data:{"choices")");
    REQUIRE(finish != std::string::npos);
    return plain.substr(0, finish) + tool_events + plain.substr(finish);
  };
  SECTION("after the content") {
    check_tool_chunkings<sb::openai_stream_parser>(
      with(words, openai_tool_events("end_call")), words, false, true);
  }
  SECTION("alone, with no content") {
    check_tool_chunkings<sb::openai_stream_parser>(
      with({}, openai_tool_events("end_call")), {}, false, true);
  }
  SECTION("its name split over chunks") {
    check_tool_chunkings<sb::openai_stream_parser>(
      with(words, openai_name_piece("end") + openai_name_piece("_")
                    + openai_name_piece("call")),
      words, false, true);
  }
  SECTION("its name repeated whole in every chunk") {
    check_tool_chunkings<sb::openai_stream_parser>(
      with(words,
           openai_name_piece("end_call") + openai_name_piece("end_call")),
      words, false, true);
  }
  SECTION("two calls by index, their pieces interleaved") {
    check_tool_chunkings<sb::openai_stream_parser>(
      with({}, openai_name_piece("transfer", 0) + openai_name_piece("end_", 1)
                 + openai_name_piece("_call", 0)
                 + openai_name_piece("call", 1)),
      {}, true, true);
  }
  SECTION("pieces of different calls are not joined") {
    check_tool_chunkings<sb::openai_stream_parser>(
      with(words, openai_name_piece("end_", 0) + openai_name_piece("call", 1)),
      words, false, false);
  }
  SECTION("both tools, one after the other") {
    check_tool_chunkings<sb::openai_stream_parser>(
      with(words, openai_tool_events("transfer_call", 0)
                    + openai_tool_events("end_call", 1)),
      words, true, true);
  }
  SECTION("a huge index is no trouble") {
    check_tool_chunkings<sb::openai_stream_parser>(
      with(words, openai_name_piece("end_call", 4000000)), words, false, true);
  }
  SECTION("nothing after [DONE] counts") {
    check_tool_chunkings<sb::openai_stream_parser>(
      openai_stream(words) + openai_tool_events("end_call"), words, false,
      false);
  }
}

TEST_CASE("ollama parser: any chunking gives the same tokens", "[llm_wire]") {
  check_chunkings<sb::ollama_stream_parser>(ollama_stream(hindi_tokens),
                                            hindi_tokens);
  const std::vector<std::string> english = {"Hello", " there.", " How",
                                            " can",  " I",      " help?"};
  check_chunkings<sb::ollama_stream_parser>(ollama_stream(english), english);
}

TEST_CASE("openai parser: any chunking gives the same tokens", "[llm_wire]") {
  check_chunkings<sb::openai_stream_parser>(openai_stream(hindi_tokens),
                                            hindi_tokens);
}

TEST_CASE("parsers decode JSON escapes into UTF-8", "[llm_wire]") {
  const std::string line = R"({"message":{"content":"\u0928\u092e\u0938)"
                           R"(\u094d\u0924\u0947 \"hi\"\n"},"done":true})"
                           "\n";
  auto r = bytewise<sb::ollama_stream_parser>(line);
  REQUIRE_FALSE(r.finish_error);
  CHECK(r.tokens == std::vector<std::string>{"नमस्ते \"hi\"\n"});
}

TEST_CASE("ollama parser: the done object ends the stream", "[llm_wire]") {
  SECTION("bytes after done are ignored") {
    auto r = whole<sb::ollama_stream_parser>(ollama_stream({"a"})
                                             + "not json at all\n");
    CHECK_FALSE(r.feed_error);
    CHECK_FALSE(r.finish_error);
    CHECK(r.tokens == std::vector<std::string>{"a"});
  }
  SECTION("a final line without its newline still counts") {
    auto stream = ollama_stream({"a"});
    stream.pop_back();
    auto r = whole<sb::ollama_stream_parser>(stream);
    CHECK_FALSE(r.done);
    CHECK_FALSE(r.finish_error);
  }
  SECTION("no done object is an error at finish") {
    auto r = bytewise<sb::ollama_stream_parser>(
      ollama_stream({"a", "b"}, false));
    CHECK_FALSE(r.feed_error);
    CHECK(r.tokens == std::vector<std::string>{"a", "b"});
    CHECK(has_code(r.finish_error, errc::backend_failed));
    CHECK(sb::what(r.finish_error) == "ollama: stream ended before done");
  }
  SECTION("an empty body is an error at finish") {
    sb::ollama_stream_parser p;
    CHECK(has_code(p.finish(), errc::backend_failed));
  }
}

TEST_CASE("openai parser: [DONE] ends the stream", "[llm_wire]") {
  SECTION("bytes after [DONE] are ignored") {
    auto r = whole<sb::openai_stream_parser>(openai_stream({"a"})
                                             + "data: {broken\n\n");
    CHECK_FALSE(r.feed_error);
    CHECK_FALSE(r.finish_error);
    CHECK(r.tokens == std::vector<std::string>{"a"});
  }
  SECTION("no [DONE] is an error at finish") {
    auto r = bytewise<sb::openai_stream_parser>(
      openai_stream({"a", "b"}, false));
    CHECK_FALSE(r.feed_error);
    CHECK_FALSE(r.done);
    CHECK(r.tokens == std::vector<std::string>{"a", "b"});
    CHECK(sb::what(r.finish_error) == "openai: stream ended before done");
  }
  SECTION("[DONE] without its newline still counts") {
    auto r = whole<sb::openai_stream_parser>("data: [DONE]");
    CHECK_FALSE(r.finish_error);
  }
}

// Found by fuzz/openai_sse_fuzz.cpp: RapidJSON 1.1.0 decodes an unpaired
// low surrogate escape into bytes that are not UTF-8.
TEST_CASE("parsers turn an unpaired surrogate escape into U+FFFD",
          "[llm_wire]") {
  const std::string replacement = "\xEF\xBF\xBD";
  auto ollama = whole<sb::ollama_stream_parser>(
    ollama_stream({"a\\udc80b", "\\ud83d\\ude00"}));
  REQUIRE_FALSE(ollama.finish_error);
  CHECK(
    ollama.tokens
    == std::vector<std::string>{"a" + replacement + "b", "\xF0\x9F\x98\x80"});

  auto openai = bytewise<sb::openai_stream_parser>(openai_stream({"\\ude00"}));
  REQUIRE_FALSE(openai.finish_error);
  CHECK(openai.tokens == std::vector<std::string>{replacement});

  // The fuzzer's input: a vLLM-style error object without a message, whose
  // text is the object written back.
  auto vllm = whole<sb::openai_stream_parser>(
    R"(data: {"object":"error","me":"chatcmpl\ud41d\ude00-x"})"
    "\n\n");
  CHECK(sb::what(vllm.feed_error)
        == R"(openai: {"object":"error","me":"chatcmpl)"
           "\xED\x90\x9D"
             + replacement + R"(-x"})");
}

TEST_CASE("parsers report error objects with their message", "[llm_wire]") {
  auto ollama = bytewise<sb::ollama_stream_parser>(
    ollama_stream({"a"}, false) + R"({"error":"model 'x' not found"})" + "\n");
  CHECK(ollama.tokens == std::vector<std::string>{"a"});
  CHECK(has_code(ollama.feed_error, errc::backend_failed));
  CHECK(sb::what(ollama.feed_error) == "ollama: model 'x' not found");
  CHECK(ollama.finish_error == ollama.feed_error);

  auto openai = bytewise<sb::openai_stream_parser>(
    "data: {\"error\":{\"message\":\"Rate limit reached\","
    "\"type\":\"requests\"}}\n\n");
  CHECK(has_code(openai.feed_error, errc::backend_failed));
  CHECK(sb::what(openai.feed_error) == "openai: Rate limit reached");

  auto vllm = whole<sb::openai_stream_parser>(
    R"(data: {"object":"error","message":"bad model","code":400})"
    "\n\n");
  CHECK(sb::what(vllm.feed_error) == "openai: bad model");
}

TEST_CASE("parsers reject malformed lines, quoting them", "[llm_wire]") {
  SECTION("ollama") {
    auto r = whole<sb::ollama_stream_parser>("{\"message\":\n"
                                             + ollama_stream({"a"}));
    CHECK(r.tokens.empty());
    CHECK(has_code(r.feed_error, errc::backend_failed));
    CHECK(sb::what(r.feed_error)
          == "ollama: malformed stream line: {\"message\":");
  }
  SECTION("an object, then a NUL byte and more") {
    std::string line = "{\"message\":{\"content\":\"a\"},\"done\":false}";
    line += '\0';
    line += "{\"message\":{\"content\":\"b\"}}\n";
    auto r = whole<sb::ollama_stream_parser>(line);
    CHECK(r.tokens.empty());
    CHECK(has_code(r.feed_error, errc::backend_failed));
  }
  SECTION("a JSON value that is not an object") {
    auto r = whole<sb::ollama_stream_parser>("[1,2]\n");
    CHECK(sb::what(r.feed_error) == "ollama: malformed stream line: [1,2]");
  }
  SECTION("openai, with a long Hindi line cut on a character") {
    std::string long_line = "data: {\"x\":\"";
    for (int i = 0; i < 100; ++i)
      long_line += "नमस्ते";
    auto r = whole<sb::openai_stream_parser>(long_line + "\n\n");
    REQUIRE(has_code(r.feed_error, errc::backend_failed));
    const auto text = sb::what(r.feed_error);
    const std::string prefix = "openai: malformed stream line: ";
    REQUIRE(text.rfind(prefix, 0) == 0);
    REQUIRE(text.substr(text.size() - 3) == "...");
    const auto quoted = text.substr(prefix.size(),
                                    text.size() - 3 - prefix.size());
    CHECK(quoted.size() <= 100);
    CHECK(quoted.size() >= 97);
    CHECK(long_line.compare(0, quoted.size(), quoted) == 0);
    // Cut before a lead byte: the quote ends on a whole character.
    CHECK((static_cast<unsigned char>(long_line[quoted.size()]) & 0xC0)
          != 0x80);
  }
  SECTION("errors are sticky") {
    sb::openai_stream_parser p;
    auto first = p.feed("data: nope\n", {});
    CHECK(has_code(first, errc::backend_failed));
    CHECK(p.feed("data: [DONE]\n", {}) == first);
    CHECK_FALSE(p.done());
    CHECK(p.finish() == first);
  }
}

TEST_CASE("parsers bound an endless line", "[llm_wire]") {
  sb::ollama_stream_parser p;
  const std::string megabyte(1 << 20, 'x');
  CHECK_FALSE(p.feed(megabyte, {}));
  auto err = p.feed("xx", {});
  CHECK(has_code(err, errc::backend_failed));
  CHECK(sb::what(err) == "ollama: stream line over 1 MiB");
}
