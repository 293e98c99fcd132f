// A Twilio webhook request, checked and turned into a typed call event:
// the pure half of the webhook front (app/http_front.cpp answers and
// logs). It decodes the body (form or JSON), checks X-Twilio-Signature
// over server.public_url, refuses ambiguous duplicates of the parameters
// the daemon acts on, and validates CallSid and ?turn=. Nothing here does
// I/O, so a request is accepted or refused the same way in the unit tests
// as in the daemon.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "app/routes.hpp"
#include "core/call_event.hpp"
#include "core/config.hpp"
#include "net/http/http_types.hpp"
#include "net/text/form.hpp"

namespace sb {

/// Why a webhook is refused, and what to answer.
struct webhook_refusal {
  unsigned status = 400;      // 400 malformed, 403 not signed, 415 type
  std::string detail;         // the error body; names the field at fault
  std::string log;            // the reason for the log line (no secrets)
  bool bad_signature = false; // counts as a signature failure
  std::string call_sid;       // bad_signature: the CallSid it claimed
};

/// The event, or why there is none.
struct webhook_check {
  std::optional<call_event> event;
  webhook_refusal refusal; // meaningful when !event
};

/// Checks the webhook request `req` that matched route `id` (a Twilio
/// webhook route: is_twilio_webhook(id)) under `cfg`, received at
/// `received_at`. The event is `authenticated` when its signature was
/// checked (twilio.validate_signatures on).
webhook_check check_webhook(route_id id, const http_request& req,
                            const config& cfg, std::string received_at);

/// The first of the parameters the daemon acts on that `params` gives two
/// different values, or empty. An exact repeat is one value.
std::string_view conflicting_key(const form_params& params);

} // namespace sb
