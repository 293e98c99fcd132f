// The Twilio REST client behind twilio/twilio_rest.hpp: pure pieces (request
// validation, form encoding, Call-resource and error-body parsing, the
// backoff schedule) and one thin adapter that sends a form POST through
// curl_session and hands back status, body and Retry-After.
#include "twilio/twilio_rest.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <string_view>

#include <rapidjson/document.h>

#include "core/json_read.hpp"
#include "net/client/curl_session.hpp"
#include "net/text/form.hpp"

namespace sb {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr size_t max_body_bytes = 1024 * 1024;
constexpr size_t max_message_bytes = 300;
constexpr auto max_connect_timeout = milliseconds(5000);
constexpr auto max_retry_after = seconds(3600);
constexpr auto backoff_base = milliseconds(250);
constexpr auto backoff_cap = milliseconds(8000);

// What came back from one exchange that reached HTTP.
struct raw_answer {
  long status = 0;
  std::string body;
  milliseconds retry_after{0};
};

bool is_sid(std::string_view sid) {
  return !sid.empty() && std::all_of(sid.begin(), sid.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0;
  });
}

rest_failure refused(std::string why) {
  rest_failure f;
  f.message = std::move(why);
  f.kind = errc::bad_request;
  return f;
}

// Server text goes into log lines: bounded, one line, no control bytes.
std::string printable(std::string_view text) {
  std::string out(text.substr(0, max_message_bytes));
  for (auto& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F)
      c = ' ';
  return out;
}

std::string string_member(const rapidjson::Value& obj, const char* name) {
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || !it->value.IsString())
    return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

std::optional<call_resource> parse_call(std::string_view body) {
  rapidjson::Document doc;
  if (!parse_whole_json(doc, body) || !doc.IsObject())
    return std::nullopt;
  call_resource call;
  call.sid = string_member(doc, "sid");
  call.account_sid = string_member(doc, "account_sid");
  call.status = string_member(doc, "status");
  call.direction = string_member(doc, "direction");
  call.from = string_member(doc, "from");
  call.to = string_member(doc, "to");
  call.answered_by = string_member(doc, "answered_by");
  call.date_created = string_member(doc, "date_created");
  if (call.sid.empty())
    return std::nullopt;
  return call;
}

int code_member(const rapidjson::Value& obj) {
  auto it = obj.FindMember("code");
  if (it == obj.MemberEnd())
    return 0;
  if (it->value.IsInt())
    return it->value.GetInt();
  if (it->value.IsString())
    return std::atoi(it->value.GetString());
  return 0;
}

// Twilio's {code, message, more_info, status} or RFC 9457 problem JSON
// {type, title, status, code, detail, instance}. False if neither.
bool read_error_body(std::string_view body, rest_failure& f) {
  rapidjson::Document doc;
  if (!parse_whole_json(doc, body) || !doc.IsObject())
    return false;
  f.code = code_member(doc);
  // Twilio puts the headline in message (problem JSON: title) and may add
  // a detail; keep both when they differ.
  auto headline = string_member(doc, "message");
  if (headline.empty())
    headline = string_member(doc, "title");
  const auto detail = string_member(doc, "detail");
  if (headline.empty())
    headline = detail;
  else if (!detail.empty() && detail != headline)
    headline += ": " + detail;
  f.message = printable(headline);
  f.more_info = string_member(doc, "more_info");
  if (f.more_info.empty() && string_member(doc, "type") != "about:blank")
    f.more_info = string_member(doc, "type");
  f.more_info = printable(f.more_info);
  return f.code != 0 || !f.message.empty();
}

errc kind_of_status(long status) {
  if (status == 401 || status == 403)
    return errc::unauthorized;
  if (status == 404)
    return errc::not_found;
  if (status == 429)
    return errc::overloaded;
  if (status >= 400 && status < 500)
    return errc::bad_request;
  return errc::backend_failed;
}

