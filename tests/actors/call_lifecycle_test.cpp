// Tests of a call actor's life around the conversation: status callbacks
// (ordering, the terminal status, release), the idle timer, a call rebuilt
// after it ended, and answering machines (synchronous and asynchronous
// AMD). Each drives one call actor against the real store and stub
// collaborators, on the deterministic scheduler.
#include <chrono>

#include "call_fixture.hpp"

using namespace sb;
using namespace sb::testing;

namespace {

stored_call outbound_call() {
  stored_call initial;
  initial.call.call_sid = call_sid;
  initial.call.direction = "outbound-api";
  initial.call.status = "queued";
  return initial;
}

call_event answered_event(form_params more = {}) {
  more.insert(more.begin(), {"CallStatus", "in-progress"});
  return make_event(event_kind::outbound, call_sid, std::move(more));
}

} // namespace

TEST_CASE_METHOD(call_fixture,
                 "a terminal status is stored, acknowledged, "
                 "then the call asks to be released",
                 "[call]") {
  auto call = start_call();
  answer_of(call, inbound_event(call_sid));
  auto reply = send_webhook(
    call, status_event(call_sid, "completed",
                       {{"CallDuration", "42"}, {"SequenceNumber", "3"}}));
  // The ingress may forget the call only once its end is on disk.
  REQUIRE(step_until([&] { return !release_requests().empty(); }));
  auto row = stored(call_sid).call;
  CHECK(row.status == "completed");
  CHECK_FALSE(row.ended_at.empty());
  CHECK(row.duration_s == 42);
  CHECK(row.end_reason == "completed");
  CHECK(release_requests() == std::vector<std::string>{call_sid});
  REQUIRE(reply->fired());
  CHECK(reply->value->action == reply_action::ack);
}

TEST_CASE_METHOD(call_fixture, "ringing after completed changes nothing",
                 "[call]") {
  auto call = start_call();
  answer_of(call, inbound_event(call_sid));
  answer_of(call, status_event(call_sid, "completed"));
  auto late = answer_of(call, status_event(call_sid, "ringing"));
  CHECK(late.action == reply_action::ack);
  CHECK(stored(call_sid).call.status == "completed");
  CHECK(rows("events") == 3);
}

TEST_CASE_METHOD(call_fixture,
                 "a callback with an older SequenceNumber is "
                 "stored but ignored",
                 "[call]") {
  auto call = start_call();
  answer_of(call, inbound_event(call_sid));
  answer_of(call, status_event(call_sid, "ringing", {{"SequenceNumber", "2"}}));
  // in-progress ranks above ringing, so only the sequence check keeps it out.
  auto reply = answer_of(call, status_event(call_sid, "in-progress",
                                            {{"SequenceNumber", "1"}}));
  CHECK(reply.action == reply_action::ack);
  auto row = stored(call_sid).call;
  CHECK(row.status == "ringing");
  CHECK(row.answered_at.empty());
  CHECK(rows("events") == 3);
}

TEST_CASE_METHOD(call_fixture, "a call idle for call_idle_timeout_s is ended",
                 "[call]") {
  auto call = start_call();
  answer_of(call, inbound_event(call_sid));
  auto idle = std::chrono::seconds(cfg_->limits.call_idle_timeout_s);
  // The ingress's sweep asks; here the test asks in its place.
  sched_.advance_time(idle - std::chrono::seconds(1));
  caf::anon_send(call, idle_atom::value, uint64_t{0});
  sched_.run();
  CHECK(release_requests().empty());
  sched_.advance_time(std::chrono::seconds(1));
  caf::anon_send(call, idle_atom::value, uint64_t{0});
  sched_.run();
  CHECK(release_requests() == std::vector<std::string>{call_sid});
  auto row = stored(call_sid).call;
  CHECK(row.end_reason == "idle-timeout");
  CHECK_FALSE(row.ended_at.empty());
}

