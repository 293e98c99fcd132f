// Tests of a call over ConversationRelay, at the call actor: the greeting
// hands the call to a session, prompts become turns whose replies are
// streamed to the session's proxy clause by clause as tokens arrive,
// interrupts stop the model and trim the stored reply, DTMF 0 and
// transfer intents end the session with a hand-off, and /voice/relay-done
// transfers, hangs up or reconnects. A stub proxy records what the call
// says; the store and its file are real; the scheduler is deterministic.
#include <string>
#include <vector>

#include "relay_fixture.hpp"

using namespace sb;
using namespace sb::testing;

namespace {

llm_reply long_answer() {
  return {"Sure, I can help with your order today. It ships on Monday. "
          "Anything else?",
          false, "stub-model"};
}

} // namespace

TEST_CASE_METHOD(relay_fixture,
                 "a prompt's reply is streamed clause by "
                 "clause and stored whole",
                 "[call][relay]") {
  auto call = open_call(llm_mode::answer, long_answer());
  auto ack = answer_of(call, prompt_event(peer_, "where is my order"));
  CHECK(ack.action == reply_action::ack);
  auto& texts = peer().texts;
  // A piece goes out as soon as it is complete; the end of the reply is
  // only known afterwards, so the cycle closes with an empty last frame.
  REQUIRE(texts.size() == 4);
  CHECK(texts[0]
        == std::pair<std::string, bool>{
          "Sure, I can help with your order today.", false});
  CHECK(texts[1]
        == std::pair<std::string, bool>{" It ships on Monday.", false});
  CHECK(texts[2] == std::pair<std::string, bool>{" Anything else?", false});
  CHECK(texts[3] == std::pair<std::string, bool>{"", true});
  auto stored_turns = turns();
  REQUIRE(stored_turns.size() == 2);
  CHECK(stored_turns[0].role == "user");
  CHECK(stored_turns[0].content == "where is my order");
  CHECK(stored_turns[1].role == "assistant");
  CHECK(stored_turns[1].content == long_answer().text);
  CHECK_FALSE(stored_turns[1].interrupted);
  CHECK(stored_turns[1].first_token_ms.has_value());
  CHECK(stored_turns[1].latency_ms.has_value());
  CHECK(stored_turns[1].model == "stub-model");
  // The model was asked with the caller's words last.
  REQUIRE(llm_requests().size() == 1);
  CHECK(llm_requests()[0].history.back().content == "where is my order");
}

TEST_CASE_METHOD(relay_fixture,
                 "tokens are spoken before the model has "
                 "finished",
                 "[call][relay]") {
  auto call = open_call(llm_mode::never, long_answer());
  answer_of(call, prompt_event(peer_, "hello"));
  auto& stream = state_of<stub_llm_state>(llm_).streams.at(0);
  for (auto token :
       {"Sure,", " I", " can", " help", " with", " your", " order", " today."})
    stream.on_token(token);
  sched_.run();
  REQUIRE(peer().texts.size() == 1);
  CHECK(peer().texts[0].first == "Sure, I can help with your order today.");
  CHECK_FALSE(peer().texts[0].second);
  // Nothing of the assistant is stored until the reply ends.
  CHECK(turns().size() == 1);
  caf::anon_send(llm_, release_atom::value);
  sched_.run();
  CHECK(peer().texts.back().second);
  CHECK(spoken() == long_answer().text);
  REQUIRE(turns().size() == 2);
  CHECK(turns()[1].content == long_answer().text);
}

TEST_CASE_METHOD(relay_fixture, "interim prompt pieces wait for the last one",
                 "[call][relay]") {
  auto call = open_call();
  answer_of(call, prompt_event(peer_, "I would like", false));
  CHECK(llm_requests().empty());
  answer_of(call, prompt_event(peer_, "to pay a bill", true));
  REQUIRE(llm_requests().size() == 1);
  CHECK(llm_requests()[0].history.back().content
        == "I would like to pay a bill");
}

