// Webhook events as the HTTP front end hands them to the actors, with the
// parameters Twilio sends for each route, for the actor tests.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "actors/messages.hpp"

namespace sb::testing {

/// A webhook for `sid` carrying `params` after CallSid and AccountSid.
inline webhook_event make_event(webhook_kind kind, const std::string& sid,
                                form_params params = {}) {
  form_params all{{"CallSid", sid}, {"AccountSid", "ACtest"}};
  all.insert(all.end(), params.begin(), params.end());
  return {kind, sid, std::move(all), "2026-01-01T00:00:00.000Z"};
}

inline webhook_event inbound_event(const std::string& sid) {
  return make_event(webhook_kind::inbound, sid,
                    {{"From", "+15550001111"}, {"To", "+15550002222"},
                     {"CallStatus", "ringing"}, {"Direction", "inbound"}});
}

inline webhook_event speech_event(const std::string& sid,
                                  const std::string& said) {
  return make_event(webhook_kind::process_speech, sid,
                    {{"CallStatus", "in-progress"}, {"SpeechResult", said},
                     {"Confidence", "0.9"}});
}

/// Twilio back at /voice/await?turn=N after a filler.
inline webhook_event await_event(const std::string& sid, int64_t turn) {
  auto ev = make_event(webhook_kind::await_turn, sid);
  ev.turn = turn;
  return ev;
}

inline webhook_event status_event(const std::string& sid,
                                  const std::string& status,
                                  form_params more = {}) {
  more.insert(more.begin(), {"CallStatus", status});
  return make_event(webhook_kind::call_status, sid, std::move(more));
}

} // namespace sb::testing
