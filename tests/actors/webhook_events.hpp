// Call events as the fronts hand them to the actors, built from the
// parameters Twilio sends for each route (or, for relay frames, the
// fields of the frame) through the same mappings the fronts use
// (twilio/call_events.hpp), for the actor tests.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "actors/messages.hpp"
#include "twilio/call_events.hpp"

namespace sb::testing {

inline constexpr const char* test_received_at = "2026-01-01T00:00:00.000Z";

/// A relay frame of `kind` for `sid`, from the same names the event log
/// shows for it (VoicePrompt, Lang, Last, UtteranceUntilInterrupt,
/// DurationUntilInterruptMs, Digit, Description, SessionId, Reason).
inline call_event relay_frame_of(event_kind kind, const std::string& sid,
                                 const form_params& p) {
  auto text = [&p](const char* key) { return param_or(p, key); };
  relay_inbound frame;
  switch (kind) {
    case event_kind::relay_closed:
      return relay_closed_event(sid, text("Reason"), test_received_at);
    case event_kind::relay_open: {
      relay_setup s;
      s.call_sid = sid;
      s.account_sid = "ACtest";
      s.session_id = text("SessionId");
      frame = s;
      break;
    }
    case event_kind::relay_prompt:
      frame = relay_prompt{text("VoicePrompt"), text("Lang"),
                           text("Last") != "false"};
      break;
    case event_kind::relay_interrupt: {
      auto ms = text("DurationUntilInterruptMs");
      frame = relay_interrupt{text("UtteranceUntilInterrupt"),
                              ms.empty() ? 0 : std::stoll(ms)};
      break;
    }
    case event_kind::relay_dtmf: frame = relay_dtmf{text("Digit")}; break;
    default: frame = relay_error{text("Description")}; break;
  }
  return *relay_frame_event(frame, sid, test_received_at);
}

/// An event for `sid`: a webhook carrying `params` after CallSid and
/// AccountSid, or a relay frame with those fields.
inline call_event make_event(event_kind kind, const std::string& sid,
                             form_params params = {}) {
  if (is_relay_frame(kind))
    return relay_frame_of(kind, sid, params);
  form_params all{{"CallSid", sid}, {"AccountSid", "ACtest"}};
  all.insert(all.end(), params.begin(), params.end());
  return webhook_call_event(kind, sid, std::move(all), test_received_at);
}

inline call_event inbound_event(const std::string& sid) {
  return make_event(event_kind::inbound, sid,
                    {{"From", "+15550001111"},
                     {"To", "+15550002222"},
                     {"CallStatus", "ringing"},
                     {"Direction", "inbound"}});
}

inline call_event speech_event(const std::string& sid,
                               const std::string& said) {
  return make_event(event_kind::process_speech, sid,
                    {{"CallStatus", "in-progress"},
                     {"SpeechResult", said},
                     {"Confidence", "0.9"}});
}

/// Twilio back at /voice/await?turn=N after a filler.
inline call_event await_event(const std::string& sid, int64_t turn) {
  form_params all{{"CallSid", sid}, {"AccountSid", "ACtest"}};
  return webhook_call_event(event_kind::await_turn, sid, std::move(all),
                            test_received_at, turn);
}

inline call_event status_event(const std::string& sid,
                               const std::string& status,
                               form_params more = {}) {
  more.insert(more.begin(), {"CallStatus", status});
  return make_event(event_kind::call_status, sid, std::move(more));
}

} // namespace sb::testing
