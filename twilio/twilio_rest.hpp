// A blocking client for the two Twilio Voice REST calls the daemon makes
// (Twilio's Calls resource): create an outbound call and update a live one
// (hang up, redirect to a URL or to inline TwiML). One libcurl easy handle,
// reused across requests for keep-alive; ONE attempt per call, never a
// sleep or a retry loop inside. Failures are values (rest_failure) that say
// whether and when to retry; retry_delay() turns that into a backoff the
// owning actor schedules with a delayed message.
#pragma once

#include <cassert>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <caf/error.hpp>

#include "core/error.hpp"

namespace sb {

/// HTTP Basic credentials. With an API key set (both fields non-empty) the
/// key SID and secret authenticate and `auth_token` is not sent; the account
/// SID always goes in the path.
struct twilio_credentials {
  std::string account_sid;
  std::string auth_token;
  std::string api_key_sid;    // "SK…", optional
  std::string api_key_secret; // optional
};

/// POST …/Calls.json. Empty strings, empty lists, false and 0 are not sent;
/// lists repeat their key (StatusCallbackEvent=initiated&…=ringing).
/// `method` is sent with `url`, `status_callback_method` with
/// `status_callback`. REQUIRES: to, from and url non-empty.
struct create_call_params {
  std::string to, from, url, method = "POST", status_callback,
                             status_callback_method = "POST";
  std::vector<std::string> status_callback_events;
  std::string machine_detection; // "Enable" | "DetectMessageEnd" | ""
  bool async_amd = false;
  std::string async_amd_status_callback;
  bool record = false;
  std::string recording_status_callback;
  std::vector<std::string> recording_status_callback_events;
  int timeout_s = 0; // ring time; 0 = Twilio's default (60)
};

/// POST …/Calls/{CallSid}.json. `url` and `twiml` are mutually exclusive;
/// at least one field must be set.
struct call_update {
  std::string status; // "completed" | "canceled" | ""
  std::string url;    // redirect: fetch new TwiML (POST)
  std::string twiml;  // redirect: run this TwiML document
};

/// The fields of Twilio's Call resource the daemon uses; JSON null → "".
struct call_resource {
  std::string sid, account_sid, status, direction, from, to, answered_by,
    date_created;
};

/// Why a request did not succeed. `http_status` is 0 when no HTTP answer
/// arrived (transport error) or the request was refused before sending.
/// `retryable` is true only for 429, 5xx, and transport errors where the
/// request never left (resolve, connect). A timeout or a dropped connection
/// is final: create_call's body may have arrived and placed the call.
struct rest_failure {
  long http_status = 0;
  int code = 0; // Twilio error code, e.g. 21211; 0 if none
  std::string message, more_info;
  bool retryable = false;
  // Retry-After in seconds (at most 1 h); 0 if absent or an HTTP-date.
  std::chrono::milliseconds retry_after{0};
  // bad_request: refused locally or another 4xx; unauthorized: 401/403;
  // not_found: 404; overloaded: 429; timed_out: transport timeout;
  // backend_failed: everything else.
  errc kind = errc::backend_failed;
};

/// Either a value or the rest_failure that prevented it.
template <class T>
class rest_result {
public:
  rest_result(T value) : state_(std::move(value)) {
  }
  rest_result(rest_failure failure) : state_(std::move(failure)) {
  }
  bool ok() const {
    return state_.index() == 0;
  }
  explicit operator bool() const {
    return ok();
  }
  // REQUIRES: ok()
  T& value() {
    assert(ok());
    return *std::get_if<0>(&state_);
  }
  const T& value() const {
    assert(ok());
    return *std::get_if<0>(&state_);
  }
  T* operator->() {
    return &value();
  }
  const T* operator->() const {
    return &value();
  }
  // REQUIRES: !ok()
  const rest_failure& failure() const {
    assert(!ok());
    return *std::get_if<1>(&state_);
  }

private:
  std::variant<T, rest_failure> state_;
};

/// "Twilio 21211 (HTTP 400): <message> <more_info>"; transport errors and
/// local refusals are described without the HTTP part. Never contains
/// credentials.
std::string describe(const rest_failure& failure);

/// make_error(failure.kind, describe(failure)), for replying to actors.
caf::error to_error(const rest_failure& failure);

/// The delay before attempt `attempt + 1`, given that attempt `attempt`
/// (0-based) just failed: Retry-After if the failure carried one, else
/// 250 ms · 2^attempt capped at 8 s. nullopt when the failure is not
/// retryable or `attempt + 1 >= max_attempts`. Pure; no jitter.
std::optional<std::chrono::milliseconds>
retry_delay(const rest_failure& failure, int attempt, int max_attempts);

class twilio_rest_client {
public:
  /// `api_base` is scheme://host[:port] without a trailing path, e.g.
  /// "https://api.twilio.com". `timeout` bounds each request as a whole;
  /// connecting gets at most min(timeout, 5 s).
  twilio_rest_client(
    std::string api_base, twilio_credentials creds,
    std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~twilio_rest_client();
  twilio_rest_client(twilio_rest_client&&) noexcept;
  twilio_rest_client& operator=(twilio_rest_client&&) noexcept;

  /// Blocks for one request (≤ timeout). Not thread-safe: one owner, which
  /// in the daemon is a detached actor. Success is a 2xx (Twilio: 201)
  /// carrying a Call resource; a 2xx without one is a non-retryable
  /// failure, since the call may exist.
  /// REQUIRES: *this not moved from. Refused locally (kind bad_request,
  /// nothing sent): empty to/from/url, an account SID that is not
  /// [A-Za-z0-9]+.
  rest_result<call_resource> create_call(const create_call_params& params);

  /// As create_call; expects 200. Refused locally: a call or account SID
  /// that is not [A-Za-z0-9]+, both url and twiml set, nothing set, a
  /// status other than completed/canceled.
  rest_result<call_resource> update_call(const std::string& call_sid,
                                         const call_update& update);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace sb