rest_failure http_failure(const raw_answer& answer) {
  rest_failure f;
  f.http_status = answer.status;
  f.retry_after = answer.retry_after;
  f.retryable = answer.status == 429
                || (answer.status >= 500 && answer.status < 600);
  f.kind = kind_of_status(answer.status);
  if (!read_error_body(answer.body, f) || f.message.empty())
    f.message = answer.body.empty()
                  ? "HTTP " + std::to_string(answer.status) + " without body"
                  : printable(answer.body);
  return f;
}

// Only a failure to connect is retryable: after a timeout or a dropped
// connection a call may already have been placed, and placing it again
// would ring the callee twice (and bill twice).
rest_failure transport_failure(const curl_failure& failure) {
  rest_failure f;
  f.retryable = failure.kind() == curl_failure_kind::cannot_connect;
  f.kind = errc_of(failure);
  f.message = failure.message;
  return f;
}

// Retry-After as delta-seconds; an HTTP-date is ignored (0), so the caller
// falls back to its own backoff.
milliseconds parse_retry_after(std::string_view value) {
  auto space = [](char c) {
    return std::isspace(static_cast<unsigned char>(c)) != 0;
  };
  while (!value.empty() && space(value.front()))
    value.remove_prefix(1);
  while (!value.empty() && space(value.back()))
    value.remove_suffix(1);
  if (value.empty() || value.size() > 9
      || !std::all_of(value.begin(), value.end(),
                      [](char c) { return c >= '0' && c <= '9'; }))
    return milliseconds(0);
  auto secs = std::min<long>(std::stol(std::string(value)),
                             static_cast<long>(max_retry_after.count()));
  return seconds(secs);
}

form_params create_form(const create_call_params& p) {
  form_params f;
  auto add = [&f](const char* key, std::string_view value) {
    if (!value.empty())
      f.emplace_back(key, std::string(value));
  };
  add("To", p.to);
  add("From", p.from);
  add("Url", p.url);
  if (!p.url.empty())
    add("Method", p.method);
  add("StatusCallback", p.status_callback);
  if (!p.status_callback.empty())
    add("StatusCallbackMethod", p.status_callback_method);
  for (const auto& event : p.status_callback_events)
    add("StatusCallbackEvent", event);
  add("MachineDetection", p.machine_detection);
  add("AsyncAmd", p.async_amd ? "true" : "");
  add("AsyncAmdStatusCallback", p.async_amd_status_callback);
  add("Record", p.record ? "true" : "");
  add("RecordingStatusCallback", p.recording_status_callback);
  for (const auto& event : p.recording_status_callback_events)
    add("RecordingStatusCallbackEvent", event);
  add("Timeout", p.timeout_s > 0 ? std::to_string(p.timeout_s) : "");
  return f;
}

std::optional<rest_failure> check_update(const call_update& u) {
  if (!u.status.empty() && u.status != "completed" && u.status != "canceled")
    return refused("call update: status must be completed or canceled, not '"
                   + printable(u.status) + "'");
  if (!u.url.empty() && !u.twiml.empty())
    return refused("call update: url and twiml are mutually exclusive");
  if (u.status.empty() && u.url.empty() && u.twiml.empty())
    return refused("call update: nothing to update");
  return std::nullopt;
}

form_params update_form(const call_update& u) {
  form_params f;
  if (!u.status.empty())
    f.emplace_back("Status", u.status);
  if (!u.url.empty())
    f.emplace_back("Url", u.url);
  if (!u.twiml.empty())
    f.emplace_back("Twiml", u.twiml);
  return f;
}

} // namespace

std::string describe(const rest_failure& failure) {
  std::string out = "Twilio";
  if (failure.code != 0)
    out += " " + std::to_string(failure.code);
  if (failure.http_status != 0)
    out += " (HTTP " + std::to_string(failure.http_status) + ")";
  else if (failure.kind == errc::bad_request)
    out += " request refused";
  else
    out += " transport error";
  out += ": " + failure.message;
  if (!failure.more_info.empty())
    out += " " + failure.more_info;
  return out;
}

caf::error to_error(const rest_failure& failure) {
  return make_error(failure.kind, describe(failure));
}

