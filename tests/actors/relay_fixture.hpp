// The fixture of the tests of a call over ConversationRelay: a call
// fixture whose transport is relay, a stub session proxy (relay_peer) that
// records what the call says into it, and the session's events as the
// proxy makes them.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "actors/relay_peer.hpp"
#include "call_fixture.hpp"

namespace sb::testing {

struct peer_state {
  static inline const char* name = "stub-relay-peer";
  std::vector<std::pair<std::string, bool>> texts; // (token, last)
  std::vector<std::string> ends;                   // handoff data
  std::vector<std::string> languages;
};

inline relay_peer::behavior_type
stub_peer(relay_peer::stateful_pointer<peer_state> self) {
  return {
    [self](relay_text_atom, std::string& token, bool last) {
      self->state.texts.emplace_back(std::move(token), last);
    },
    [self](relay_end_atom, std::string& handoff) {
      self->state.ends.push_back(std::move(handoff));
    },
    [](relay_digits_atom, const std::string&) {},
    [self](relay_language_atom, std::string& language) {
      self->state.languages.push_back(std::move(language));
    },
  };
}

inline call_event relay_event(event_kind kind, const relay_peer& peer,
                              form_params params = {}) {
  auto ev = make_event(kind, call_sid, std::move(params));
  ev.relay_peer = caf::actor_cast<caf::actor>(peer);
  return ev;
}

inline call_event prompt_event(const relay_peer& peer, const std::string& words,
                               bool last = true) {
  return relay_event(event_kind::relay_prompt, peer,
                     {{"VoicePrompt", words},
                      {"Lang", "en-US"},
                      {"Last", last ? "true" : "false"}});
}

inline call_event relay_done_event(form_params params) {
  return make_event(event_kind::relay_done, call_sid, std::move(params));
}

class relay_fixture : public call_fixture {
protected:
  relay_fixture() {
    cfg_->voice.transport = "relay";
  }

  // A call answered with <Connect> and bound to a session.
  call_actor open_call(llm_mode mode = llm_mode::answer,
                       llm_reply answer = stub_answer()) {
    auto call = start_call(mode, std::move(answer));
    auto greeting = answer_of(call, inbound_event(call_sid));
    REQUIRE(greeting.action == reply_action::relay);
    CHECK(greeting.text == cfg_->voice.greeting);
    auto ack = answer_of(call, relay_event(event_kind::relay_open, peer_,
                                           {{"SessionId", "VX1"}}));
    CHECK(ack.action == reply_action::ack);
    return call;
  }

  peer_state& peer() {
    return state_of<peer_state>(peer_);
  }

  // The text frames so far, joined.
  std::string spoken() {
    std::string out;
    for (auto& [token, last] : peer().texts)
      out += token;
    return out;
  }

  std::vector<turn_row> turns() {
    return stored(call_sid).turns;
  }

  relay_peer peer_ = track(sys_.spawn(stub_peer));
};

} // namespace sb::testing
