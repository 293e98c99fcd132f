// The fixture of the call actor tests: one call actor wired to the real
// store, a stub LLM chosen per test, a stub Twilio REST actor and a stub
// ingress that records when the call asks to be released.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "actor_fixture.hpp"

namespace sb::testing {

/// The CallSid of the call under test.
inline const std::string call_sid = "CA0123456789abcdef0123456789abcdef";

class call_fixture : public actor_fixture {
protected:
  /// A fresh call (nothing stored yet) whose LLM behaves as `mode`.
  call_actor start_call(llm_mode mode = llm_mode::answer,
                        llm_reply answer = stub_answer()) {
    stored_call fresh;
    fresh.call.call_sid = call_sid;
    return start_call_from(std::move(fresh), mode, std::move(answer));
  }

  /// A call rebuilt from `initial`, as the ingress does after a restart.
  call_actor start_call_from(stored_call initial,
                             llm_mode mode = llm_mode::answer,
                             llm_reply answer = stub_answer()) {
    llm_ = spawn_llm(mode, std::move(answer));
    call_deps deps{store_, llm_, twilio_, ingress_, cfg_, {}, {}, {}};
    return track(spawn_call(sys_, std::move(deps), std::move(initial)));
  }

  /// Sends `ev` to `call` and runs until nothing is left to do (timers
  /// aside); returns what the caller was answered, failing if nothing.
  voice_reply answer_of(const call_actor& call, call_event ev) {
    auto reply = send_webhook(call, std::move(ev));
    sched_.run();
    REQUIRE(reply->fired());
    return *reply->value;
  }

  /// Every (ended, sid) the call sent its ingress so far.
  const std::vector<std::string>& release_requests() {
    return state_of<stub_ingress_state>(ingress_).ended;
  }

  /// The turns `call` holds now (its snapshot): what it stored, the tool
  /// calls of its replies included.
  std::vector<turn_row> held_turns(const call_actor& call) {
    auto snap = request_from_test<stored_call>(call, snapshot_atom::value);
    sched_.run();
    REQUIRE(snap->value);
    return snap->value->turns;
  }

  const std::vector<llm_request>& llm_requests() {
    return state_of<stub_llm_state>(llm_).requests;
  }

  stub_llm_actor llm_;
  twilio_actor twilio_ = spawn_stub_twilio();
  call_ingress ingress_ = spawn_ingress_stub();
};

} // namespace sb::testing
