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
//       reply.transfer: the model asked to hand the caller to a person
//       (only if request.offer_transfer; the text may then be empty).
//       reply.end_call: say the text, then hang up. The scripted responder
//       sets it by its rules (a goodbye keyword anywhere in the caller's
//       words, or an end_call rule answering); the real models' pool when
//       the caller's words hold one of llm.goodbye_words or the model
//       called its end_call tool (request.offer_end_call and
//       llm.end_call_tool), saying voice.goodbye_message when the model
//       had no words of its own.
//   (stream, llm_request, llm_stream) -> llm_reply
//       As generate, but each token of the answer goes to stream.on_token
//       as it arrives: on the backend's thread (a pool worker's), in order,
//       every one before the reply is delivered. The reply carries the RAW
//       concatenated text (neither made speakable nor capped: the caller
//       does that clause by clause; any words added to it, such as
//       voice.goodbye_message, come after the streamed tokens, so the text
//       always begins with them), end_call (as generate), transfer,
//       queue_ms, llm_ms and
//       first_token_ms. Setting *stream.cancel (may be null) stops it: a
//       queued request is dropped without reaching the model, a running
//       one has its model stream closed; either way no further token is
//       delivered and the request fails with errc::backend_failed
//       "cancelled". A failure before the first token may be retried on
//       another endpoint as for generate; after a token was delivered it
//       is not (the caller has already spoken those words). Other errors
//       as generate.
//   (reload, config_ptr)
//       Takes the reloadable settings (prompts) for the next requests.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <caf/expected.hpp>
#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/messages.hpp"
#include "backends/llm/scripted_rules.hpp"

namespace sb {

using llm_actor = caf::typed_actor<
  caf::replies_to<generate_atom, llm_request>::with<llm_reply>,
  caf::replies_to<stream_atom, llm_request, llm_stream>::with<llm_reply>,
  caf::reacts_to<reload_atom, config_ptr>>;

/// A backend that answers within microseconds, called inline by the call
/// actor instead of through a message round trip (empty = none).
using instant_llm = std::function<caf::expected<llm_reply>(const llm_request&)>;

/// The keyword responder's answer to `req`. transfer is set when the
/// answering rule has it and req.offer_transfer; without the offer the
/// rule's reply is still the answer. end_call comes from the rules alone
/// (req.offer_end_call is for models). Errors: errc::bad_request when the
/// last message is not the caller's.
caf::expected<llm_reply> scripted_reply(const scripted_rules& rules,
                                        const llm_request& req);

/// "Hello there." -> {"Hello", " there."}: the words of `text`, each with
/// the spaces before it, as the scripted responder streams them.
std::vector<std::string> word_tokens(std::string_view text);

/// `rules` as an instant backend.
instant_llm scripted_instant_llm(std::shared_ptr<const scripted_rules> rules);

/// The keyword responder. Answers at once, on the scheduler; stream passes
/// the reply to on_token word by word (word_tokens) before replying.
llm_actor spawn_scripted_llm(caf::actor_system& sys,
                             std::shared_ptr<const scripted_rules> rules);

} // namespace sb
