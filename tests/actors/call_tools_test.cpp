// Tests of a call whose model calls MCP tools, at the call actor: over
// ConversationRelay the caller hears voice.filler once, as a text frame of
// its own ahead of the answer (after any of the model's words waiting to be
// said), the stored turn is the model's answer without it, an interrupt
// trims it out of what the caller heard, and a model that fails after the
// filler still ends in the apology; over <Gather> and relay the assistant
// turn carries the model's tool calls. A stub LLM plays the pool (its
// stream's on_tool_wait called by the test); the store is real; the
// scheduler is deterministic.
#include <string>
#include <vector>

#include "relay_fixture.hpp"
#include "tests/support/tool_call_rows.hpp"

using namespace sb;
using namespace sb::testing;

namespace {

using frame = std::pair<std::string, bool>;

// The model's answer after it looked the order up.
llm_reply shipped() {
  llm_reply r;
  r.text = "Your order has shipped.";
  r.model = "stub-model";
  r.tool_calls = {sb::test::answered_call(
    1, 1, "lookup_order", R"({"order_id":"A123"})", "Order shipped", 12)};
  return r;
}

class tools_fixture : public relay_fixture {
protected:
  tools_fixture() {
    cfg_->voice.filler = "One moment please.";
  }

  // A relay call whose model holds every request until released.
  call_actor open_relay_call() {
    return open_call(llm_mode::never, shipped());
  }

  void prompt(const call_actor& call, const std::string& words) {
    answer_of(call, prompt_event(peer_, words));
  }

  // The model's side of the reply in flight.
  llm_stream& stream() {
    return state_of<stub_llm_state>(llm_).streams.at(0);
  }

  void tokens(std::initializer_list<const char*> ts) {
    for (auto t : ts)
      stream().on_token(t);
    sched_.run();
  }

  void tool_wait() {
    stream().on_tool_wait();
    sched_.run();
  }

  void release() {
    caf::anon_send(llm_, release_atom::value);
    sched_.run();
  }

  std::vector<frame>& texts() {
    return peer().texts;
  }
};

} // namespace

TEST_CASE_METHOD(tools_fixture,
                 "relay: the filler is said once while a tool runs, then the "
                 "answer, and the turn stores the answer and its tool calls",
                 "[call][relay][tools]") {
  auto call = open_relay_call();
  prompt(call, "where is my order");
  tool_wait();
  tool_wait(); // a second round's wait says nothing more
  REQUIRE(texts() == std::vector<frame>{{"One moment please.", false}});
  tokens({"Your", " order", " has", " shipped."});
  release();
  CHECK(texts()
        == std::vector<frame>{{"One moment please.", false},
                              {" Your order has shipped.", false},
                              {"", true}});
  auto turns = held_turns(call);
  REQUIRE(turns.size() == 2);
  CHECK(turns[1].content == "Your order has shipped.");
  REQUIRE(turns[1].tool_calls.size() == 1);
  CHECK(turns[1].tool_calls[0].name == "lookup_order");
  CHECK(turns[1].tool_calls[0].result == "Order shipped");
  CHECK(stored(call_sid).turns.at(1).content == "Your order has shipped.");
}

TEST_CASE_METHOD(tools_fixture,
                 "relay: the model's words before the tool go out before the "
                 "filler",
                 "[call][relay][tools]") {
  auto call = open_relay_call();
  prompt(call, "where is my order");
  tokens({"Let", " me", " check"}); // no clause end yet: waiting
  CHECK(texts().empty());
  tool_wait();
  CHECK(texts()
        == std::vector<frame>{{"Let me check", false},
                              {" One moment please.", false}});
}

TEST_CASE_METHOD(tools_fixture,
                 "relay: an interrupt after the filler stores what the caller "
                 "heard of the answer",
                 "[call][relay][tools]") {
  auto call = open_relay_call();
  prompt(call, "where is my order");
  tool_wait();
  tokens({"Your", " order", " has", " shipped."});
  answer_of(call, relay_event(event_kind::relay_interrupt, peer_,
                              {{"UtteranceUntilInterrupt",
                                "One moment please. Your order"},
                               {"DurationUntilInterruptMs", "900"}}));
  auto turns = stored(call_sid).turns;
  REQUIRE(turns.size() == 2);
  CHECK(turns[1].content == "Your order");
  CHECK(turns[1].interrupted);
}

TEST_CASE_METHOD(tools_fixture,
                 "relay: a model that fails after the filler ends in the "
                 "apology",
                 "[call][relay][tools]") {
  auto call = open_relay_call();
  prompt(call, "where is my order");
  tool_wait();
  // The held request fails, as the pool answers a model that failed.
  caf::anon_send(llm_, release_atom::value, std::string{"empty reply"});
  sched_.run();
  REQUIRE(texts().size() >= 3);
  CHECK(texts().front() == frame{"One moment please.", false});
  std::string said;
  for (size_t i = 1; i < texts().size(); ++i)
    said += texts()[i].first;
  CHECK(said == " " + cfg_->voice.apology);
  CHECK(texts().back().second);
  CHECK(stored(call_sid).turns.at(1).model == "apology");
}

TEST_CASE_METHOD(call_fixture,
                 "gather: the assistant turn carries the model's tool calls",
                 "[call][tools]") {
  auto call = start_call(llm_mode::answer, shipped());
  answer_of(call, inbound_event(call_sid));
  auto reply = answer_of(call, speech_event(call_sid, "where is my order"));
  CHECK(reply.text == "Your order has shipped.");
  auto turns = held_turns(call);
  REQUIRE(turns.size() == 2);
  REQUIRE(turns[1].tool_calls.size() == 1);
  CHECK(turns[1].tool_calls[0].server == "orders");
  CHECK(turns[1].tool_calls[0].ms == 12);
}
