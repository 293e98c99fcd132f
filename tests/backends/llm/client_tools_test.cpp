// Tests for llm_client with tools that take arguments (an MCP server's),
// against tests/fixtures/fake_llm over loopback in both wire formats: the
// functions reach the server beside the built-ins, the model's calls come
// back whole with their arguments, a tool round in the history reaches the
// model so that it answers from the result, and a per-call limit shorter
// than the client's timeout ends a slow answer.
#include <chrono>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "backends/llm/llm_client.hpp"
#include "client_fixture.hpp"
#include "core/error.hpp"
#include "tests/fixtures/fake_llm.hpp"

namespace {

using namespace sb::client_test;
using sb::errc;

sb::chat_tools offer_lookup() {
  sb::chat_tools tools{true, false, {}};
  tools.functions.push_back(
    {"lookup_order", "Looks up an order by its id.",
     R"({"type":"object","properties":{"order_id":{"type":"string"}}})"});
  return tools;
}

// The caller's question, the model's call of lookup_order, its result.
std::vector<sb::chat_message> after_lookup(const std::string& result) {
  auto h = history();
  sb::chat_message asked{"assistant", "", {}, {}, {}};
  asked.tool_calls.push_back(
    {"call_1", "lookup_order", R"({"order_id":"A123"})"});
  h.push_back(asked);
  h.push_back({"tool", result, {}, "call_1", "lookup_order"});
  return h;
}

// A model that answers from the last tool message it was given.
std::string answer_from_tool(const fake_llm::request& r) {
  for (auto it = r.messages.rbegin(); it != r.messages.rend(); ++it)
    if (it->role == "tool")
      return it->content.find("shipped") != std::string::npos
               ? "Your order A123 has shipped."
               : "Sorry, I could not find it.";
  return "Let me look.";
}

} // namespace

TEST_CASE("functions are offered after the built-ins", "[llm_client]") {
  client_fixture f(any_flavor());
  INFO(name_of(f.flavor));
  auto client = f.client();
  REQUIRE(client.complete(settings(), system_prompt, history(), {}, nullptr,
                          offer_lookup()));
  auto requests = f.server.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].tools
        == std::vector<std::string>{"transfer_call", "lookup_order"});
}

TEST_CASE("a call of a function comes back with its arguments",
          "[llm_client]") {
  client_fixture f(any_flavor());
  INFO(name_of(f.flavor));
  f.server.set_tool_call("lookup_order", R"({"order_id":"A123"})");
  auto client = f.client();
  SECTION("alone: not an empty reply") {
    f.server.set_reply("");
    auto result = client.complete(settings(), system_prompt, history(), {},
                                  nullptr, offer_lookup());
    INFO((result ? "" : sb::what(result.error())));
    REQUIRE(result);
    CHECK(result->text.empty());
    CHECK_FALSE(result->transfer);
    REQUIRE(result->tool_calls.size() == 1);
    const auto& call = result->tool_calls[0];
    CHECK(call.name == "lookup_order");
    CHECK(call.arguments == R"({"order_id":"A123"})");
    // OpenAI servers name each call; Ollama's do not.
    CHECK(call.id == (f.flavor == fake_llm::flavor::openai ? "call_fake" : ""));
  }
  SECTION("after words, with a second call in the same answer") {
    f.server.set_reply("Let me check.");
    f.server.set_tool_calls_fn([](const fake_llm::request&) {
      return std::vector<sb::chat_tool_call>{
        {"", "lookup_order", R"({"order_id":"A123"})"},
        {"", "lookup_order", R"({"order_id":"B7","verbose":true})"}};
    });
    auto result = client.complete(settings(), system_prompt, history(), {},
                                  nullptr, offer_lookup());
    REQUIRE(result);
    CHECK(result->text == "Let me check.");
    REQUIRE(result->tool_calls.size() == 2);
    CHECK(result->tool_calls[1].arguments
          == R"({"order_id":"B7","verbose":true})");
  }
  SECTION("a tool that was not offered comes back too, for the caller to "
          "refuse") {
    f.server.set_tool_call("delete_everything");
    auto result = client.complete(settings(), system_prompt, history(), {},
                                  nullptr, offer_lookup());
    REQUIRE(result);
    REQUIRE(result->tool_calls.size() == 1);
    CHECK(result->tool_calls[0].name == "delete_everything");
  }
  SECTION("without functions offered, calls are ignored as before") {
    f.server.set_reply("");
    auto err = failure(client.complete(settings(), system_prompt, history(), {},
                                       nullptr, {true, true, {}}));
    CHECK(sb::what(err) == f.prefix() + "empty reply");
  }
}

TEST_CASE("a tool's result reaches the model, which answers from it",
          "[llm_client]") {
  client_fixture f(any_flavor());
  INFO(name_of(f.flavor));
  f.server.set_reply_fn(answer_from_tool);
  auto client = f.client();
  auto result = client.complete(settings(), system_prompt,
                                after_lookup(R"({"status":"shipped"})"), {},
                                nullptr, offer_lookup());
  REQUIRE(result);
  CHECK(result->text == "Your order A123 has shipped.");
  auto requests = f.server.requests();
  REQUIRE(requests.size() == 1);
  const auto& sent = requests[0].messages;
  REQUIRE(sent.size() == 6); // system, three turns, the call, the result
  const auto& asked = sent[4];
  CHECK(asked.role == "assistant");
  REQUIRE(asked.tool_calls.size() == 1);
  CHECK(asked.tool_calls[0].name == "lookup_order");
  CHECK(asked.tool_calls[0].arguments == R"({"order_id":"A123"})");
  const auto& answered = sent[5];
  CHECK(answered.role == "tool");
  CHECK(answered.content == R"({"status":"shipped"})");
  // Each format pairs the result with its call its own way.
  if (f.flavor == fake_llm::flavor::openai) {
    CHECK(asked.tool_calls[0].id == "call_1");
    CHECK(answered.tool_call_id == "call_1");
  } else {
    CHECK(answered.tool_name == "lookup_order");
  }
}

TEST_CASE("a limit shorter than the timeout ends a slow answer",
          "[llm_client]") {
  client_fixture f(any_flavor());
  INFO(name_of(f.flavor));
  f.server.set_mode(fake_llm::mode::slow, 3s);
  auto client = f.client(10s);
  const auto start = std::chrono::steady_clock::now();
  auto err = failure(client.complete(settings(), system_prompt, history(), {},
                                     nullptr, {}, 300ms));
  CHECK(has_code(err, errc::timed_out));
  CHECK(std::chrono::steady_clock::now() - start < 2s);
}