TEST_CASE_METHOD(call_fixture,
                 "a call is not idled out while Twilio waits "
                 "for its answer",
                 "[call]") {
  cfg_->limits.call_idle_timeout_s = 1; // shorter than the turn deadline
  auto call = start_call(llm_mode::never);
  answer_of(call, inbound_event(call_sid));
  auto reply = send_webhook(call, speech_event(call_sid, "hello"));
  sched_.run();
  sched_.advance_time(std::chrono::seconds(1));
  caf::anon_send(call, idle_atom::value, uint64_t{0});
  sched_.run();
  CHECK(release_requests().empty());
  caf::anon_send(llm_, release_atom::value);
  sched_.run();
  REQUIRE(reply->fired());
  CHECK(reply->value->action == reply_action::listen);
  CHECK(reply->value->text == stub_answer().text);
}

TEST_CASE_METHOD(call_fixture,
                 "a call left waiting for /voice/await still "
                 "idles out",
                 "[call]") {
  auto call = start_call(llm_mode::never);
  answer_of(call, inbound_event(call_sid));
  auto reply = send_webhook(call, speech_event(call_sid, "hello"));
  sched_.run();
  sched_.advance_time(
    std::chrono::milliseconds(cfg_->limits.webhook_deadline_ms));
  sched_.run();
  REQUIRE(reply->fired());
  REQUIRE(reply->value->action == reply_action::wait);
  // Twilio never comes back for the turn (the caller hung up and the
  // status callback was lost): the idle timer is all that ends the call.
  sched_.advance_time(std::chrono::seconds(cfg_->limits.call_idle_timeout_s));
  caf::anon_send(call, idle_atom::value, uint64_t{0});
  sched_.run();
  CHECK(release_requests() == std::vector<std::string>{call_sid});
  CHECK(stored(call_sid).call.end_reason == "idle-timeout");
}

TEST_CASE_METHOD(call_fixture,
                 "a call rebuilt as finished answers late "
                 "webhooks and asks to be released",
                 "[call]") {
  stored_call finished;
  finished.call.call_sid = call_sid;
  finished.call.status = "completed";
  finished.call.ended_at = "2026-01-01T00:00:00.000Z";
  finished.call.end_reason = "completed";
  auto call = start_call_from(finished);
  SECTION("a speech result is hung up on") {
    auto reply = answer_of(call, speech_event(call_sid, "hello?"));
    CHECK(reply.action == reply_action::hangup);
    CHECK(reply.text.empty());
    CHECK(llm_requests().empty());
  }
  SECTION("a status callback is acknowledged") {
    auto reply = answer_of(call, status_event(call_sid, "completed"));
    CHECK(reply.action == reply_action::ack);
  }
  CHECK(release_requests() == std::vector<std::string>{call_sid});
  CHECK(stored(call_sid).call.end_reason == "completed");
}

TEST_CASE_METHOD(call_fixture,
                 "an answering machine hears the machine "
                 "message once",
                 "[call]") {
  auto call = start_call_from(outbound_call());
  auto machine = form_params{{"AnsweredBy", "machine_end_beep"}};
  auto first = answer_of(call, answered_event(machine));
  CHECK(first.action == reply_action::hangup);
  CHECK(first.text == cfg_->voice.machine_message);
  // Twilio asking again (a retry) must not play the message twice.
  auto second = answer_of(call, answered_event(machine));
  CHECK(second.action == reply_action::hangup);
  CHECK(second.text.empty());
  CHECK(stored(call_sid).call.answered_by == "machine_end_beep");
}

TEST_CASE_METHOD(call_fixture,
                 "an async AMD machine result redirects the "
                 "call to the machine message",
                 "[call]") {
  auto call = start_call_from(outbound_call());
  auto greeting = answer_of(call, answered_event());
  CHECK(greeting.action == reply_action::listen);
  auto amd = make_event(event_kind::amd_status, call_sid,
                        {{"AnsweredBy", "machine_start"}});
  CHECK(answer_of(call, amd).action == reply_action::ack);
  auto& updates = state_of<stub_twilio_state>(twilio_).updates;
  REQUIRE(updates.size() == 1);
  CHECK(updates[0].first == call_sid);
  CHECK(updates[0].second.url == cfg_->server.public_url + "/voice/outbound");
  CHECK(updates[0].second.status.empty());
  // Twilio follows the redirect and asks /voice/outbound again.
  auto redirected = answer_of(call, answered_event());
  CHECK(redirected.action == reply_action::hangup);
  CHECK(redirected.text == cfg_->voice.machine_message);
}
