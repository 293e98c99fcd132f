// POST /make-call, the prototype's operator endpoint that places an
// outbound call: JSON {"to_number": "+…", "from_number": "+…"?} in,
// {"success", "call_sid", "status", "to", "from"} out. Pure parsing and
// validation here; the bridge sends the result to the ingress actor.
#pragma once

#include <string>
#include <string_view>

#include <caf/expected.hpp>

#include "actors/messages.hpp"
#include "core/config.hpp"
#include "core/e164.hpp"

namespace sb {

/// Parses the body; from_number defaults to twilio.phone_number. Errors:
/// errc::bad_request naming the field ("to_number: must be an E.164 number
/// like +14155550100"), errc::backend_failed when Twilio credentials are
/// not configured.
caf::expected<dial_request> parse_make_call(std::string_view body,
                                            const config& cfg);

/// The prototype's success body.
std::string make_call_json(const dial_request& req, const dial_outcome& out);

} // namespace sb
