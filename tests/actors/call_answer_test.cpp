// Who answers Twilio (actors/call.hpp): a call's answer leaves from the
// call actor only once the store has answered the writes sent before it,
// so Twilio never hears of anything that is not yet on disk; a retry gets
// the first answer; the ingress answers only what it turns away.
#include <memory>
#include <string>

#include <caf/send.hpp>

#include "call_fixture.hpp"

using namespace sb;
using namespace sb::testing;

namespace {

// A promise that notes, when it is delivered, how many rows `table` has on
// disk (through the fixture's second connection).
struct counted_answer {
  std::shared_ptr<promise_result<voice_reply>> out =
    std::make_shared<promise_result<voice_reply>>();
  std::shared_ptr<int64_t> rows_then = std::make_shared<int64_t>(-1);
};

} // namespace

class answer_fixture : public call_fixture {
protected:
  counted_answer send_counting(const call_actor& call, call_event ev,
                               const std::string& table) {
    counted_answer c;
    voice_reply_promise promise{[this, c, table](voice_reply r) {
                                  *c.rows_then = rows(table);
                                  c.out->value = std::move(r);
                                },
                                [c] { c.out->dropped = true; }};
    caf::anon_send(call, event_atom::value, std::move(ev), std::move(promise));
    return c;
  }
};

TEST_CASE_METHOD(answer_fixture,
                 "a webhook's answer leaves only once its "
                 "event is committed",
                 "[call][answer]") {
  auto call = start_call();
  auto greeting = send_counting(call, inbound_event(call_sid), "events");
  sched_.run();
  REQUIRE(greeting.out->fired());
  CHECK(greeting.out->value->action == reply_action::listen);
  CHECK(*greeting.rows_then == 1);
}

TEST_CASE_METHOD(answer_fixture,
                 "a turn's answer leaves only once the "
                 "caller's words and the reply are committed",
                 "[call][answer]") {
  auto call = start_call();
  answer_of(call, inbound_event(call_sid));
  auto reply = send_counting(call, speech_event(call_sid, "hello"), "turns");
  sched_.run();
  REQUIRE(reply.out->fired());
  CHECK(reply.out->value->text == stub_answer().text);
  CHECK(*reply.rows_then == 2);
}

TEST_CASE_METHOD(answer_fixture,
                 "the answer waits while the store has not "
                 "answered, however the scheduler interleaves",
                 "[call][answer]") {
  auto call = start_call();
  answer_of(call, inbound_event(call_sid));
  auto events_before = rows("events");
  auto out = send_webhook(call, status_event(call_sid, "in-progress"));
  // One message at a time: until the event's row is on disk, no answer.
  bool seen_unanswered_write = false;
  while (!out->fired() && sched_.try_run_once())
    if (!out->fired() && rows("events") == events_before)
      seen_unanswered_write = true;
  REQUIRE(out->fired());
  CHECK(seen_unanswered_write);
  CHECK(rows("events") == events_before + 1);
  CHECK(out->value->action == reply_action::ack);
}

TEST_CASE_METHOD(answer_fixture,
                 "a retry gets the first answer, after the "
                 "first one's commit, and stores nothing more",
                 "[call][answer]") {
  auto call = start_call();
  answer_of(call, inbound_event(call_sid));
  auto speech = speech_event(call_sid, "what are your hours");
  speech.idempotency_token = "tok-1";
  auto retry = speech;
  auto first = send_counting(call, std::move(speech), "turns");
  auto second = send_counting(call, std::move(retry), "turns");
  sched_.run();
  REQUIRE(first.out->fired());
  REQUIRE(second.out->fired());
  CHECK(second.out->value->text == first.out->value->text);
  CHECK(*first.rows_then == 2);
  CHECK(*second.rows_then == 2);
  CHECK(rows("turns") == 2);
  CHECK(llm_requests().size() == 1);
}
