// The scripted responder actor: answers generate and stream requests from
// keyword rules, with no model. It stands where the LLM pool will stand.
#include <algorithm>

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/llm.hpp"
#include "core/error.hpp"

namespace sb {

caf::expected<llm_reply> scripted_reply(const scripted_rules& rules,
                                        const llm_request& req) {
  if (req.history.empty() || req.history.back().role != "user")
    return make_error(errc::bad_request, "no caller message to answer");
  auto picked = answer(rules, req.history.back().content);
  llm_reply reply{std::move(picked.text), picked.end_call,
                  "scripted:" + picked.rule, 0, 0};
  // Without the offer there is nowhere to transfer to: the rule's words
  // are still the answer, the intent is dropped.
  reply.transfer = picked.transfer && req.offer_transfer;
  return reply;
}

instant_llm scripted_instant_llm(std::shared_ptr<const scripted_rules> rules) {
  return
    [rules](const llm_request& req) { return scripted_reply(*rules, req); };
}

std::vector<std::string> word_tokens(std::string_view text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    const auto word = text.find_first_not_of(' ', start);
    const auto end = word == std::string_view::npos
                       ? text.size()
                       : std::min(text.find(' ', word), text.size());
    out.emplace_back(text.substr(start, end - start));
    start = end;
  }
  return out;
}

namespace {

bool cancelled(const llm_stream& stream) {
  return stream.cancel && stream.cancel->load();
}

// The reply, word by word through on_token first. The cancel flag is
// checked before each word: a caller on another thread may set it.
caf::result<llm_reply> stream_reply(const scripted_rules& rules,
                                    const llm_request& req,
                                    const llm_stream& stream) {
  if (cancelled(stream))
    return make_error(errc::backend_failed, "cancelled");
  auto reply = scripted_reply(rules, req);
  if (!reply)
    return reply.error();
  for (auto& token : word_tokens(reply->text)) {
    if (cancelled(stream))
      return make_error(errc::backend_failed, "cancelled");
    if (stream.on_token)
      stream.on_token(std::move(token));
  }
  return std::move(*reply);
}

llm_actor::behavior_type
scripted_llm_impl(llm_actor::pointer,
                  std::shared_ptr<const scripted_rules> rules) {
  return {
    [rules](generate_atom, const llm_request& req) -> caf::result<llm_reply> {
      auto reply = scripted_reply(*rules, req);
      if (!reply)
        return reply.error();
      return std::move(*reply);
    },
    [rules](stream_atom, const llm_request& req, const llm_stream& stream)
      -> caf::result<llm_reply> { return stream_reply(*rules, req, stream); },
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
