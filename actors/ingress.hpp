// The ingress actor: routes each call event to its call's actor by
// CallSid, spawning the actor on a call's first event, rebuilding it from
// the store when the daemon restarted mid-call, or adopting a call it has
// never seen. It owns the CallSid -> actor map (and with it the call
// actors' lifetime) and enforces limits.max_calls. It publishes the live
// calls in a call_directory, through which the fronts send a live call's
// events to its actor directly. Call actors know it as `call_ingress`.
//
// Protocol:
//   (event, call_event, voice_reply_promise)
//       Forwards to the call's actor (webhooks and ConversationRelay
//       frames alike). A new inbound call past max_calls (or while
//       draining) is answered here with voice.busy_message + hangup,
//       after it is stored as rejected-busy. An event for an unknown
//       CallSid loads the call from the store first (events for it that
//       arrive meanwhile wait in order). If the store has never heard of
//       it and no waiting event starts a call:
//         - an authenticated event (signed webhook, or a relay session's
//           signed token) adopts the call: it is created from what the
//           event says (numbers, direction), stored with adopted_at, and
//           the conversation goes on with whatever history this database
//           has (metric switchboard_calls_adopted_total);
//         - unauthenticated ones (twilio.validate_signatures off) are
//           answered here and nothing is stored: TwiML hangs up, a
//           callback is acknowledged. Without a signature anyone could
//           create calls at will.
//   (stats, stats_promise)              live/total/rejected call counts.
//   (sessions, calls_promise)           snapshots of every live call.
//   (session, call_sid, calls_promise)  one live call's snapshot, or none.
//   (ended, call_sid)                from a call actor that is finishing.
//   (dial, dial_request, dial_promise)  places an outbound call through the
//       Twilio actor (URL /voice/outbound, status and recording callbacks,
//       answering-machine detection as configured) and stores it as
//       outbound-api/queued before answering with its SID.
//   (say, call_sid, text, done_promise) an operator speaks into a live call.
//   (drain)                          from now on new inbound calls hear
//       voice.busy_message (shutdown); live calls go on.
//   (reload, config_ptr)             the reloaded settings for new and live
//       calls (voice, prompts, limits).
//   (sweep)   internal, every quarter of call_idle_timeout_s (0.25..60 s):
//       asks every live call whether it has gone idle.
#pragma once

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/call.hpp"
#include "actors/call_directory.hpp"

namespace sb {

using ingress_actor = caf::typed_actor<
  caf::reacts_to<event_atom, call_event, voice_reply_promise>,
  caf::reacts_to<stats_atom, stats_promise>,
  caf::reacts_to<sessions_atom, calls_promise>,
  caf::reacts_to<session_atom, std::string, calls_promise>,
  caf::reacts_to<ended_atom, std::string>,
  caf::reacts_to<dial_atom, dial_request, dial_promise>,
  caf::reacts_to<say_atom, std::string, std::string, done_promise>,
  caf::reacts_to<drain_atom>, caf::reacts_to<reload_atom, config_ptr>,
  caf::reacts_to<sweep_atom>>;

struct ingress_deps {
  store_actor store;
  llm_actor llm;
  twilio_actor twilio;
  std::shared_ptr<const config> cfg;
  tts_actor tts; // invalid with tts.engine = "say"
  std::function<std::string(const voice_reply&, const config&)> render;
  instant_llm instant; // set: calls ask it inline instead of `llm`
  /// Shared with the fronts, which send webhooks for live calls straight
  /// to their actors; the ingress keeps it in step with its own map. Null:
  /// every webhook comes through the ingress.
  std::shared_ptr<call_directory> directory;
};

ingress_actor spawn_ingress(caf::actor_system& sys, ingress_deps deps);

} // namespace sb
