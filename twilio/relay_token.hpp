// The per-call token that authenticates a ConversationRelay WebSocket: we
// put it in the <ConversationRelay url> of the TwiML for one call, and the
// upgrade request for that call must carry it back. It binds the CallSid
// and the time it was issued with an HMAC-SHA256 keyed by the account's
// auth token, so nothing is stored per call and a token cannot be moved
// to another call. Pure functions over OpenSSL: no I/O, no state, callable
// from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sb {

/// "<issued>.<base64url(HMAC-SHA256(auth_token,
///   "relay:" + call_sid + ":" + issued))>", `issued` in decimal without
/// leading zeros and the signature base64url without padding (43
/// characters). The token uses only [0-9A-Za-z._-], so it can go into a
/// URL query unescaped. Returns an empty string if `auth_token` is empty
/// or OpenSSL fails.
/// REQUIRES: issued_unix_s >= 0.
std::string make_relay_token(std::string_view auth_token,
                             std::string_view call_sid, int64_t issued_unix_s);

/// The verdict on a token, in the order it is checked.
enum class relay_token_status {
  ok,
  malformed,     // not "<digits>.<43 base64url characters>"
  bad_signature, // another call, another auth token, or tampered with
  expired,       // issued more than max_age_s before now
  from_future,   // issued more than max_skew_s after now
};

/// "ok", "malformed", "bad_signature", "expired", "from_future".
std::string_view to_string(relay_token_status status);

/// Checks `token` for `call_sid`. The signature is compared in constant
/// time (equal_secrets) and before the times, so `expired` and
/// `from_future` are only ever said of tokens we issued. An empty
/// `auth_token` gives bad_signature for every well-formed token.
/// REQUIRES: max_age_s >= 0, max_skew_s >= 0 (negative counts as 0).
relay_token_status
check_relay_token(std::string_view auth_token, std::string_view call_sid,
                  std::string_view token, int64_t now_unix_s, int64_t max_age_s,
                  int64_t max_skew_s = 60);

} // namespace sb
