// The LLM pool with MCP tools: a real mcp_toolbox over a
// tests/fixtures/fake_mcp server ("orders": lookup_order, get_time) and
// tests/fixtures/fake_llm playing a model that calls them and answers from
// their results, in both wire formats. One round, two rounds, the round
// limit (then the model must answer in words, or the turn fails), a tool's
// error and a hanging tool given to the model, a hanging tool bounded by
// the turn's deadline, a tool that was not offered, the caller told once
// before the first tool runs, and no second try after a tool ran.
//
// Real scheduler, real sockets (see llm_pool_fixture.hpp); nothing sleeps.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "backends/mcp/mcp_toolbox.hpp"
#include "core/error.hpp"
#include "llm_pool_fixture.hpp"
#include "tests/fixtures/fake_llm.hpp"
#include "tests/fixtures/fake_mcp.hpp"
#include "tests/fixtures/tool_model.hpp"

namespace {

using namespace sb::llm_test;
using namespace sb::test;
using sb::chat_tool_call;
using sb::errc;
using sb::fake_llm;
using sb::fake_mcp;
using steady = std::chrono::steady_clock;

using calls = std::vector<chat_tool_call>;

// A model that looks the order up once, then answers from what it was
// told.
calls look_up_once(const fake_llm::request& r) {
  return tool_results(r).empty() ? calls{lookup_call()} : calls{};
}

// A pool whose workers have a toolbox that has listed one fake_mcp server,
// "orders". `edit` changes the configuration before either is made.
struct tools_fixture {
  fake_mcp orders;
  sb::config cfg;
  std::shared_ptr<sb::mcp_toolbox> box;
  pool_fixture f;

  explicit tools_fixture(fake_llm::flavor flavor, const config_edit& edit = {},
                         size_t endpoints = 1)
    : cfg(configured(orders, edit)),
      box(listed(cfg.llm)),
      f(
        flavor, 1, endpoints, [this](sb::config& c) { c.llm = with(c.llm); },
        box) {
    REQUIRE(orders.ok());
  }

  // The pool's llm settings with the MCP ones of `cfg`.
  sb::llm_config with(sb::llm_config base) const {
    base.mcp_servers = cfg.llm.mcp_servers;
    base.max_tool_rounds = cfg.llm.max_tool_rounds;
    base.mcp_timeout_ms = cfg.llm.mcp_timeout_ms;
    base.timeout_s = cfg.llm.timeout_s;
    return base;
  }

  static sb::config configured(const fake_mcp& orders,
                               const config_edit& edit) {
    sb::log::set_level(sb::log::level::error);
    sb::config c;
    c.llm.timeout_s = 20;
    c.llm.mcp_servers.push_back({"orders", orders.url(), "", {}});
    if (edit)
      edit(c);
    return c;
  }

  static std::shared_ptr<sb::mcp_toolbox> listed(const sb::llm_config& llm) {
    auto b = std::make_shared<sb::mcp_toolbox>(llm);
    b->refresh(llm);
    REQUIRE(b->tools()->size() == 2); // lookup_order, get_time
    return b;
  }

  fake_llm& model() {
    return f.model();
  }

  caf::expected<sb::llm_reply> ask_model(const std::string& words,
                                         sb::llm_stream stream = {}) {
    return ask(f.sys, f.pool, turn(words), std::move(stream));
  }
};

} // namespace

TEST_CASE("tools: the model calls a tool once and answers from its result",
          "[llm_pool][tools]") {
  auto flavor = any_flavor();
  INFO(name_of(flavor));
  tools_fixture t(flavor);
  t.model().set_tool_calls_fn(look_up_once);
  t.model().set_reply_fn(answer_from_result);
  auto r = t.ask_model("Where is my order A123?");
  INFO((r ? "" : sb::what(r.error())));
  REQUIRE(r);
  CHECK(r->text == shipped_answer);
  REQUIRE(r->tool_calls.size() == 1);
  const auto& row = r->tool_calls[0];
  CHECK(row.idx == 1);
  CHECK(row.round == 1);
  CHECK(row.server == "orders");
  CHECK(row.name == "lookup_order");
  CHECK(row.arguments == R"({"order_id":"A123"})");
  CHECK(row.result == "Order shipped\nArrives Tuesday");
  CHECK(row.error.empty());
  CHECK(row.ms >= 0);
  CHECK(t.orders.requests_for("tools/call").size() == 1);
  auto requests = t.model().requests();
  REQUIRE(requests.size() == 2);
  // The server's tools beside the built-ins; its end_call is left out.
  CHECK(offers(requests[0], "lookup_order"));
  CHECK(offers(requests[0], "get_time"));
  CHECK(
    std::count(requests[0].tools.begin(), requests[0].tools.end(), "end_call")
    <= 1);
  // The second round sees the call and its result.
  auto results = tool_results(requests[1]);
  REQUIRE(results.size() == 1);
  CHECK(results[0].content == row.result);
  const auto& asked = requests[1].messages[requests[1].messages.size() - 2];
  CHECK(asked.role == "assistant");
  REQUIRE(asked.tool_calls.size() == 1);
  CHECK(asked.tool_calls[0].name == "lookup_order");
  if (flavor == fake_llm::flavor::openai)
    CHECK(results[0].tool_call_id == asked.tool_calls[0].id);
  else
    CHECK(results[0].tool_name == "lookup_order");
}