TEST_CASE_METHOD(relay_fixture,
                 "an interrupt stops the model and stores what "
                 "the caller heard",
                 "[call][relay]") {
  auto call = open_call(llm_mode::never, long_answer());
  answer_of(call, prompt_event(peer_, "hello"));
  auto stream = state_of<stub_llm_state>(llm_).streams.at(0);
  for (auto token : {"Sure,", " I", " can", " help", " with", " your", " order",
                     " today.", " It"})
    stream.on_token(token);
  sched_.run();
  answer_of(call, relay_event(event_kind::relay_interrupt, peer_,
                              {{"UtteranceUntilInterrupt", "Sure, I can help"},
                               {"DurationUntilInterruptMs", "900"}}));
  CHECK(stream.cancel->load());
  // The talk cycle is closed with an empty last frame.
  CHECK(peer().texts.back() == std::pair<std::string, bool>{"", true});
  auto before = peer().texts.size();
  // Tokens still on their way, and the model's late reply, change nothing.
  stream.on_token(" ships.");
  caf::anon_send(llm_, release_atom::value);
  sched_.run();
  CHECK(peer().texts.size() == before);
  auto stored_turns = turns();
  REQUIRE(stored_turns.size() == 2);
  CHECK(stored_turns[1].content == "Sure, I can help");
  CHECK(stored_turns[1].interrupted);
  // The next prompt sees the trimmed reply in its history.
  answer_of(call, prompt_event(peer_, "stop"));
  auto& history = llm_requests().back().history;
  REQUIRE(history.size() >= 2);
  CHECK(history[history.size() - 2].content == "Sure, I can help");
}

TEST_CASE_METHOD(relay_fixture,
                 "an interrupt after the reply was complete "
                 "trims the stored turn",
                 "[call][relay]") {
  auto call = open_call(llm_mode::answer, long_answer());
  answer_of(call, prompt_event(peer_, "hello"));
  REQUIRE(turns().size() == 2);
  answer_of(call, relay_event(event_kind::relay_interrupt, peer_,
                              {{"UtteranceUntilInterrupt", "Sure, I can"}}));
  auto stored_turns = turns();
  REQUIRE(stored_turns.size() == 2);
  CHECK(stored_turns[1].content == "Sure, I can");
  CHECK(stored_turns[1].interrupted);
  CHECK(stored_turns[1].seq == 2);
}

TEST_CASE_METHOD(relay_fixture,
                 "a goodbye ends the session, and relay-done "
                 "hangs up",
                 "[call][relay]") {
  auto call = open_call(llm_mode::answer, stub_answer(true));
  answer_of(call, prompt_event(peer_, "bye"));
  REQUIRE(peer().ends.size() == 1);
  CHECK(peer().ends[0] == R"({"reason":"goodbye"})");
  auto done = answer_of(call,
                        relay_done_event({{"SessionStatus", "ended"},
                                          {"HandoffData", peer().ends[0]}}));
  CHECK(done.action == reply_action::hangup);
}

TEST_CASE_METHOD(relay_fixture,
                 "a transfer intent hands the caller to "
                 "voice.transfer_number",
                 "[call][relay]") {
  cfg_->voice.transfer_number = "+15550009999";
  auto answer = stub_answer();
  answer.transfer = true;
  auto call = open_call(llm_mode::answer, answer);
  answer_of(call, prompt_event(peer_, "a human please"));
  REQUIRE(llm_requests().size() == 1);
  CHECK(llm_requests()[0].offer_transfer);
  REQUIRE(peer().ends.size() == 1);
  CHECK(peer().ends[0] == R"({"reason":"transfer"})");
  auto done = answer_of(call,
                        relay_done_event({{"SessionStatus", "ended"},
                                          {"HandoffData", peer().ends[0]}}));
  CHECK(done.action == reply_action::transfer);
  CHECK(done.dial_to == "+15550009999");
  CHECK(done.text == cfg_->voice.transfer_message);
  CHECK(stored(call_sid).call.end_reason == "transferred");
}

TEST_CASE_METHOD(relay_fixture,
                 "without a transfer number a transfer intent "
                 "is only words",
                 "[call][relay]") {
  auto answer = stub_answer();
  answer.transfer = true;
  auto call = open_call(llm_mode::answer, answer);
  answer_of(call, prompt_event(peer_, "a human please"));
  CHECK_FALSE(llm_requests()[0].offer_transfer);
  CHECK(peer().ends.empty());
  CHECK(peer().texts.back().second);
}

TEST_CASE_METHOD(relay_fixture, "DTMF 0 asks for a person when there is one",
                 "[call][relay]") {
  cfg_->voice.transfer_number = "+15550009999";
  auto call = open_call();
  answer_of(call, relay_event(event_kind::relay_dtmf, peer_, {{"Digit", "5"}}));
  CHECK(peer().ends.empty());
  answer_of(call, relay_event(event_kind::relay_dtmf, peer_, {{"Digit", "0"}}));
  REQUIRE(peer().ends.size() == 1);
  CHECK(peer().ends[0] == R"({"reason":"transfer"})");
  // Both key presses are in the event log.
  CHECK(rows("events") == 4);
}

