// Tests of a call actor's conversation: the greeting, speech turns and the
// rows they leave, the turn deadline, LLM failures, silence and goodbyes.
// Each drives one call actor with webhooks, against the real store and a
// stub LLM, on the deterministic scheduler.
#include <chrono>

#include "call_fixture.hpp"

using namespace sb;
using namespace sb::testing;

namespace {

std::chrono::milliseconds ms(int n) {
  return std::chrono::milliseconds(n);
}

} // namespace

TEST_CASE_METHOD(call_fixture,
                 "an inbound call is greeted once its webhook "
                 "is stored",
                 "[call]") {
  auto call = start_call();
  auto reply = send_webhook(call, inbound_event(call_sid));
  // One message at a time: the moment Twilio could hear back, the event
  // and the call row must already be committed.
  REQUIRE(step_until([&] { return reply->fired(); }));
  CHECK(rows("events") == 1);
  auto row = stored(call_sid).call;
  CHECK(row.direction == "inbound");
  CHECK(row.from_number == "+15550001111");
  CHECK(row.status == "ringing");
  CHECK(reply->value->action == reply_action::listen);
  CHECK(reply->value->text == cfg_->voice.greeting);
  CHECK(reply->value->language == cfg_->voice.language);
  CHECK(reply->value->voice == cfg_->voice.voice);
}

TEST_CASE_METHOD(call_fixture,
                 "the caller's words and the answer are stored "
                 "as turns 1 and 2",
                 "[call]") {
  auto call = start_call();
  answer_of(call, inbound_event(call_sid));
  auto reply = answer_of(call, speech_event(call_sid, "  hello there "));
  CHECK(reply.action == reply_action::listen);
  CHECK(reply.text == stub_answer().text);
  auto turns = stored(call_sid).turns;
  REQUIRE(turns.size() == 2);
  CHECK(turns[0].seq == 1);
  CHECK(turns[0].role == "user");
  CHECK(turns[0].content == "hello there");
  CHECK(turns[0].confidence == 0.9);
  CHECK(turns[1].seq == 2);
  CHECK(turns[1].role == "assistant");
  CHECK(turns[1].content == stub_answer().text);
  CHECK(turns[1].model == "stub-model");
  REQUIRE(turns[1].latency_ms.has_value());
  CHECK(*turns[1].latency_ms >= 0);
  REQUIRE(llm_requests().size() == 1);
  CHECK(llm_requests()[0].caller == "+15550001111");
  CHECK(llm_requests()[0].history.back().content == "hello there");
}

TEST_CASE_METHOD(call_fixture,
                 "a slow LLM: a filler at the deadline, then "
                 "its answer through /voice/await",
                 "[call]") {
  auto call = start_call(llm_mode::never);
  answer_of(call, inbound_event(call_sid));
  auto reply = send_webhook(call, speech_event(call_sid, "hello"));
  sched_.run();
  sched_.advance_time(ms(cfg_->limits.webhook_deadline_ms - 1));
  sched_.run();
  CHECK_FALSE(reply->fired());
  sched_.advance_time(ms(1));
  sched_.run();
  REQUIRE(reply->fired());
  CHECK(reply->value->action == reply_action::wait);
  CHECK(reply->value->text == cfg_->voice.filler);
  auto turn = reply->value->await_turn;
  // The answer is ready while Twilio is away; the next /voice/await gets it.
  caf::anon_send(llm_, release_atom::value);
  sched_.run();
  auto answer = answer_of(call, await_event(call_sid, turn));
  CHECK(answer.action == reply_action::listen);
  CHECK(answer.text == stub_answer().text);
  CHECK(stored(call_sid).turns.at(1).model == "stub-model");
}

TEST_CASE_METHOD(call_fixture,
                 "an LLM that never answers: apology after the "
                 "last redirect, late answer dropped",
                 "[call]") {
  auto call = start_call(llm_mode::never);
  answer_of(call, inbound_event(call_sid));
  auto reply = send_webhook(call, speech_event(call_sid, "hello"));
  auto deadline = ms(cfg_->limits.webhook_deadline_ms);
  for (int i = 0; i < cfg_->limits.max_await_redirects; ++i) {
    sched_.run();
    sched_.advance_time(deadline);
    sched_.run();
    REQUIRE(reply->fired());
    REQUIRE(reply->value->action == reply_action::wait);
    reply = send_webhook(call, await_event(call_sid, reply->value->await_turn));
  }
  sched_.run();
  sched_.advance_time(deadline);
  sched_.run();
  REQUIRE(reply->fired());
  CHECK(reply->value->action == reply_action::listen);
  CHECK(reply->value->text == cfg_->voice.apology);
  auto turns = stored(call_sid).turns;
  REQUIRE(turns.size() == 2);
  CHECK(turns[1].model == "deadline");
  CHECK(turns[1].content == cfg_->voice.apology);
  // The model answers after all; nobody waits for it any more.
  caf::anon_send(llm_, release_atom::value);
  sched_.run();
  CHECK(stored(call_sid).turns.size() == 2);
}

