// Twilio's requests as typed call events (core/call_event.hpp): the one
// place that reads the parameter names of Twilio's webhooks and the field
// names of its ConversationRelay frames on the way in. Pure functions: no
// I/O, no actors. The webhook front and the relay proxy (app/) call them;
// the actors see only the events.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/call_event.hpp"
#include "net/text/form.hpp"
#include "twilio/media_frames.hpp"
#include "twilio/relay_frames.hpp"

namespace sb {

/// The webhook `kind` for `call_sid`, from its decoded body `params`
/// (kept as the event's `raw`) and, for /voice/await, the `turn` asked
/// for. Fields the webhook does not carry stay empty; a number that is
/// malformed or not finite is taken as absent. Also sets request_digest,
/// equal for two requests with the same route, turn and parameters.
/// `authenticated` and `idempotency_token` are the caller's to set.
call_event webhook_call_event(event_kind kind, std::string call_sid,
                              form_params params, std::string received_at,
                              int64_t turn = 0);

/// A frame of `call_sid`'s relay socket as its event, with the frame's
/// fields as `raw` too (so the event log keeps frames as it keeps
/// webhooks); nullopt for a frame that carries no event (an unknown
/// type). A setup becomes relay_open with what it says of the call.
std::optional<call_event> relay_frame_event(const relay_inbound& frame,
                                            const std::string& call_sid,
                                            std::string received_at);

/// The relay socket of `call_sid` went away, for `reason`.
call_event relay_closed_event(const std::string& call_sid, std::string reason,
                              std::string received_at);

/// A media stream's start frame as media_open for the call it names.
call_event media_start_event(const media_start& start, std::string received_at);

/// A media stream's dtmf frame as a media_dtmf event of `call_sid`.
call_event media_dtmf_event(const media_dtmf& dtmf, const std::string& call_sid,
                            std::string received_at);

/// A media stream's stop frame as media_stop of `call_sid`.
call_event media_stop_event(const media_stop& stop, const std::string& call_sid,
                            std::string received_at);

/// An event of `call_sid`'s media stream that no single frame of Twilio's
/// carries (what the proxy heard or did: a turn, a mark, a barge-in, the
/// socket gone...); the caller fills ev.media and ev.input. `raw` names
/// what the event log keeps of it.
call_event
media_stream_event(event_kind kind, const std::string& call_sid,
                   std::string received_at,
                   std::vector<std::pair<std::string, std::string>> raw = {});

/// A number Twilio sent as text ("0.91", "42"); nullopt when absent,
/// malformed, or not finite.
std::optional<double> twilio_number(const std::string* text);

} // namespace sb