std::optional<milliseconds> retry_delay(const rest_failure& failure,
                                        int attempt, int max_attempts) {
  if (!failure.retryable || attempt + 1 >= max_attempts)
    return std::nullopt;
  if (failure.retry_after > milliseconds(0))
    return failure.retry_after;
  // 250 ms · 2^attempt reaches the 8 s cap at attempt 5; stop shifting
  // there so a large attempt cannot overflow.
  const int shift = std::clamp(attempt, 0, 5);
  return std::min(backoff_base * (1 << shift), backoff_cap);
}

struct twilio_rest_client::impl {
  std::string base;
  twilio_credentials creds;
  curl_limits limits;
  curl_session session;

  rest_result<call_resource> post_call(const std::string& path,
                                       const form_params& form);
  rest_result<raw_answer> post(const std::string& url, std::string body);
  std::string account_path() const {
    return base + "/2010-04-01/Accounts/" + creds.account_sid + "/Calls";
  }
};

rest_result<raw_answer> twilio_rest_client::impl::post(const std::string& url,
                                                       std::string body) {
  const bool api_key = !creds.api_key_sid.empty()
                       && !creds.api_key_secret.empty();
  curl_request req;
  req.method = "POST";
  req.url = url;
  req.body = std::move(body);
  req.headers = {"Accept: application/json", "Accept-Charset: utf-8",
                 "Content-Type: application/x-www-form-urlencoded"};
  req.user = api_key ? creds.api_key_sid : creds.account_sid;
  req.password = api_key ? creds.api_key_secret : creds.auth_token;
  auto answer = session.perform(req, limits);
  if (!answer)
    return transport_failure(answer.failure());
  raw_answer out;
  out.status = answer->status;
  out.body = std::move(answer->body);
  if (const auto* retry_after = answer->header("retry-after"))
    out.retry_after = parse_retry_after(*retry_after);
  return out;
}

rest_result<call_resource>
twilio_rest_client::impl::post_call(const std::string& url,
                                    const form_params& form) {
  auto answer = post(url, form_encode(form));
  if (!answer)
    return answer.failure();
  if (answer->status < 200 || answer->status >= 300)
    return http_failure(answer.value());
  if (auto call = parse_call(answer->body))
    return std::move(*call);
  rest_failure f;
  f.http_status = answer->status;
  f.message = "answer is not a Call resource: " + printable(answer->body);
  return f;
}

twilio_rest_client::twilio_rest_client(std::string api_base,
                                       twilio_credentials creds,
                                       std::chrono::milliseconds timeout)
  : impl_(std::make_unique<impl>()) {
  while (!api_base.empty() && api_base.back() == '/')
    api_base.pop_back();
  impl_->base = std::move(api_base);
  impl_->creds = std::move(creds);
  impl_->limits.total = std::max(timeout, milliseconds(1));
  impl_->limits.connect = std::min(impl_->limits.total, max_connect_timeout);
  impl_->limits.max_body_bytes = max_body_bytes;
}

twilio_rest_client::~twilio_rest_client() = default;

twilio_rest_client::twilio_rest_client(twilio_rest_client&&) noexcept = default;
twilio_rest_client&
twilio_rest_client::operator=(twilio_rest_client&&) noexcept = default;

rest_result<call_resource>
twilio_rest_client::create_call(const create_call_params& params) {
  if (!is_sid(impl_->creds.account_sid))
    return refused("account SID must be [A-Za-z0-9]+");
  if (params.to.empty() || params.from.empty() || params.url.empty())
    return refused("create call: to, from and url are required");
  return impl_->post_call(impl_->account_path() + ".json", create_form(params));
}

rest_result<call_resource>
twilio_rest_client::update_call(const std::string& call_sid,
                                const call_update& update) {
  if (!is_sid(impl_->creds.account_sid))
    return refused("account SID must be [A-Za-z0-9]+");
  if (!is_sid(call_sid))
    return refused("call SID must be [A-Za-z0-9]+, got '" + printable(call_sid)
                   + "'");
  if (auto bad = check_update(update))
    return *bad;
  return impl_->post_call(impl_->account_path() + "/" + call_sid + ".json",
                          update_form(update));
}

} // namespace sb
