// The webhooks every single-call transport posts alike, signed like
// Twilio's and recorded in the call's transcript.
#include "cli/sim/sim_call_webhooks.hpp"

#include <cstdio>

#include "core/error.hpp"

namespace sb {

std::string number_text(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", v);
  return text;
}

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(
           std::chrono::steady_clock::now() - start)
    .count();
}

call_webhooks::call_webhooks(http_client& client, const sim_call_options& opts,
                             sim_party party, sim_result& result)
  : client_(client), opts_(opts), party_(std::move(party)), result_(result) {
  // nop
}

std::string call_webhooks::public_base() const {
  return opts_.public_url.empty() ? opts_.base_url : opts_.public_url;
}

// TwiML names the daemon by its public URL; the simulator keeps the path
// and query and talks to base_url.
caf::expected<client_response> call_webhooks::post(const std::string& url,
                                                   const form_params& params) {
  auto target = url_target(url);
  http_client::headers headers;
  if (!opts_.auth_token.empty())
    headers.emplace_back("X-Twilio-Signature",
                         sign_webhook(opts_.auth_token, public_base(), target,
                                      params));
  return client_.post_form(opts_.base_url + target, form_encode(params),
                           headers);
}

double call_webhooks::callback(const std::string& path,
                               const form_params& params,
                               const std::string& line) {
  auto start = std::chrono::steady_clock::now();
  auto resp = post(path, params);
  auto ms = ms_since(start);
  if (!line.empty())
    result_.transcript.push_back({"twilio", line, ms, {}});
  if (!resp)
    result_.error = what(resp.error());
  else if (resp->status != 200)
    result_.error = "HTTP " + std::to_string(resp->status) + " from " + path
                    + ": " + resp->body;
  return ms;
}

std::string call_webhooks::answer_target() const {
  return opts_.outbound ? "/voice/outbound" : "/voice/inbound";
}

form_params call_webhooks::answer_params() const {
  auto answer = twilio_standard_params(party_, opts_.outbound ? "in-progress"
                                                              : "ringing");
  if (opts_.outbound && !opts_.answered_by.empty())
    answer.emplace_back("AnsweredBy", opts_.answered_by);
  return answer;
}

void call_webhooks::before_answer() {
  if (opts_.status_callbacks && opts_.outbound) {
    status("initiated");
    status("ringing");
  }
}

void call_webhooks::after_answer(double since_start_ms) {
  if (opts_.status_callbacks && opts_.outbound)
    status("in-progress"); // the "answered" event
  if (!opts_.amd_result.empty())
    amd(since_start_ms);
}

void call_webhooks::finish(long seconds) {
  if (opts_.send_completed && result_.error.empty())
    complete(seconds);
  if (opts_.recording && result_.error.empty())
    recording(seconds);
}

form_params call_webhooks::status_params(const std::string& status) {
  auto p = twilio_standard_params(party_, status);
  p.emplace_back("CallbackSource", "call-progress-events");
  p.emplace_back("Called", opts_.to);
  p.emplace_back("Caller", opts_.from);
  p.emplace_back("SequenceNumber", std::to_string(sequence_++));
  p.emplace_back("Timestamp", rfc2822_now());
  return p;
}

void call_webhooks::status(const std::string& status) {
  auto p = status_params(status);
  callback("/call-status", p,
           "status " + status + " (#" + param_or(p, "SequenceNumber") + ")");
}

void call_webhooks::complete(long seconds) {
  auto secs = std::to_string(seconds);
  if (!opts_.status_callbacks) {
    auto p = twilio_standard_params(party_, "completed");
    p.emplace_back("CallDuration", secs);
    result_.completed_ms = callback("/call-status", p, {});
    return;
  }
  auto p = status_params("completed");
  p.emplace_back("CallDuration", secs);
  p.emplace_back("Duration",
                 std::to_string((seconds + 59) / 60)); // billed minutes
  p.emplace_back("SipResponseCode", "200");
  callback("/call-status", p,
           "status completed, " + secs + " s (#" + param_or(p, "SequenceNumber")
             + ")");
}

// The call's recording is ready: Twilio's completed recording callback.
void call_webhooks::recording(long seconds) {
  auto sid = random_sid("RE");
  form_params p{{"AccountSid", opts_.account_sid},
                {"CallSid", party_.call_sid},
                {"RecordingChannels", "1"},
                {"RecordingDuration", std::to_string(seconds)},
                {"RecordingSid", sid},
                {"RecordingSource",
                 opts_.outbound ? "OutboundAPI" : "StartCallRecordingAPI"},
                {"RecordingStartTime", rfc2822_now()},
                {"RecordingStatus", "completed"},
                {"RecordingTrack", "both"},
                {"RecordingUrl", "https://api.twilio.com/2010-04-01/Accounts/"
                                   + opts_.account_sid + "/Recordings/" + sid}};
  callback("/recording-status", p,
           "recording " + sid + " completed, " + std::to_string(seconds)
             + " s");
}

// Asynchronous AMD: the verdict comes after the call is already talking.
void call_webhooks::amd(double detection_ms) {
  form_params p{{"AccountSid", opts_.account_sid},
                {"AnsweredBy", opts_.amd_result},
                {"CallSid", party_.call_sid},
                {"MachineDetectionDuration",
                 std::to_string(static_cast<long>(detection_ms))}};
  callback("/amd-status", p, "AMD result " + opts_.amd_result);
}

} // namespace sb