TEST_CASE("tools: two rounds, the second asking for another tool",
          "[llm_pool][tools]") {
  auto flavor = any_flavor();
  INFO(name_of(flavor));
  tools_fixture t(flavor);
  t.model().set_tool_calls_fn([](const fake_llm::request& r) {
    switch (tool_results(r).size()) {
      case 0: return calls{lookup_call()};
      case 1: return calls{{"", "get_time", "{}"}};
      default: return calls{};
    }
  });
  t.model().set_reply_fn([](const fake_llm::request& r) {
    return tool_results(r).size() == 2 ? "It shipped, and it is noon now." : "";
  });
  auto r = t.ask_model("Where is A123, and what time is it?");
  INFO((r ? "" : sb::what(r.error())));
  REQUIRE(r);
  CHECK(r->text == "It shipped, and it is noon now.");
  REQUIRE(r->tool_calls.size() == 2);
  CHECK(r->tool_calls[0].idx == 1);
  CHECK(r->tool_calls[0].round == 1);
  CHECK(r->tool_calls[1].idx == 2);
  CHECK(r->tool_calls[1].round == 2);
  CHECK(r->tool_calls[1].name == "get_time");
  CHECK(r->tool_calls[1].error.empty());
  CHECK(t.model().requests().size() == 3);
}

TEST_CASE("tools: past llm.max_tool_rounds the model must answer in words",
          "[llm_pool][tools]") {
  auto flavor = any_flavor();
  INFO(name_of(flavor));
  tools_fixture t(flavor, [](sb::config& c) { c.llm.max_tool_rounds = 2; });
  // A model that calls lookup_order whenever it may.
  t.model().set_tool_calls_fn([](const fake_llm::request& r) {
    return offers(r, "lookup_order") ? calls{lookup_call()} : calls{};
  });
  SECTION("it does") {
    t.model().set_reply_fn([](const fake_llm::request& r) {
      return offers(r, "lookup_order") ? "" : "I could not finish that.";
    });
    auto r = t.ask_model("Where is A123?");
    INFO((r ? "" : sb::what(r.error())));
    REQUIRE(r);
    CHECK(r->text == "I could not finish that.");
    CHECK(r->tool_calls.size() == 2);
    auto requests = t.model().requests();
    REQUIRE(requests.size() == 3);
    CHECK(offers(requests[1], "lookup_order"));
    CHECK_FALSE(offers(requests[2], "lookup_order"));
    CHECK(tool_results(requests[2]).size() == 2);
  }
  SECTION("it has no words: the turn fails, for the caller's apology") {
    t.model().set_reply("");
    auto r = t.ask_model("Where is A123?");
    REQUIRE_FALSE(r);
    CHECK(has_code(r.error(), errc::backend_failed));
    CHECK(sb::what(r.error()).find("empty reply") != std::string::npos);
    CHECK(t.model().requests().size() == 3);
  }
}

TEST_CASE("tools: with max_tool_rounds 0 none is offered",
          "[llm_pool][tools]") {
  tools_fixture t(fake_llm::flavor::ollama,
                  [](sb::config& c) { c.llm.max_tool_rounds = 0; });
  auto r = t.ask_model("Where is A123?");
  REQUIRE(r);
  REQUIRE(t.model().requests().size() == 1);
  CHECK_FALSE(offers(t.model().requests()[0], "lookup_order"));
  CHECK(r->tool_calls.empty());
}

TEST_CASE("tools: a tool's error is given to the model, which says sorry",
          "[llm_pool][tools]") {
  auto flavor = any_flavor();
  INFO(name_of(flavor));
  tools_fixture t(flavor);
  t.orders.set_mode(fake_mcp::mode::is_error);
  t.model().set_tool_calls_fn(look_up_once);
  t.model().set_reply_fn(answer_from_result);
  auto r = t.ask_model("Where is A123?");
  REQUIRE(r);
  CHECK(r->text == tool_failed_answer);
  REQUIRE(r->tool_calls.size() == 1);
  CHECK(r->tool_calls[0].result.empty());
  CHECK(r->tool_calls[0].error.find("order not found") != std::string::npos);
  auto results = tool_results(t.model().requests()[1]);
  REQUIRE(results.size() == 1);
  CHECK(results[0].content == "error: " + r->tool_calls[0].error);
}

TEST_CASE("tools: a hanging tool ends at llm.mcp_timeout_ms and the model "
          "answers",
          "[llm_pool][tools]") {
  tools_fixture t(fake_llm::flavor::openai,
                  [](sb::config& c) { c.llm.mcp_timeout_ms = 300; });
  t.orders.set_mode(fake_mcp::mode::hang);
  t.model().set_tool_calls_fn(look_up_once);
  t.model().set_reply_fn(answer_from_result);
  const auto start = steady::now();
  auto r = t.ask_model("Where is A123?");
  REQUIRE(r);
  CHECK(steady::now() - start < 5s);
  CHECK(r->text == tool_failed_answer);
  REQUIRE(r->tool_calls.size() == 1);
  CHECK(r->tool_calls[0].error == "timed out after 300 ms");
}

