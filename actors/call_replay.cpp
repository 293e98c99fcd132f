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
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "actors/call_state.hpp"
#include "core/log.hpp"

namespace sb::call_detail {

namespace {

// A few webhooks are enough: Twilio gives up on a webhook (retries
// included) after 15 s, and a call's webhooks come one at a time.
constexpr size_t remembered_webhooks = 8;

// FNV-1a over the fields that make two webhooks the same request. 64 bits:
// a false match needs two different bodies of one call, among its last
// few, with the same digest.
uint64_t digest_of(const webhook_event& ev) {
  uint64_t h = 14695981039346656037ull;
  auto add = [&h](std::string_view bytes) {
    for (unsigned char c : bytes) {
      h ^= c;
      h *= 1099511628211ull;
    }
    h ^= 0xff; // a separator no UTF-8 text contains
    h *= 1099511628211ull;
  };
  add(to_string(ev.kind));
  add(std::to_string(ev.turn));
  for (const auto& [key, value] : ev.params) {
    add(key);
    add(value);
  }
  return h;
}

// `seen.mutex` held.
bool is_retry_of(const seen_webhook& seen, const webhook_event& ev,
                 uint64_t digest) {
  if (seen.kind != ev.kind || seen.digest != digest)
    return false;
  if (!seen.token.empty() && !ev.idempotency_token.empty())
    return seen.token == ev.idempotency_token;
  return !seen.reply;
}

// Runs wherever the webhook's slot is delivered: on the actor, or on the
// store's thread once the webhook's write is committed.
void remember_reply(seen_webhook& seen, const voice_reply& r) {
  std::vector<voice_reply_slot> waiting;
  {
    std::lock_guard<std::mutex> guard{seen.mutex};
    seen.reply = r;
    waiting.swap(seen.waiting);
  }
  for (auto& slot : waiting)
    slot.deliver(r);
}

} // namespace

bool answer_replay(call_pointer self, const webhook_event& ev,
                   voice_reply_slot& slot) {
  auto& st = self->state;
  const auto digest = digest_of(ev);
  for (auto& seen : st.seen) {
    std::unique_lock<std::mutex> lock{seen->mutex};
    if (!is_retry_of(*seen, ev, digest))
      continue;
    SB_LOG_NOTICE("call " << st.row.call_sid << ": " << to_string(ev.kind)
                          << " retried by Twilio; "
                          << (seen->reply ? "answered as before"
                                          : "answered with the first"));
    if (!seen->reply) {
      seen->waiting.push_back(std::move(slot));
      return true;
    }
    auto reply = *seen->reply;
    lock.unlock();
    slot.deliver(std::move(reply));
    return true;
  }
  auto entry = std::make_shared<seen_webhook>();
  entry->id = ++st.webhooks_seen;
  entry->kind = ev.kind;
  entry->digest = digest;
  entry->token = ev.idempotency_token;
  st.seen.push_back(entry);
  // A forgotten entry lives on in the slot below, so retries already
  // waiting on it still get its reply (or, if it is dropped unanswered,
  // their own fallback).
  while (st.seen.size() > remembered_webhooks)
    st.seen.pop_front();
  // The wrapper delivers to the original slot; if it is dropped unanswered,
  // the original goes with it and its own fallback answers.
  slot = voice_reply_slot{[entry, first = slot](voice_reply r) {
                            remember_reply(*entry, r);
                            first.deliver(std::move(r));
                          },
                          {}};
  return false;
}

} // namespace sb::call_detail
