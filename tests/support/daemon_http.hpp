// Requests from an end-to-end test to a running daemon_process over its
// public HTTP port, with the tools' http_client. Header-only.
#pragma once

#include <string>

#include <caf/expected.hpp>

#include "net/client/http_client.hpp"
#include "net/text/form.hpp"
#include "support/daemon_process.hpp"
#include "twilio/twilio_signature.hpp"

namespace sb::test {

/// POSTs `params` form-encoded to `path` on `d`, unsigned (the daemon runs
/// with signature checks off unless the test turned them on). HTTP error
/// statuses are answers; transport errors as http_client::request.
inline caf::expected<client_response>
post_form(http_client& cl, const daemon_process& d, const std::string& path,
          const form_params& params) {
  return cl.post_form(d.base_url() + path, form_encode(params));
}

/// POSTs `params` to `path` on `d` as Twilio does: form-encoded, with an
/// X-Twilio-Signature over the daemon's public URL + `path` under
/// `auth_token`, and any `extra` headers (a retry's
/// I-Twilio-Idempotency-Token).
inline caf::expected<client_response>
post_signed(http_client& cl, const daemon_process& d, const std::string& path,
            const form_params& params, const std::string& auth_token,
            http_client::headers extra = {}) {
  extra.emplace_back("X-Twilio-Signature",
                     twilio_signature(auth_token, d.base_url() + path, params));
  return cl.post_form(d.base_url() + path, form_encode(params), extra);
}

/// A <Gather> result for `sid`: the caller said `text` (confidence 0.9).
inline form_params speech_webhook(const std::string& sid,
                                  const std::string& text) {
  return {{"CallSid", sid},
          {"From", "+15550100"},
          {"CallStatus", "in-progress"},
          {"SpeechResult", text},
          {"Confidence", "0.9"}};
}

} // namespace sb::test
