// Twilio retries a webhook (same URL, body and signature) when our answer
// was slow or lost on the way. Acting on the retry would store the caller's
// words twice and ask the model twice, so the call remembers its last few
// webhooks with their replies, and a retry gets the first one's reply (at
// once, or when it is ready) and changes nothing else: no event, no turn.
//
// A retry is told from a new webhook like this:
//   - When both carry Twilio's I-Twilio-Idempotency-Token, equal tokens
//     (with an equal body) are a retry and different ones a new delivery,
//     even of the same words.
//   - Otherwise an identical body (route, ?turn= and every parameter) is a
//     retry only while the first is unanswered: Twilio cannot send a call's
//     next webhook before it has our answer to this one. Once answered, an
//     identical body may well be new — two silences in a row post the same
//     parameters — so it is acted on.
#include <string>
#include <vector>

#include "actors/call_state.hpp"
#include "core/log.hpp"

namespace sb::call_detail {

namespace {

// A few webhooks are enough: Twilio gives up on a webhook (retries
// included) after 15 s, and a call's webhooks come one at a time.
constexpr size_t remembered_webhooks = 8;

bool is_retry_of(const seen_webhook& seen, const call_event& ev) {
  if (seen.kind != ev.kind || seen.digest != ev.request_digest)
    return false;
  if (!seen.token.empty() && !ev.idempotency_token.empty())
    return seen.token == ev.idempotency_token;
  return !seen.reply;
}

// Runs where the webhook's promise is delivered: on the actor (answer()).
void remember_reply(seen_webhook& seen, const voice_reply& r) {
  seen.reply = r;
  std::vector<voice_reply_promise> waiting;
  waiting.swap(seen.waiting);
  for (auto& promise : waiting)
    promise.deliver(r);
}

} // namespace

bool answer_replay(call_pointer self, const call_event& ev,
                   voice_reply_promise& promise) {
  auto& st = self->state;
  for (auto& seen : st.seen) {
    if (!is_retry_of(*seen, ev))
      continue;
    SB_LOG_NOTICE("call " << st.row.call_sid << ": " << to_string(ev.kind)
                          << " retried by Twilio; "
                          << (seen->reply ? "answered as before"
                                          : "answered with the first"));
    if (!seen->reply) {
      seen->waiting.push_back(std::move(promise));
      return true;
    }
    promise.deliver(*seen->reply);
    return true;
  }
  auto entry = std::make_shared<seen_webhook>();
  entry->id = ++st.webhooks_seen;
  entry->kind = ev.kind;
  entry->digest = ev.request_digest;
  entry->token = ev.idempotency_token;
  st.seen.push_back(entry);
  // A forgotten entry lives on in the promise below, so retries already
  // waiting on it still get its reply (or, if it is dropped unanswered,
  // their own fallback).
  while (st.seen.size() > remembered_webhooks)
    st.seen.pop_front();
  // The wrapper delivers to the original promise; if it is dropped unanswered,
  // the original goes with it and its own fallback answers.
  promise = voice_reply_promise{[entry, first = promise](voice_reply r) {
                                  remember_reply(*entry, r);
                                  first.deliver(std::move(r));
                                },
                                {}};
  return false;
}

} // namespace sb::call_detail
