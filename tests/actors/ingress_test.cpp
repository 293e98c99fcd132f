// Tests of the ingress actor: routing webhooks to call actors it spawns or
// rebuilds from the store, the max_calls limit and its release, operator
// snapshots, and placing outbound calls. The ingress runs with the real
// store, a stub LLM and a stub Twilio REST actor, on the deterministic
// scheduler.
#include <algorithm>
#include <string>
#include <vector>

#include "actor_fixture.hpp"
#include "core/metrics.hpp"

using namespace sb;
using namespace sb::testing;

namespace {

class ingress_fixture : public actor_fixture {
protected:
  ingress_actor start() {
    llm_ = spawn_llm(llm_mode::answer);
    twilio_ = spawn_stub_twilio();
    return spawn_ingress_with(llm_, twilio_);
  }

  voice_reply answer_of(const ingress_actor& ingress, call_event ev) {
    auto reply = send_webhook(ingress, std::move(ev));
    sched_.run();
    REQUIRE(reply->fired());
    return *reply->value;
  }

  ingress_stats stats_of(const ingress_actor& ingress) {
    auto out = std::make_shared<promise_result<ingress_stats>>();
    caf::anon_send(ingress, stats_atom::value, promise_into(out));
    sched_.run();
    REQUIRE(out->fired());
    return *out->value;
  }

  std::vector<stored_call> sessions_of(const ingress_actor& ingress) {
    auto out = std::make_shared<promise_result<std::vector<stored_call>>>();
    caf::anon_send(ingress, sessions_atom::value, promise_into(out));
    sched_.run();
    REQUIRE(out->fired());
    return *out->value;
  }

  stub_llm_actor llm_;
  twilio_actor twilio_;
};

// A call in progress when the daemon stopped: two turns on disk.
void seed_call(database& disk, const std::string& sid) {
  write_batch batch;
  call_row row;
  row.call_sid = sid;
  row.direction = "inbound";
  row.from_number = "+15550001111";
  row.status = "in-progress";
  batch.calls.push_back(row);
  auto turn = [&](int64_t seq, const char* role, const char* text) {
    turn_row t;
    t.call_sid = sid;
    t.seq = seq;
    t.role = role;
    t.content = text;
    t.created_at = "2026-01-01T00:00:00.000Z";
    batch.turns.push_back(std::move(t));
  };
  turn(1, "user", "hello");
  turn(2, "assistant", "hi, how can I help?");
  REQUIRE_FALSE(disk.write(batch));
}

} // namespace

TEST_CASE_METHOD(ingress_fixture, "a first inbound webhook starts a call",
                 "[ingress]") {
  auto ingress = start();
  auto reply = answer_of(ingress, inbound_event("CA1"));
  CHECK(reply.action == reply_action::listen);
  CHECK(reply.text == cfg_->voice.greeting);
  auto stats = stats_of(ingress);
  CHECK(stats.live_calls == 1);
  CHECK(stats.calls_total == 1);
  CHECK(stats.calls_rejected == 0);
}

TEST_CASE_METHOD(ingress_fixture,
                 "speech for an unknown call rebuilds it "
                 "from the store",
                 "[ingress]") {
  seed_call(*disk_, "CA9");
  auto ingress = start();
  auto reply = answer_of(ingress, speech_event("CA9", "what time is it"));
  CHECK(reply.action == reply_action::listen);
  CHECK(reply.text == stub_answer().text);
  auto turns = stored("CA9").turns;
  REQUIRE(turns.size() == 4);
  CHECK(turns[2].seq == 3);
  CHECK(turns[2].content == "what time is it");
  CHECK(turns[3].seq == 4);
  // The LLM heard the whole conversation, not just the last words.
  auto& asked = state_of<stub_llm_state>(llm_).requests;
  REQUIRE(asked.size() == 1);
  REQUIRE(asked[0].history.size() == 3);
  CHECK(asked[0].history[0].content == "hello");
  CHECK(stats_of(ingress).live_calls == 1);
}

TEST_CASE_METHOD(ingress_fixture,
                 "past max_calls a caller hears busy and "
                 "the call is stored as rejected",
                 "[ingress]") {
  cfg_->limits.max_calls = 1;
  auto ingress = start();
  answer_of(ingress, inbound_event("CA1"));
  auto busy = answer_of(ingress, inbound_event("CA2"));
  CHECK(busy.action == reply_action::hangup);
  CHECK(busy.text == cfg_->voice.busy_message);
  auto row = stored("CA2").call;
  CHECK(row.end_reason == "rejected-busy");
  CHECK_FALSE(row.ended_at.empty());
  auto stats = stats_of(ingress);
  CHECK(stats.live_calls == 1);
  CHECK(stats.calls_rejected == 1);
}

TEST_CASE_METHOD(ingress_fixture,
                 "a rejected call keeps its reason when "
                 "Twilio reports it completed",
                 "[ingress]") {
  cfg_->limits.max_calls = 1;
  auto ingress = start();
  answer_of(ingress, inbound_event("CA1"));
  answer_of(ingress, inbound_event("CA2"));
  auto reply = answer_of(ingress, status_event("CA2", "completed"));
  CHECK(reply.action == reply_action::ack);
  auto row = stored("CA2").call;
  CHECK(row.status == "completed");
  CHECK(row.end_reason == "rejected-busy");
  CHECK(stats_of(ingress).live_calls == 1);
}

TEST_CASE_METHOD(ingress_fixture, "(ended, sid) releases the call",
                 "[ingress]") {
  cfg_->limits.max_calls = 1;
  auto ingress = start();
  answer_of(ingress, inbound_event("CA1"));
  caf::anon_send(ingress, ended_atom::value, std::string{"CA1"});
  sched_.run();
  CHECK(stats_of(ingress).live_calls == 0);
  auto reply = answer_of(ingress, inbound_event("CA2"));
  CHECK(reply.action == reply_action::listen);
  CHECK(reply.text == cfg_->voice.greeting);
}