TEST_CASE_METHOD(call_fixture,
                 "an LLM failure is answered with the apology "
                 "and the call goes on",
                 "[call]") {
  auto call = start_call(llm_mode::fail);
  answer_of(call, inbound_event(call_sid));
  auto first = answer_of(call, speech_event(call_sid, "hello"));
  CHECK(first.action == reply_action::listen);
  CHECK(first.text == cfg_->voice.apology);
  CHECK(stored(call_sid).turns.at(1).model == "apology");
  auto second = answer_of(call, speech_event(call_sid, "hello again"));
  CHECK(second.action == reply_action::listen);
  CHECK(stored(call_sid).turns.size() == 4);
  CHECK(stored(call_sid).call.ended_at.empty());
  CHECK(release_requests().empty());
}

TEST_CASE_METHOD(call_fixture,
                 "silence is re-prompted until one prompt too "
                 "many hangs up",
                 "[call]") {
  auto call = start_call();
  answer_of(call, inbound_event(call_sid));
  for (int i = 0; i < cfg_->voice.max_silent_prompts; ++i) {
    auto reply = answer_of(call, speech_event(call_sid, " "));
    CHECK(reply.action == reply_action::listen);
    CHECK(reply.text == cfg_->voice.reprompt);
  }
  auto last = answer_of(call, speech_event(call_sid, ""));
  CHECK(last.action == reply_action::hangup);
  CHECK(last.text == cfg_->voice.silence_goodbye);
  CHECK(stored(call_sid).turns.empty());
  CHECK(llm_requests().empty());
  CHECK(rows("events") == 1 + cfg_->voice.max_silent_prompts + 1);
}

TEST_CASE_METHOD(call_fixture, "words between silences restart the count",
                 "[call]") {
  auto call = start_call();
  answer_of(call, inbound_event(call_sid));
  for (int i = 0; i < cfg_->voice.max_silent_prompts; ++i)
    answer_of(call, speech_event(call_sid, ""));
  answer_of(call, speech_event(call_sid, "still here"));
  auto reply = answer_of(call, speech_event(call_sid, ""));
  CHECK(reply.action == reply_action::listen);
  CHECK(reply.text == cfg_->voice.reprompt);
}

TEST_CASE_METHOD(call_fixture,
                 "a goodbye from the LLM is said, then the "
                 "call hangs up",
                 "[call]") {
  auto call = start_call(llm_mode::answer, stub_answer(true));
  answer_of(call, inbound_event(call_sid));
  auto reply = answer_of(call, speech_event(call_sid, "bye"));
  CHECK(reply.action == reply_action::hangup);
  CHECK(reply.text == stub_answer().text);
  CHECK(stored(call_sid).turns.size() == 2);
}

TEST_CASE_METHOD(call_fixture,
                 "over <Gather> a transfer intent dials "
                 "voice.transfer_number after the reply",
                 "[call]") {
  cfg_->voice.transfer_number = "+15550009999";
  auto answer = stub_answer();
  answer.transfer = true;
  auto call = start_call(llm_mode::answer, answer);
  answer_of(call, inbound_event(call_sid));
  auto reply = answer_of(call, speech_event(call_sid, "a human please"));
  CHECK(reply.action == reply_action::transfer);
  CHECK(reply.dial_to == "+15550009999");
  CHECK(reply.text == answer.text);
  REQUIRE(llm_requests().size() == 1);
  CHECK(llm_requests()[0].offer_transfer);
  answer_of(call, status_event(call_sid, "completed"));
  CHECK(stored(call_sid).call.end_reason == "transferred");
}

TEST_CASE_METHOD(call_fixture,
                 "without voice.transfer_number a transfer "
                 "intent is only words",
                 "[call]") {
  auto answer = stub_answer();
  answer.transfer = true;
  auto call = start_call(llm_mode::answer, answer);
  answer_of(call, inbound_event(call_sid));
  auto reply = answer_of(call, speech_event(call_sid, "a human please"));
  CHECK(reply.action == reply_action::listen);
  CHECK_FALSE(llm_requests()[0].offer_transfer);
}
