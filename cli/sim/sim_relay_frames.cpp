// Twilio's side of the ConversationRelay frames over RapidJSON. The
// parser is as strict as Twilio is about what it acts on (a text frame
// without a string token is refused there with error 64107, so it is an
// error here, where the point is to catch the daemon's mistakes) and
// ignores what Twilio ignores: unknown types and extra fields.
#include "cli/sim/sim_relay_frames.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "core/error.hpp"
#include "core/json_read.hpp"
#include "net/text/json_writer.hpp"

namespace sb {
namespace {

using json_value = rapidjson::Value;

caf::error frame_error(const std::string& why) {
  return make_error(errc::bad_request, "daemon frame: " + why);
}

// Member `name` of `obj` as a string into `out`. Absent: an error if
// `required`, else `out` stays as it is; null counts as absent.
caf::error read_string(const json_value& obj, const char* name, bool required,
                       std::string& out) {
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || it->value.IsNull())
    return required ? frame_error(std::string("'") + name + "' is missing")
                    : caf::error{};
  if (!it->value.IsString())
    return frame_error(std::string("'") + name + "' is not a string");
  out.assign(it->value.GetString(), it->value.GetStringLength());
  return {};
}

caf::expected<daemon_frame> parse_text(const json_value& obj) {
  daemon_text out;
  if (auto err = read_string(obj, "token", true, out.token))
    return err;
  auto it = obj.FindMember("last");
  if (it != obj.MemberEnd() && !it->value.IsNull()) {
    if (!it->value.IsBool())
      return frame_error("'last' is not a boolean");
    out.last = it->value.GetBool();
  }
  return out;
}

caf::expected<daemon_frame> parse_end(const json_value& obj) {
  daemon_end out;
  if (auto err = read_string(obj, "handoffData", false, out.handoff_data))
    return err;
  return out;
}

caf::expected<daemon_frame> parse_send_digits(const json_value& obj) {
  daemon_send_digits out;
  if (auto err = read_string(obj, "digits", true, out.digits))
    return err;
  return out;
}

} // namespace

std::string sim_setup_frame(const relay_setup& s) {
  return typed_json_object("setup", [&](json_writer& w) {
    write_field(w, "sessionId", s.session_id);
    write_field(w, "accountSid", s.account_sid);
    write_field(w, "parentCallSid", s.parent_call_sid);
    write_field(w, "callSid", s.call_sid);
    write_field(w, "from", s.from);
    write_field(w, "to", s.to);
    write_field(w, "forwardedFrom", s.forwarded_from);
    write_field(w, "callType", s.call_type);
    write_field(w, "callerName", s.caller_name);
    write_field(w, "direction", s.direction);
    write_field(w, "callStatus", s.call_status);
    w.Key("customParameters");
    w.StartObject();
    for (const auto& [name, value] : s.custom_parameters) {
      write_string(w, name);
      write_string(w, value);
    }
    w.EndObject();
  });
}

std::string sim_prompt_frame(std::string_view voice_prompt,
                             std::string_view lang, bool last) {
  return typed_json_object("prompt", [&](json_writer& w) {
    write_field(w, "voicePrompt", voice_prompt);
    if (!lang.empty())
      write_field(w, "lang", lang);
    w.Key("last");
    w.Bool(last);
  });
}

std::string sim_dtmf_frame(std::string_view digit) {
  return typed_json_object("dtmf", [&](json_writer& w) {
    write_field(w, "digit", digit);
  });
}

std::string sim_interrupt_frame(std::string_view heard, int64_t duration_ms) {
  return typed_json_object("interrupt", [&](json_writer& w) {
    write_field(w, "utteranceUntilInterrupt", heard);
    w.Key("durationUntilInterruptMs");
    w.Int64(duration_ms);
  });
}

caf::expected<daemon_frame> parse_daemon_frame(std::string_view text) {
  // Twilio refuses frames that are not UTF-8 (64107); so does this.
  constexpr unsigned flags = rapidjson::kParseValidateEncodingFlag
                             | rapidjson::kParseIterativeFlag;
  rapidjson::Document doc;
  if (!parse_whole_json<flags>(doc, text)) {
    if (text.find('\0') != std::string_view::npos)
      return frame_error("not JSON: a NUL byte");
    return frame_error(std::string("not JSON: ")
                       + rapidjson::GetParseError_En(doc.GetParseError())
                       + " at byte " + std::to_string(doc.GetErrorOffset()));
  }
  if (!doc.IsObject())
    return frame_error("not a JSON object");
  std::string type;
  if (auto err = read_string(doc, "type", true, type))
    return err;
  if (type == "text")
    return parse_text(doc);
  if (type == "end")
    return parse_end(doc);
  if (type == "sendDigits")
    return parse_send_digits(doc);
  return daemon_other{std::move(type)};
}

} // namespace sb
