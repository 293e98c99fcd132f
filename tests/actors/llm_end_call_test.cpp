// How the LLM pool decides that a real model's reply ends the call: the
// model's end_call tool (offered per request and per llm.end_call_tool,
// in both wire formats), the caller's words against llm.goodbye_words
// (never the scripted rules' keywords), and voice.goodbye_message for a
// model that hangs up without a word. On CAF's real scheduler against
// tests/fixtures/fake_llm, as the pool's other tests.
#include <memory>
#include <string>
#include <vector>

#include <caf/send.hpp>
#include <catch2/catch.hpp>

#include "llm_pool_fixture.hpp"

namespace {

using namespace sb::llm_test;
using sb::fake_llm;
using sb::llm_stream;

const std::string goodbye_message = sb::voice_config{}.goodbye_message;

// A stream that collects its tokens into `tokens`.
llm_stream collect(std::shared_ptr<std::vector<std::string>> tokens) {
  return {[tokens](std::string t) { tokens->push_back(std::move(t)); }, flag()};
}

} // namespace

TEST_CASE("end_call from the model ends the call, in either wire format",
          "[llm_pool][end_call]") {
  auto flavor = any_flavor();
  INFO(name_of(flavor));
  pool_fixture f{flavor};
  f.model().set_tool_call("end_call");
  SECTION("streamed, after its own goodbye") {
    f.model().set_reply("Goodbye, take care.");
    auto tokens = std::make_shared<std::vector<std::string>>();
    auto reply = ask(f.sys, f.pool, turn("that is all"), collect(tokens));
    INFO((reply ? "" : sb::what(reply.error())));
    REQUIRE(reply);
    CHECK(reply->end_call);
    CHECK_FALSE(reply->transfer);
    CHECK(reply->text == "Goodbye, take care.");
    CHECK(*tokens == fake_llm::split_tokens("Goodbye, take care."));
    auto requests = f.model().requests();
    REQUIRE(requests.size() == 1);
    CHECK(requests[0].tools == std::vector<std::string>{"end_call"});
  }
  SECTION("streamed, without a word: the goodbye message is the text") {
    f.model().set_reply("");
    auto tokens = std::make_shared<std::vector<std::string>>();
    auto reply = ask(f.sys, f.pool, turn("that is all"), collect(tokens));
    INFO((reply ? "" : sb::what(reply.error())));
    REQUIRE(reply);
    CHECK(reply->end_call);
    CHECK(reply->text == goodbye_message);
    CHECK(tokens->empty());
  }
  SECTION("streamed, with nothing speakable: the message follows the tokens") {
    f.model().set_reply("\xF0\x9F\x91\x8B"); // a waving hand
    auto tokens = std::make_shared<std::vector<std::string>>();
    auto reply = ask(f.sys, f.pool, turn("that is all"), collect(tokens));
    REQUIRE(reply);
    CHECK(reply->end_call);
    CHECK(reply->text == "\xF0\x9F\x91\x8B " + goodbye_message);
    CHECK(*tokens == std::vector<std::string>{"\xF0\x9F\x91\x8B"});
  }
  SECTION("generated, without a word") {
    f.model().set_reply("");
    auto reply = ask(f.sys, f.pool, turn("that is all"));
    INFO((reply ? "" : sb::what(reply.error())));
    REQUIRE(reply);
    CHECK(reply->end_call);
    CHECK(reply->text == goodbye_message);
  }
}

TEST_CASE("without end_call a plain reply goes on", "[llm_pool][end_call]") {
  pool_fixture f{fake_llm::flavor::openai};
  f.model().set_reply("Your order ships today.");
  auto reply = ask(f.sys, f.pool, turn("where is my order"));
  REQUIRE(reply);
  CHECK_FALSE(reply->end_call);
  CHECK(reply->text == "Your order ships today.");
}

TEST_CASE("the caller's goodbye words end the call after the reply",
          "[llm_pool][end_call]") {
  pool_fixture f{fake_llm::flavor::ollama};
  f.model().set_reply("Goodbye!");
  for (const char* words :
       {"ok thanks, BYE!", "ठीक है, अलविदा।", "अच्छा, फिर मिलेंगे", "Goodbye"}) {
    CAPTURE(words);
    auto reply = ask(f.sys, f.pool, turn(words),
                     collect(std::make_shared<std::vector<std::string>>()));
    REQUIRE(reply);
    CHECK(reply->end_call);
    // The model's words are said; nothing is added to them.
    CHECK(reply->text == "Goodbye!");
  }
  for (const char* words : {"maybe", "byeee", "turn left (बायाँ)"}) {
    CAPTURE(words);
    auto reply = ask(f.sys, f.pool, turn(words));
    REQUIRE(reply);
    CHECK_FALSE(reply->end_call);
  }
  // Only the caller's words count, not the model's or an older turn's.
  auto req = turn("bye");
  req.history.push_back({"assistant", "Sorry, say that again?"});
  f.model().set_reply("Goodbye!");
  auto answered = ask(f.sys, f.pool, req);
  REQUIRE(answered);
  CHECK_FALSE(answered->end_call);
}

