// The scripted responder actor: answers generate requests from keyword
// rules, with no model. It stands where the LLM pool will stand.
#include "actors/llm.hpp"

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "core/error.hpp"

namespace sb {

caf::expected<llm_reply> scripted_reply(const scripted_rules& rules,
                                        const llm_request& req) {
  if (req.history.empty() || req.history.back().role != "user")
    return make_error(errc::bad_request, "no caller message to answer");
  auto picked = answer(rules, req.history.back().content);
  return llm_reply{std::move(picked.text), picked.end_call,
                   "scripted:" + picked.rule, 0, 0};
}

instant_llm scripted_instant_llm(std::shared_ptr<const scripted_rules> rules) {
  return [rules](const llm_request& req) { return scripted_reply(*rules, req); };
}

namespace {

llm_actor::behavior_type
scripted_llm_impl(llm_actor::pointer, std::shared_ptr<const scripted_rules> rules) {
  return {
    [rules](generate_atom, const llm_request& req) -> caf::result<llm_reply> {
      auto reply = scripted_reply(*rules, req);
      if (!reply)
        return reply.error();
      return std::move(*reply);
    },
    // The rules are read once at start-up; a reload keeps them.
    [](reload_atom, const config_ptr&) {},
  };
}

} // namespace

llm_actor spawn_scripted_llm(caf::actor_system& sys,
                             std::shared_ptr<const scripted_rules> rules) {
  return sys.spawn(scripted_llm_impl, std::move(rules));
}

} // namespace sb
