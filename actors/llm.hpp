// The LLM interface every backend answers: the call actor asks it for the
// next thing to say. The scripted responder (embedded default) implements
// it here; the pool of Ollama/OpenAI workers implements the same protocol,
// so swapping backends changes no call-actor code.
//
// Protocol:
//   (generate, llm_request) -> llm_reply
//       The reply to the conversation in request.history (its last message
//       is the caller's). Errors: errc::backend_failed (the model failed or
//       answered nothing usable), errc::overloaded (queue full).
//   (reload, config_ptr)
//       Takes the reloadable settings (prompts) for the next requests.
#pragma once

#include <functional>
#include <memory>

#include <caf/expected.hpp>

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/messages.hpp"
#include "backends/scripted_rules.hpp"

namespace sb {

using llm_actor =
  caf::typed_actor<caf::replies_to<generate_atom, llm_request>::with<llm_reply>,
                   caf::reacts_to<reload_atom, config_ptr>>;

/// A backend that answers within microseconds, called inline by the call
/// actor instead of through a message round trip (empty = none).
using instant_llm = std::function<caf::expected<llm_reply>(const llm_request&)>;

/// The keyword responder's answer to `req`.
caf::expected<llm_reply> scripted_reply(const scripted_rules& rules,
                                        const llm_request& req);

/// `rules` as an instant backend.
instant_llm scripted_instant_llm(std::shared_ptr<const scripted_rules> rules);

/// The keyword responder. Answers at once, on the scheduler.
llm_actor spawn_scripted_llm(caf::actor_system& sys,
                             std::shared_ptr<const scripted_rules> rules);

} // namespace sb
