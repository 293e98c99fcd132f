// X-Twilio-Signature: computing and checking the HMAC-SHA1 that Twilio puts
// on every webhook (Twilio's webhook security). Form POSTs sign the URL
// plus the sorted decoded body parameters; GETs, WebSocket upgrades and
// JSON bodies sign the URL alone, JSON bodies also binding the body
// through a bodySHA256 query parameter. Pure functions over OpenSSL: no
// I/O, no state, callable from any thread.
#pragma once

#include <string>
#include <string_view>

#include "net/text/form.hpp"

namespace sb {

/// The exact bytes that are signed: `url` followed, for every distinct
/// key in bytewise order, by key+value for each of its distinct values in
/// bytewise order (a repeated key "Digits" with 5678, 1234, 1234 gives
/// "Digits1234Digits5678"); an empty value contributes just the key.
/// `url` is used verbatim. Exposed for tests and diagnostics.
std::string twilio_signing_input(std::string_view url,
                                 const form_params& params);

/// base64(HMAC-SHA1(key = auth_token, twilio_signing_input(url, params))),
/// 28 characters with padding. Pass no params for GET, WebSocket and JSON
/// requests. Returns an empty string only if OpenSSL fails.
std::string twilio_signature(std::string_view auth_token, std::string_view url,
                             const form_params& params);

/// True if `signature` matches `params` signed with `auth_token` over any
/// of these forms of `url` (its #fragment dropped first): as given, with
/// its port removed, or with the scheme's default port (http 80, https
/// 443) added when it has none. Userinfo, case, path and query are kept
/// exactly as given; never case-fold or re-encode the URL before calling.
/// The comparison is constant-time for equal lengths. False for an empty
/// token or an empty signature.
/// REQUIRES: `url` is the public URL Twilio requested (scheme, host, port
/// as configured at Twilio + the raw request-target), `params` the decoded
/// form body with repeats and empty values kept (parse_form).
bool validate_twilio_signature(std::string_view auth_token,
                               std::string_view url, const form_params& params,
                               std::string_view signature);

/// For a JSON body: true if `url`'s query carries bodySHA256 equal to the
/// lowercase hex SHA-256 of `body` (constant-time) and `signature` signs
/// `url` alone (the same URL forms as above). False if bodySHA256 is
/// missing, for an empty token or for an empty signature.
bool validate_twilio_json_signature(std::string_view auth_token,
                                    std::string_view url, std::string_view body,
                                    std::string_view signature);

} // namespace sb