TEST_CASE("llm.goodbye_words, not the scripted rules, decide for real models",
          "[llm_pool][end_call]") {
  SECTION("a list of its own") {
    pool_fixture f{fake_llm::flavor::ollama, 1, 1, [](sb::config& cfg) {
                     cfg.llm.goodbye_words = {"ciao", "that's all"};
                   }};
    auto ciao = ask(f.sys, f.pool, turn("Ciao!"));
    REQUIRE(ciao);
    CHECK(ciao->end_call);
    auto phrase = ask(f.sys, f.pool, turn("thanks, that's all"));
    REQUIRE(phrase);
    CHECK(phrase->end_call);
    // The built-in scripted goodbye rule's keywords no longer count.
    for (const char* words : {"bye", "goodbye", "अलविदा", "फिर मिलेंगे"}) {
      CAPTURE(words);
      auto reply = ask(f.sys, f.pool, turn(words));
      REQUIRE(reply);
      CHECK_FALSE(reply->end_call);
    }
  }
  SECTION("an empty list: only the model's tool ends the call") {
    pool_fixture f{fake_llm::flavor::openai, 1, 1,
                   [](sb::config& cfg) { cfg.llm.goodbye_words.clear(); }};
    auto words = ask(f.sys, f.pool, turn("goodbye"));
    REQUIRE(words);
    CHECK_FALSE(words->end_call);
    f.model().set_tool_call("end_call");
    auto tool = ask(f.sys, f.pool, turn("goodbye"));
    REQUIRE(tool);
    CHECK(tool->end_call);
  }
}

TEST_CASE("end_call is offered only where both request and config allow it",
          "[llm_pool][end_call]") {
  auto flavor = any_flavor();
  INFO(name_of(flavor));
  SECTION("llm.end_call_tool = false") {
    pool_fixture f{flavor, 1, 1,
                   [](sb::config& cfg) { cfg.llm.end_call_tool = false; }};
    f.model().set_tool_call("end_call");
    f.model().set_reply("Sure.");
    auto reply = ask(f.sys, f.pool, turn("that is all"));
    REQUIRE(reply);
    CHECK_FALSE(reply->end_call);
    CHECK(f.model().requests().at(0).tools.empty());
    // A call of a tool not offered is no answer at all.
    f.model().set_reply("");
    auto silent = ask(f.sys, f.pool, turn("that is all"));
    REQUIRE_FALSE(silent);
    CHECK(has_code(silent.error(), sb::errc::backend_failed));
  }
  SECTION("the request withholds it") {
    pool_fixture f{flavor};
    f.model().set_tool_call("end_call");
    auto req = turn("that is all", true);
    req.offer_end_call = false;
    auto reply = ask(f.sys, f.pool, req);
    REQUIRE(reply);
    CHECK_FALSE(reply->end_call);
    CHECK(f.model().requests().at(0).tools
          == std::vector<std::string>{"transfer_call"});
  }
}

TEST_CASE("a transfer needs no goodbye message", "[llm_pool][end_call]") {
  pool_fixture f{fake_llm::flavor::ollama};
  f.model().set_tool_call("transfer_call");
  f.model().set_reply("");
  // A goodbye word and a transfer: both intents reach the call actor
  // (which lets the transfer win), and no words are made up.
  auto reply = ask(f.sys, f.pool, turn("agent please, bye", true));
  INFO((reply ? "" : sb::what(reply.error())));
  REQUIRE(reply);
  CHECK(reply->transfer);
  CHECK(reply->end_call);
  CHECK(reply->text.empty());
}

TEST_CASE("the goodbye message follows a reload", "[llm_pool][end_call]") {
  pool_fixture f{fake_llm::flavor::openai};
  f.model().set_tool_call("end_call");
  f.model().set_reply("");
  auto cfg = std::make_shared<sb::config>();
  cfg->llm = sb::config{}.llm;
  cfg->llm.backend = "openai";
  cfg->llm.endpoints = {{f.model().base_url(), 0, 1}};
  cfg->voice.goodbye_message = "Bye for now.";
  caf::anon_send(f.pool, sb::reload_atom::value, sb::config_ptr{cfg});
  auto reply = ask(f.sys, f.pool, turn("that is all"));
  REQUIRE(reply);
  CHECK(reply->end_call);
  CHECK(reply->text == "Bye for now.");
}