TEST_CASE("tools: a hanging tool is bounded by the turn's deadline",
          "[llm_pool][tools]") {
  tools_fixture t(fake_llm::flavor::ollama, [](sb::config& c) {
    c.llm.timeout_s = 1;
    c.llm.mcp_timeout_ms = 60000;
  });
  t.orders.set_mode(fake_mcp::mode::hang);
  t.model().set_tool_calls_fn(look_up_once);
  t.model().set_reply_fn(answer_from_result);
  const auto start = steady::now();
  auto r = t.ask_model("Where is A123?");
  REQUIRE_FALSE(r);
  CHECK(has_code(r.error(), errc::timed_out));
  CHECK(steady::now() - start < 5s);
  // The model was not asked again: no time was left for it.
  CHECK(t.model().requests().size() == 1);
}

TEST_CASE("tools: a call of a tool that was not offered is refused",
          "[llm_pool][tools]") {
  auto flavor = any_flavor();
  INFO(name_of(flavor));
  tools_fixture t(flavor);
  t.model().set_tool_calls_fn([](const fake_llm::request& r) {
    return tool_results(r).empty() ? calls{{"", "delete_everything", "{}"}}
                                   : calls{};
  });
  t.model().set_reply_fn(answer_from_result);
  auto r = t.ask_model("Delete everything.");
  REQUIRE(r);
  CHECK(r->text == tool_failed_answer);
  REQUIRE(r->tool_calls.size() == 1);
  CHECK(r->tool_calls[0].error == "unknown tool");
  CHECK(r->tool_calls[0].server.empty());
  CHECK(t.orders.requests_for("tools/call").empty());
}

TEST_CASE("tools: arguments that are not an object never reach the server",
          "[llm_pool][tools]") {
  // OpenAI sends the arguments as text, so a model can break them.
  tools_fixture t(fake_llm::flavor::openai);
  t.model().set_tool_calls_fn([](const fake_llm::request& r) {
    return tool_results(r).empty()
             ? calls{{"", "lookup_order", R"({"order_id": "A1)"}}
             : calls{};
  });
  t.model().set_reply_fn(answer_from_result);
  auto r = t.ask_model("Where is A1?");
  REQUIRE(r);
  REQUIRE(r->tool_calls.size() == 1);
  CHECK(r->tool_calls[0].error == "arguments are not a JSON object");
  CHECK(r->tool_calls[0].server == "orders");
  CHECK(t.orders.requests_for("tools/call").empty());
}

TEST_CASE("tools: the caller hears of the wait once, after the words before "
          "it, and every round's words reach it",
          "[llm_pool][tools]") {
  auto flavor = any_flavor();
  INFO(name_of(flavor));
  tools_fixture t(flavor);
  t.model().set_tool_calls_fn([](const fake_llm::request& r) {
    return tool_results(r).size() < 2 ? calls{lookup_call()} : calls{};
  });
  t.model().set_reply_fn([](const fake_llm::request& r) {
    switch (tool_results(r).size()) {
      case 0: return "Let me check.";
      case 1: return "";
      default: return "It has shipped.";
    }
  });
  auto mutex = std::make_shared<std::mutex>();
  auto events = std::make_shared<std::vector<std::string>>();
  sb::llm_stream stream{[=](std::string token) {
                          std::lock_guard<std::mutex> guard(*mutex);
                          events->push_back(token);
                        },
                        flag(),
                        [=] {
                          std::lock_guard<std::mutex> guard(*mutex);
                          events->push_back("<wait>");
                        }};
  auto r = t.ask_model("Where is A123?", stream);
  REQUIRE(r);
  CHECK(r->text == "Let me check. It has shipped.");
  CHECK(r->tool_calls.size() == 2);
  std::lock_guard<std::mutex> guard(*mutex);
  CHECK(*events
        == std::vector<std::string>{"Let", " me", " check.", "<wait>", " It",
                                    " has", " shipped."});
}

TEST_CASE("tools: a turn whose tool ran is not tried again elsewhere",
          "[llm_pool][tools]") {
  tools_fixture t(fake_llm::flavor::ollama, {}, 2);
  // Either endpoint: the first round calls the tool and every request
  // after it fails, as a model server that went down meanwhile.
  for (size_t i = 0; i < 2; ++i) {
    auto* model = &t.f.model(i);
    model->set_tool_calls_fn([model](const fake_llm::request& r) {
      model->set_mode(fake_llm::mode::http_500);
      return look_up_once(r);
    });
    model->set_reply("");
  }
  auto r = t.ask_model("Where is A123?");
  REQUIRE_FALSE(r);
  CHECK(t.orders.requests_for("tools/call").size() == 1);
  CHECK(t.f.requests_seen() == 2);
}