TEST_CASE_METHOD(ingress_fixture, "sessions lists every live call",
                 "[ingress]") {
  auto ingress = start();
  answer_of(ingress, inbound_event("CA1"));
  answer_of(ingress, inbound_event("CA2"));
  std::vector<std::string> sids;
  for (auto& s : sessions_of(ingress))
    sids.push_back(s.call.call_sid);
  std::sort(sids.begin(), sids.end());
  CHECK(sids == std::vector<std::string>{"CA1", "CA2"});
}

TEST_CASE_METHOD(ingress_fixture,
                 "session for an unknown call delivers "
                 "nothing",
                 "[ingress]") {
  auto ingress = start();
  auto out = std::make_shared<promise_result<std::vector<stored_call>>>();
  caf::anon_send(ingress, session_atom::value, std::string{"CA404"},
                 promise_into(out));
  sched_.run();
  REQUIRE(out->fired());
  CHECK(out->value->empty());
}

TEST_CASE_METHOD(ingress_fixture,
                 "dial places the call through Twilio and "
                 "stores it before answering",
                 "[ingress]") {
  auto ingress = start();
  auto out = std::make_shared<promise_result<dial_outcome>>();
  caf::anon_send(ingress, dial_atom::value,
                 dial_request{"+15550003333", "+15550002222"},
                 promise_into(out));
  REQUIRE(step_until([&] { return out->fired(); }));
  CHECK_FALSE(out->value->error);
  CHECK(out->value->call_sid == dialed_sid);
  auto row = stored(dialed_sid).call;
  CHECK(row.direction == "outbound-api");
  CHECK(row.status == "queued");
  CHECK(row.to_number == "+15550003333");
  auto& dials = state_of<stub_twilio_state>(twilio_).dials;
  REQUIRE(dials.size() == 1);
  const auto& base = cfg_->server.public_url;
  CHECK(dials[0].url == base + "/voice/outbound");
  CHECK(dials[0].status_callback == base + "/call-status");
  CHECK(dials[0].status_callback_events
        == std::vector<std::string>{"initiated", "ringing", "answered",
                                    "completed"});
  CHECK(dials[0].machine_detection == cfg_->twilio.machine_detection);
}

TEST_CASE_METHOD(ingress_fixture,
                 "a live call is in the directory until it "
                 "is released, and webhooks sent through it "
                 "reach the call",
                 "[ingress]") {
  llm_ = spawn_llm(llm_mode::answer);
  twilio_ = spawn_stub_twilio();
  auto directory = std::make_shared<call_directory>();
  auto ingress = track(spawn_ingress(
    sys_, ingress_deps{store_, llm_, twilio_, cfg_, {}, {}, {}, directory}));
  // Unknown: the front must hand it to the ingress, and nothing was sent.
  auto early = speech_event("CA1", "hello");
  voice_reply_promise unused;
  CHECK_FALSE(directory->route(early, unused));
  CHECK(early.call_sid == "CA1");

  answer_of(ingress, inbound_event("CA1"));
  CHECK(directory->size() == 1);
  auto ev = speech_event("CA1", "what time is it");
  auto out = std::make_shared<promise_result<voice_reply>>();
  auto promise = promise_into(out);
  REQUIRE(directory->route(ev, promise));
  sched_.run();
  REQUIRE(out->fired());
  CHECK(out->value->text == stub_answer().text);
  CHECK(stored("CA1").turns.size() == 2);

  // A terminal status releases the call: out of the directory, so the next
  // webhook for it goes through the ingress (which rebuilds it).
  answer_of(ingress, status_event("CA1", "completed"));
  sched_.run();
  CHECK(directory->size() == 0);
  auto late = status_event("CA1", "completed");
  voice_reply_promise none;
  CHECK_FALSE(directory->route(late, none));
  CHECK(stats_of(ingress).live_calls == 0);
}

TEST_CASE_METHOD(ingress_fixture,
                 "a signed webhook for a call never seen "
                 "adopts it and the conversation goes on",
                 "[ingress][adopt]") {
  auto ingress = start();
  auto adopted_before = metrics::daemon().calls_adopted.value();
  auto speech = speech_event("CA77", "is anyone there");
  speech.authenticated = true;
  speech.raw.emplace_back("From", "+15550004444");
  speech.call.from = "+15550004444";
  speech.call.direction = "inbound";
  auto reply = answer_of(ingress, std::move(speech));
  CHECK(reply.action == reply_action::listen);
  CHECK(reply.text == stub_answer().text);
  auto call = stored("CA77");
  CHECK(call.call.adopted_at == test_received_at);
  CHECK(call.call.from_number == "+15550004444");
  CHECK(call.call.direction == "inbound");
  REQUIRE(call.turns.size() == 2);
  CHECK(call.turns[0].content == "is anyone there");
  CHECK(metrics::daemon().calls_adopted.value() == adopted_before + 1);
  CHECK(stats_of(ingress).live_calls == 1);
}

TEST_CASE_METHOD(ingress_fixture,
                 "an unsigned webhook for a call never seen "
                 "is hung up on and nothing is stored",
                 "[ingress][adopt]") {
  auto ingress = start();
  auto reply = answer_of(ingress, speech_event("CA78", "hello?"));
  CHECK(reply.action == reply_action::hangup);
  auto status = answer_of(ingress, status_event("CA79", "completed"));
  CHECK(status.action == reply_action::ack);
  CHECK(rows("calls") == 0);
  CHECK(rows("events") == 0);
  CHECK(stats_of(ingress).live_calls == 0);
}