TEST_CASE_METHOD(relay_fixture,
                 "a failed session reconnects to the same "
                 "conversation, up to max_reconnects",
                 "[call][relay]") {
  cfg_->relay.max_reconnects = 2;
  auto call = open_call();
  answer_of(call, prompt_event(peer_, "hello"));
  answer_of(call, relay_event(event_kind::relay_closed, peer_,
                              {{"Reason", "closed by peer (code 1006)"}}));
  for (int i = 0; i < 2; ++i) {
    auto done = answer_of(call,
                          relay_done_event({{"SessionStatus", "failed"}}));
    CHECK(done.action == reply_action::relay);
    CHECK(done.text.empty()); // no second greeting
  }
  auto last = answer_of(call, relay_done_event({{"SessionStatus", "failed"}}));
  CHECK(last.action == reply_action::hangup);
  CHECK(last.text == cfg_->voice.apology);
  // A new session picks up the same history.
  auto other = track(sys_.spawn(stub_peer));
  answer_of(call, relay_event(event_kind::relay_open, other));
  answer_of(call, relay_event(event_kind::relay_prompt, other,
                              {{"VoicePrompt", "again"}, {"Last", "true"}}));
  auto& history = llm_requests().back().history;
  REQUIRE(history.size() == 3);
  CHECK(history[0].content == "hello");
  CHECK(history[2].content == "again");
}

TEST_CASE_METHOD(relay_fixture,
                 "a drop mid-reply stores what was spoken as "
                 "interrupted",
                 "[call][relay]") {
  auto call = open_call(llm_mode::never, long_answer());
  answer_of(call, prompt_event(peer_, "hello"));
  auto stream = state_of<stub_llm_state>(llm_).streams.at(0);
  for (auto token : {"Sure,", " I", " can", " help", " with", " your", " order",
                     " today.", " It"})
    stream.on_token(token);
  sched_.run();
  answer_of(call, relay_event(event_kind::relay_closed, peer_,
                              {{"Reason", "read: connection reset"}}));
  CHECK(stream.cancel->load());
  auto stored_turns = turns();
  REQUIRE(stored_turns.size() == 2);
  CHECK(stored_turns[1].content == "Sure, I can help with your order today.");
  CHECK(stored_turns[1].interrupted);
}

TEST_CASE_METHOD(relay_fixture,
                 "the caller hanging up ends the session "
                 "without a reconnect",
                 "[call][relay]") {
  auto call = open_call();
  auto done = answer_of(call,
                        relay_done_event({{"SessionStatus", "completed"}}));
  CHECK(done.action == reply_action::hangup);
  CHECK(done.text.empty());
}

TEST_CASE_METHOD(relay_fixture,
                 "frames for an ended call are answered with "
                 "hangup so the proxy closes",
                 "[call][relay]") {
  auto call = open_call();
  answer_of(call, status_event(call_sid, "completed"));
  auto reply = answer_of(call, prompt_event(peer_, "hello?"));
  CHECK(reply.action == reply_action::hangup);
  CHECK(llm_requests().empty());
}

TEST_CASE_METHOD(relay_fixture, "a failing model is answered with the apology",
                 "[call][relay]") {
  auto call = open_call(llm_mode::fail);
  answer_of(call, prompt_event(peer_, "hello"));
  REQUIRE_FALSE(peer().texts.empty());
  CHECK(peer().texts.back().second);
  CHECK(spoken() == cfg_->voice.apology);
  CHECK(turns().back().model == "apology");
}

TEST_CASE_METHOD(relay_fixture,
                 "an open session keeps a silent call from "
                 "going idle",
                 "[call][relay]") {
  cfg_->limits.call_idle_timeout_s = 1;
  auto call = open_call();
  sched_.advance_time(std::chrono::seconds(5));
  caf::anon_send(call, idle_atom::value, uint64_t{0});
  sched_.run();
  CHECK(release_requests().empty());
  answer_of(call, relay_event(event_kind::relay_closed, peer_));
  sched_.advance_time(std::chrono::seconds(5));
  caf::anon_send(call, idle_atom::value, uint64_t{0});
  sched_.run();
  CHECK(release_requests().size() == 1);
}

TEST_CASE_METHOD(relay_fixture,
                 "the call follows the language Twilio heard "
                 "the caller in",
                 "[call][relay]") {
  auto call = open_call();
  answer_of(call, relay_event(event_kind::relay_prompt, peer_,
                              {{"VoicePrompt", "namaste"}, {"Lang", "hi-IN"}}));
  CHECK(peer().languages.empty());               // the call's own language
  answer_of(call, prompt_event(peer_, "hello")); // Lang en-US
  REQUIRE(peer().languages == std::vector<std::string>{"en-US"});
  CHECK(stored(call_sid).call.language == "en-US");
  CHECK(llm_requests().back().language == "en-US");
  // Anything but a language tag changes nothing.
  answer_of(call, relay_event(event_kind::relay_prompt, peer_,
                              {{"VoicePrompt", "x"}, {"Lang", "en\"><x"}}));
  CHECK(peer().languages.size() == 1);
  CHECK(stored(call_sid).call.language == "en-US");
}
