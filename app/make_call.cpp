#include "app/make_call.hpp"

#include <rapidjson/document.h>

#include "core/e164.hpp"
#include "core/error.hpp"
#include "core/json_read.hpp"
#include "net/text/json_writer.hpp"

namespace sb {

namespace {

// Reads an optional string member; false if present but not a string.
bool string_member(const rapidjson::Value& obj, const char* key,
                   std::string& out) {
  auto it = obj.FindMember(key);
  if (it == obj.MemberEnd() || it->value.IsNull())
    return true;
  if (!it->value.IsString())
    return false;
  out.assign(it->value.GetString(), it->value.GetStringLength());
  return true;
}

} // namespace

caf::expected<dial_request> parse_make_call(std::string_view body,
                                            const config& cfg) {
  rapidjson::Document doc;
  if (!parse_whole_json(doc, body) || !doc.IsObject())
    return make_error(errc::bad_request, "body: expected a JSON object");
  dial_request req;
  if (!string_member(doc, "to_number", req.to))
    return make_error(errc::bad_request, "to_number: must be a string");
  if (!string_member(doc, "from_number", req.from))
    return make_error(errc::bad_request, "from_number: must be a string");
  if (req.from.empty())
    req.from = cfg.twilio.phone_number;
  if (!is_e164(req.to))
    return make_error(errc::bad_request,
                      "to_number: must be an E.164 number like +14155550100");
  if (req.from.empty())
    return make_error(errc::bad_request,
                      "from_number: required (no twilio.phone_number set)");
  if (!is_e164(req.from))
    return make_error(errc::bad_request,
                      "from_number: must be an E.164 number like +14155550100");
  if (cfg.twilio.account_sid.empty() || cfg.twilio.auth_token.empty())
    return make_error(errc::backend_failed,
                      "Twilio credentials are not configured "
                      "(twilio.account_sid, twilio.auth_token)");
  return req;
}

std::string make_call_json(const dial_request& req, const dial_outcome& out) {
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  w.StartObject();
  w.Key("success");
  w.Bool(true);
  write_field(w, "call_sid", out.call_sid);
  write_field(w, "status", out.status);
  write_field(w, "to", req.to);
  write_field(w, "from", req.from);
  w.EndObject();
  return json_text(buf);
}

} // namespace sb
