// Stand-ins for the collaborators of the call and ingress actors: an LLM
// that answers, never answers or fails; a Twilio REST actor that records
// what it was asked; a call ingress that records (ended, sid). Each is a
// stateful typed actor speaking the real protocol, and tests read what it
// recorded through state_of() while the system stands still between steps
// of the deterministic scheduler.
#pragma once

#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <caf/actor_cast.hpp>
#include <caf/atom.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "actors/call.hpp"
#include "actors/llm.hpp"
#include "actors/messages.hpp"
#include "actors/twilio.hpp"
#include "core/error.hpp"

namespace sb::testing {

/// The state of a live stateful actor behind `hdl`. Only valid while the
/// actor runs (CAF destroys the state when it exits) and while no scheduler
/// step is in progress.
template <class State, class Handle>
State& state_of(const Handle& hdl) {
  using impl =
    std::remove_pointer_t<typename Handle::template stateful_pointer<State>>;
  return dynamic_cast<impl&>(*caf::actor_cast<caf::abstract_actor*>(hdl)).state;
}

// -- LLM ----------------------------------------------------------------------

using release_atom = caf::atom_constant<caf::atom("release")>;

/// llm_actor's protocol plus (release): answer every request held so far,
/// and (release, why): fail each with errc::backend_failed `why`.
using stub_llm_actor = llm_actor::extend<
  caf::reacts_to<release_atom>, caf::reacts_to<release_atom, std::string>>;

enum class llm_mode {
  answer, // replies `answer` at once
  never,  // holds every request until (release)
  fail,   // replies errc::backend_failed
};

struct stub_llm_state {
  static inline const char* name = "stub-llm";
  llm_mode mode = llm_mode::answer;
  llm_reply answer;
  std::vector<llm_request> requests;
  std::vector<caf::typed_response_promise<llm_reply>> held;
  std::vector<llm_stream> streams; // of every stream request, in order
};

/// "a b c" -> {"a", " b", " c"}: words with their leading space, as
/// models stream them.
inline std::vector<std::string> stub_tokens(const std::string& text) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at < text.size()) {
    auto next = text.find(' ', at + 1);
    if (next == std::string::npos)
      next = text.size();
    out.push_back(text.substr(at, next - at));
    at = next;
  }
  return out;
}

inline llm_reply stub_answer(bool end_call = false) {
  return {"stub says hi", end_call, "stub-model"};
}

inline stub_llm_actor::behavior_type
stub_llm(stub_llm_actor::stateful_pointer<stub_llm_state> self, llm_mode mode,
         llm_reply answer) {
  self->state.mode = mode;
  self->state.answer = std::move(answer);
  return {
    [self](generate_atom, llm_request& req) -> caf::result<llm_reply> {
      auto& st = self->state;
      st.requests.push_back(std::move(req));
      if (st.mode == llm_mode::answer)
        return st.answer;
      if (st.mode == llm_mode::fail)
        return make_error(errc::backend_failed, "stub model failed");
      // Kept, not dropped: a dropped promise answers the caller with an
      // error at once, which is the failure case, not a silent model.
      auto promise = self->make_response_promise<llm_reply>();
      st.held.push_back(promise);
      return promise;
    },
    // As generate; an answer is streamed word by word before the reply. A
    // held one streams nothing: the test sends tokens through
    // state.streams[i].on_token, then (release).
    [self](stream_atom, llm_request& req,
           llm_stream& stream) -> caf::result<llm_reply> {
      auto& st = self->state;
      st.requests.push_back(std::move(req));
      st.streams.push_back(stream);
      if (st.mode == llm_mode::answer) {
        for (auto& token : stub_tokens(st.answer.text))
          stream.on_token(token);
        return st.answer;
      }
      if (st.mode == llm_mode::fail)
        return make_error(errc::backend_failed, "stub model failed");
      auto promise = self->make_response_promise<llm_reply>();
      st.held.push_back(promise);
      return promise;
    },
    [self](release_atom) {
      for (auto& promise : self->state.held)
        promise.deliver(self->state.answer);
      self->state.held.clear();
    },
    [self](release_atom, const std::string& why) {
      for (auto& promise : self->state.held)
        promise.deliver(make_error(errc::backend_failed, why));
      self->state.held.clear();
    },
    [](reload_atom, const config_ptr&) {},
  };
}

// -- Twilio REST --------------------------------------------------------------

struct stub_twilio_state {
  static inline const char* name = "stub-twilio";
  std::vector<create_call_params> dials;
  std::vector<std::pair<std::string, call_update>> updates;
};

/// The SID every dial through the stub gets.
inline const std::string dialed_sid = "CA00000000000000000000000000000d1a";

inline twilio_actor::behavior_type
stub_twilio(twilio_actor::stateful_pointer<stub_twilio_state> self) {
  return {
    [self](dial_atom, create_call_params& params) {
      call_resource call;
      call.sid = dialed_sid;
      call.account_sid = "ACtest";
      call.status = "queued";
      call.from = params.from;
      call.to = params.to;
      self->state.dials.push_back(std::move(params));
      return call;
    },
    [self](update_atom, std::string& sid, call_update& update) {
      call_resource call;
      call.sid = sid;
      call.status = "in-progress";
      self->state.updates.emplace_back(std::move(sid), std::move(update));
      return call;
    },
    [](retry_atom, uint64_t) {},
  };
}

// -- call ingress ------------------------------------------------------------

struct stub_ingress_state {
  static inline const char* name = "stub-ingress";
  std::vector<std::string> ended; // every (ended, sid), in arrival order
};

inline call_ingress::behavior_type
stub_ingress(call_ingress::stateful_pointer<stub_ingress_state> self) {
  return {
    [self](ended_atom, std::string& sid) {
      self->state.ended.push_back(std::move(sid));
    },
  };
}

} // namespace sb::testing
