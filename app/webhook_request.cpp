#include "app/webhook_request.hpp"

#include <cctype>
#include <utility>

#include <rapidjson/document.h>

#include "core/error.hpp"
#include "core/json_read.hpp"
#include "twilio/call_events.hpp"
#include "twilio/twilio_signature.hpp"

namespace sb {

namespace {

// The parameters the daemon acts on. Twilio sends each once; one that
// comes twice with different values is ambiguous (which call? which
// words?) and the webhook is refused. An exact repeat carries one value:
// Twilio's helper libraries fold exact duplicates when they sign a body, so
// it is taken as that value. Keys nothing here reads may repeat freely, as
// Twilio may add parameters at any time.
constexpr std::string_view single_valued_keys[] = {"AccountSid",
                                                   "AnsweredBy",
                                                   "CallDuration",
                                                   "CallSid",
                                                   "CallStatus",
                                                   "Confidence",
                                                   "Direction",
                                                   "From",
                                                   "RecordingChannels",
                                                   "RecordingDuration",
                                                   "RecordingSid",
                                                   "RecordingStatus",
                                                   "RecordingUrl",
                                                   "SequenceNumber",
                                                   "SpeechResult",
                                                   "To",
                                                   "turn"};

// Twilio's tokens are short; a longer one is not Twilio's and would only
// cost memory in the call's replay record, so it is ignored.
constexpr size_t max_idempotency_token = 128;

bool valid_call_sid(std::string_view sid) {
  if (sid.empty() || sid.size() > 64)
    return false;
  for (char c : sid)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-')
      return false;
  return true;
}

event_kind kind_of(route_id id) {
  switch (id) {
    case route_id::voice_inbound: return event_kind::inbound;
    case route_id::voice_outbound: return event_kind::outbound;
    case route_id::process_speech: return event_kind::process_speech;
    case route_id::await_turn: return event_kind::await_turn;
    case route_id::relay_done: return event_kind::relay_done;
    case route_id::media_done: return event_kind::media_done;
    case route_id::media_status: return event_kind::media_status;
    case route_id::call_status: return event_kind::call_status;
    case route_id::recording_status: return event_kind::recording_status;
    default: return event_kind::amd_status;
  }
}

bool is_json(const http_request& req) {
  return req.content_type.find("application/json") != std::string::npos;
}

bool is_form(const http_request& req) {
  return req.content_type.find("application/x-www-form-urlencoded")
         != std::string::npos;
}

// A JSON webhook body (Twilio signs those through bodySHA256) as form
// parameters: string values as they are, numbers and booleans as text.
caf::expected<form_params> json_params(std::string_view body) {
  rapidjson::Document doc;
  if (!parse_whole_json(doc, body) || !doc.IsObject())
    return make_error(errc::bad_request, "JSON body: expected an object");
  form_params out;
  for (auto& m : doc.GetObject()) {
    std::string key{m.name.GetString(), m.name.GetStringLength()};
    if (m.value.IsString())
      out.emplace_back(key, std::string{m.value.GetString(),
                                        m.value.GetStringLength()});
    else if (m.value.IsBool())
      out.emplace_back(key, m.value.GetBool() ? "true" : "false");
    else if (m.value.IsInt64())
      out.emplace_back(key, std::to_string(m.value.GetInt64()));
    else if (m.value.IsNumber())
      out.emplace_back(key, std::to_string(m.value.GetDouble()));
  }
  return out;
}

// X-Twilio-Signature over the public URL Twilio called (public_url + the
// request-target as received) and the body's parameters.
bool signed_by_twilio(const http_request& req, const form_params& params,
                      const config& cfg) {
  auto url = cfg.server.public_url + req.target;
  if (is_json(req))
    return validate_twilio_json_signature(cfg.twilio.auth_token, url, req.body,
                                          req.twilio_signature);
  return validate_twilio_signature(cfg.twilio.auth_token, url, params,
                                   req.twilio_signature);
}

// ?turn=N of /voice/await, N >= 1.
bool parse_turn(const std::string& query, int64_t& out) {
  auto q = parse_form(query);
  if (!q || !conflicting_key(*q).empty())
    return false;
  auto text = param_or(*q, "turn");
  if (text.empty() || text.size() > 18
      || text.find_first_not_of("0123456789") != std::string::npos)
    return false;
  out = std::stoll(text);
  return out >= 1;
}

webhook_check refused(unsigned status, std::string detail, std::string log,
                      bool bad_signature = false, std::string call_sid = {}) {
  return {std::nullopt,
          {status, std::move(detail), std::move(log), bad_signature,
           std::move(call_sid)}};
}

} // namespace

std::string_view conflicting_key(const form_params& params) {
  for (auto key : single_valued_keys) {
    const std::string* first = find_param(params, key);
    if (first == nullptr)
      continue;
    for (const auto& [k, v] : params)
      if (k == key && v != *first)
        return key;
  }
  return {};
}

webhook_check check_webhook(route_id id, const http_request& req,
                            const config& cfg, std::string received_at) {
  if (!is_json(req) && !is_form(req))
    return refused(415, "expected application/x-www-form-urlencoded",
                   "Content-Type " + req.content_type);
  auto params = is_json(req) ? json_params(req.body) : parse_form(req.body);
  if (!params)
    return refused(400, what(params.error()), what(params.error()));
  bool checked = cfg.twilio.validate_signatures;
  if (checked && !signed_by_twilio(req, *params, cfg)) {
    auto why = req.twilio_signature.empty() ? "no X-Twilio-Signature"
                                            : "invalid X-Twilio-Signature";
    return refused(403, "invalid or missing X-Twilio-Signature", why, true,
                   param_or(*params, "CallSid"));
  }
  if (auto key = conflicting_key(*params); !key.empty())
    return refused(400,
                   std::string{key} + ": given twice with different values",
                   std::string{key} + " given twice, differently");
  auto sid = param_or(*params, "CallSid");
  if (!valid_call_sid(sid))
    return refused(400, "CallSid: missing or malformed",
                   "missing or malformed CallSid");
  int64_t turn = 0;
  if (id == route_id::await_turn && !parse_turn(req.query, turn))
    return refused(400, "turn: missing or not a positive number",
                   "turn: missing or not a positive number");
  auto ev = webhook_call_event(kind_of(id), std::move(sid), std::move(*params),
                               std::move(received_at), turn);
  ev.authenticated = checked;
  if (req.idempotency_token.size() <= max_idempotency_token)
    ev.idempotency_token = req.idempotency_token;
  return {std::move(ev), {}};
}

} // namespace sb
