// The Twilio REST actor: the only owner of the libcurl handle that talks to
// Twilio's API. Spawned detached, so a slow API never holds up a scheduler
// thread. Retries 429/5xx/network failures with exponential backoff
// (Retry-After honoured) through delayed messages, never sleeping; other
// messages are served between tries.
//
// Protocol:
//   (dial, create_call_params) -> call_resource
//       Places a call. Errors carry Twilio's code and message:
//       errc::bad_request (e.g. 21211 invalid number), errc::unauthorized,
//       errc::overloaded (429 after every try), errc::backend_failed.
//   (update, call_sid, call_update) -> call_resource
//       Hangs up (status completed/canceled) or redirects (url / twiml).
//   (retry, job)  internal: the next try of a queued job.
#pragma once

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/messages.hpp"
#include "core/config.hpp"
#include "twilio/twilio_rest.hpp"

namespace sb {

using dial_atom = caf::atom_constant<caf::atom("dial")>;
using update_atom = caf::atom_constant<caf::atom("update")>;
using retry_atom = caf::atom_constant<caf::atom("retry")>;

using twilio_actor = caf::typed_actor<
  caf::replies_to<dial_atom, create_call_params>::with<call_resource>,
  caf::replies_to<update_atom, std::string, call_update>::with<call_resource>,
  caf::reacts_to<retry_atom, uint64_t>>;

/// Spawns the REST actor for the account in `cfg`. `detached` gives it a
/// thread of its own, since each try blocks on libcurl; the daemon always
/// keeps the default. Tests pass false to run it on CAF's deterministic
/// test scheduler, which a detached actor bypasses.
twilio_actor spawn_twilio(caf::actor_system& sys, const twilio_config& cfg,
                          bool detached = true);

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, create_call_params& x) {
  return f(caf::meta::type_name("create_call_params"), x.to, x.from, x.url,
           x.method, x.status_callback, x.status_callback_method,
           x.status_callback_events, x.machine_detection, x.async_amd,
           x.async_amd_status_callback, x.record, x.recording_status_callback,
           x.recording_status_callback_events, x.timeout_s);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, call_update& x) {
  return f(caf::meta::type_name("call_update"), x.status, x.url, x.twiml);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, call_resource& x) {
  return f(caf::meta::type_name("call_resource"), x.sid, x.account_sid,
           x.status, x.direction, x.from, x.to, x.answered_by, x.date_created);
}

} // namespace sb
