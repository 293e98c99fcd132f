// The parts of a Twilio webhook that the single-call player and the load
// runner share: the standard parameters every voice request carries, the
// request-target of a URL taken from TwiML, the route a target belongs to,
// and the X-Twilio-Signature over the daemon's public URL. Pure functions,
// so both transports (libcurl, Beast) sign and address requests alike.
#pragma once

#include <string>
#include <string_view>

#include <caf/expected.hpp>

#include "net/text/form.hpp"

namespace sb {

/// Who the call is between; the same on every request of one call.
struct sim_party {
  std::string account_sid = "AC00000000000000000000000000000000";
  std::string call_sid;
  std::string from = "+14155550100";
  std::string to = "+14155550199";
  bool outbound = false; // Direction outbound-api (REST-created) vs inbound
};

/// AccountSid, ApiVersion, CallSid, CallStatus, Direction, From, To: what
/// Twilio sends on every voice URL, action and status request.
form_params twilio_standard_params(const sim_party& party,
                                   const std::string& call_status);

/// A Media Stream's status callback: AccountSid, CallSid, StreamSid,
/// StreamName (the streamSid: the TwiML names no stream), StreamEvent
/// (stream-started, stream-stopped) and Timestamp, which unlike every
/// other webhook's date is ISO 8601 in UTC.
form_params stream_status_params(const sim_party& party,
                                 const std::string& stream_sid,
                                 const std::string& event);

/// The request-target ("/path?query") of `url`: an absolute URL loses its
/// scheme and authority (TwiML names the daemon by its public URL, the
/// simulator talks to it directly); a relative one gets a leading '/'. A
/// #fragment is never sent, so it is dropped.
std::string url_target(std::string_view url);

/// The daemon's route name for a request-target, as in its metrics:
/// "inbound", "outbound", "process-speech", "await", "call-status",
/// "recording-status", "amd-status", "audio"; otherwise the path.
std::string route_of_target(std::string_view target);

/// The X-Twilio-Signature value for a form POST of `params` to `target`,
/// signed over `public_base` + `target` as Twilio signs the URL it called.
std::string sign_webhook(std::string_view auth_token,
                         std::string_view public_base, std::string_view target,
                         const form_params& params);

/// `url` without trailing '/' characters.
std::string without_trailing_slash(std::string url);

/// Where the daemon listens, as the Beast clients connect to it.
struct host_port {
  std::string host; // a name or an address, IPv6 without brackets
  std::string port; // "80" when the URL names none
};

/// Splits http://HOST[:PORT][/]: the Beast clients (load runner, relay
/// WebSocket) speak plain HTTP to the daemon's own listener; TLS belongs
/// to the proxy in front of it. Errors: errc::bad_request, "--url URL:
/// why", where an https:// URL is refused as "`who` needs http://...".
caf::expected<host_port> parse_base_url(const std::string& url,
                                        std::string_view who);

/// A fresh Twilio-shaped SID: `prefix` + 32 lower-case hex digits.
std::string random_sid(std::string_view prefix);

/// Now as Twilio writes dates in webhooks: RFC 2822 in UTC.
std::string rfc2822_now();

} // namespace sb
