// ConversationRelay frames over RapidJSON. Parsing is strict about the
// fields we act on and lenient about everything else: a wrong type on a
// known field is an error (so a change on Twilio's side shows up in the log
// instead of as a silent empty prompt), while unknown frame types and extra
// fields pass, because Twilio adds informational frames with `debug` on.
// Every string we keep is checked to be UTF-8 without NULs, the same
// promise parse_form makes for webhook bodies.
#include "twilio/relay_frames.hpp"

#include <charconv>
#include <cmath>
#include <limits>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "core/error.hpp"
#include "core/json_read.hpp"
#include "net/text/form.hpp"
#include "net/text/json_writer.hpp"

namespace sb {
namespace {

using json_value = rapidjson::Value;

enum class need { required, optional };

caf::error frame_error(std::string why) {
  return make_error(errc::bad_request, "relay frame: " + why);
}

caf::error field_error(std::string_view field, std::string_view why) {
  return frame_error("'" + std::string(field) + "' " + std::string(why));
}

// Copies the JSON string `v` into `out` if it is clean text. RapidJSON's
// kParseValidateEncodingFlag catches raw bytes that are not UTF-8, but
// RapidJSON 1.1.0 decodes an escaped lone low surrogate ("\udc80") into
// three bytes that are not UTF-8 either, and "\u0000" into a NUL; both
// are caught here.
caf::error read_text(const json_value& v, std::string_view field,
                     std::string& out) {
  std::string_view text{v.GetString(), v.GetStringLength()};
  if (!is_valid_utf8(text) || text.find('\0') != std::string_view::npos)
    return field_error(field, "is not valid UTF-8 text");
  out.assign(text);
  return {};
}

// Reads member `name` of `obj` as a string. An absent or null optional
// member leaves `out` empty.
caf::error read_string(const json_value& obj, const char* name, need n,
                       std::string& out) {
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || (n == need::optional && it->value.IsNull()))
    return n == need::required ? field_error(name, "is missing") : caf::error{};
  if (!it->value.IsString())
    return field_error(name, "is not a string");
  return read_text(it->value, name, out);
}

caf::error read_bool(const json_value& obj, const char* name, bool& out) {
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || it->value.IsNull())
    return {};
  if (!it->value.IsBool())
    return field_error(name, "is not a boolean");
  out = it->value.GetBool();
  return {};
}

// A count of milliseconds: a non-negative number (fractions dropped) or a
// string of decimal digits. The protocol notes say number; the string form
// costs nothing to accept, and an interrupt must not be lost over it.
caf::error read_millis(const json_value& obj, const char* name, int64_t& out) {
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || it->value.IsNull())
    return {};
  const auto& v = it->value;
  constexpr auto max = std::numeric_limits<int64_t>::max();
  if (v.IsInt64() && v.GetInt64() >= 0) {
    out = v.GetInt64();
    return {};
  }
  if (v.IsNumber() && !v.IsInt64() && !v.IsUint64() && v.GetDouble() >= 0
      && v.GetDouble() < static_cast<double>(max)) {
    out = static_cast<int64_t>(std::floor(v.GetDouble()));
    return {};
  }
  if (v.IsString() && v.GetStringLength() > 0) {
    const char* end = v.GetString() + v.GetStringLength();
    auto [ptr, ec] = std::from_chars(v.GetString(), end, out);
    if (ec == std::errc{} && ptr == end && out >= 0)
      return {};
  }
  return field_error(name, "is not a non-negative number");
}

using field_result = caf::expected<relay_inbound>;

struct setup_field {
  const char* name;
  std::string relay_setup::*member;
  need n;
};

constexpr setup_field setup_fields[] = {
  {"sessionId", &relay_setup::session_id, need::required},
  {"accountSid", &relay_setup::account_sid, need::required},
  {"callSid", &relay_setup::call_sid, need::required},
  {"parentCallSid", &relay_setup::parent_call_sid, need::optional},
  {"from", &relay_setup::from, need::optional},
  {"to", &relay_setup::to, need::optional},
  {"forwardedFrom", &relay_setup::forwarded_from, need::optional},
  {"callerName", &relay_setup::caller_name, need::optional},
  {"callType", &relay_setup::call_type, need::optional},
  {"direction", &relay_setup::direction, need::optional},
  {"callStatus", &relay_setup::call_status, need::optional},
};

caf::error read_custom_parameters(const json_value& obj, relay_setup& out) {
  auto it = obj.FindMember("customParameters");
  if (it == obj.MemberEnd() || it->value.IsNull())
    return {};
  if (!it->value.IsObject())
    return field_error("customParameters", "is not an object");
  for (const auto& m : it->value.GetObject()) {
    std::string key;
    if (auto err = read_text(m.name, "customParameters", key))
      return err;
    const auto field = "customParameters." + key;
    if (!m.value.IsString())
      return field_error(field, "is not a string");
    std::string value;
    if (auto err = read_text(m.value, field, value))
      return err;
    out.custom_parameters.emplace_back(std::move(key), std::move(value));
  }
  return {};
}

field_result parse_setup(const json_value& obj) {
  relay_setup out;
  for (const auto& f : setup_fields)
    if (auto err = read_string(obj, f.name, f.n, out.*f.member))
      return err;
  if (out.call_sid.empty())
    return field_error("callSid", "is empty");
  if (auto err = read_custom_parameters(obj, out))
    return err;
  return out;
}

field_result parse_prompt(const json_value& obj) {
  relay_prompt out;
  if (auto err = read_string(obj, "voicePrompt", need::required,
                             out.voice_prompt))
    return err;
  if (auto err = read_string(obj, "lang", need::optional, out.lang))
    return err;
  if (auto err = read_bool(obj, "last", out.last))
    return err;
  return out;
}

field_result parse_dtmf(const json_value& obj) {
  relay_dtmf out;
  if (auto err = read_string(obj, "digit", need::required, out.digit))
    return err;
  constexpr std::string_view keys = "0123456789*#ABCD";
  if (out.digit.size() != 1 || keys.find(out.digit[0]) == keys.npos)
    return field_error("digit", "is not one DTMF key");
  return out;
}

field_result parse_interrupt(const json_value& obj) {
  relay_interrupt out;
  if (auto err = read_string(obj, "utteranceUntilInterrupt", need::required,
                             out.utterance_until_interrupt))
    return err;
  if (auto err = read_millis(obj, "durationUntilInterruptMs",
                             out.duration_until_interrupt_ms))
    return err;
  return out;
}

field_result parse_error(const json_value& obj) {
  relay_error out;
  if (auto err = read_string(obj, "description", need::required,
                             out.description))
    return err;
  return out;
}

struct frame_kind {
  std::string_view type;
  field_result (*parse)(const json_value&);
};

constexpr frame_kind frame_kinds[] = {
  {"setup", parse_setup}, {"prompt", parse_prompt},
  {"dtmf", parse_dtmf},   {"interrupt", parse_interrupt},
  {"error", parse_error},
};

} // namespace

caf::expected<relay_inbound> parse_relay_frame(std::string_view text,
                                               size_t max_bytes) {
  if (text.size() > max_bytes)
    return frame_error("larger than " + std::to_string(max_bytes) + " bytes");
  // Iterative: a hostile frame of nested brackets cannot exhaust the stack.
  constexpr unsigned flags = rapidjson::kParseValidateEncodingFlag
                             | rapidjson::kParseIterativeFlag;
  rapidjson::Document doc;
  if (!parse_whole_json<flags>(doc, text)) {
    if (auto nul = text.find('\0'); nul != std::string_view::npos)
      return frame_error("not JSON: a NUL byte at byte " + std::to_string(nul));
    return frame_error(std::string("not JSON: ")
                       + rapidjson::GetParseError_En(doc.GetParseError())
                       + " at byte " + std::to_string(doc.GetErrorOffset()));
  }
  if (!doc.IsObject())
    return frame_error("not a JSON object");
  std::string type;
  if (auto err = read_string(doc, "type", need::required, type))
    return err;
  for (const auto& kind : frame_kinds)
    if (kind.type == type)
      return kind.parse(doc);
  return relay_unknown{std::move(type)};
}

std::string relay_text_frame(std::string_view token, bool last,
                             std::string_view lang) {
  return typed_json_object("text", [&](json_writer& w) {
    write_field(w, "token", token);
    w.Key("last");
    w.Bool(last);
    if (!lang.empty())
      write_field(w, "lang", lang);
  });
}

caf::expected<std::string> relay_send_digits_frame(std::string_view digits) {
  constexpr std::string_view allowed = "0123456789w#*";
  if (digits.empty())
    return field_error("digits", "is empty");
  if (digits.find_first_not_of(allowed) != digits.npos)
    return field_error("digits", "may only hold 0-9 w # *");
  return typed_json_object("sendDigits", [&](json_writer& w) {
    write_field(w, "digits", digits);
  });
}

caf::expected<std::string>
relay_language_frame(std::string_view tts_language,
                     std::string_view transcription_language) {
  if (tts_language.empty() && transcription_language.empty())
    return frame_error("'ttsLanguage' and 'transcriptionLanguage' are both "
                       "empty");
  return typed_json_object("language", [&](json_writer& w) {
    if (!tts_language.empty())
      write_field(w, "ttsLanguage", tts_language);
    if (!transcription_language.empty())
      write_field(w, "transcriptionLanguage", transcription_language);
  });
}

std::string relay_end_frame(std::string_view handoff_data) {
  return typed_json_object("end", [&](json_writer& w) {
    if (!handoff_data.empty())
      write_field(w, "handoffData", handoff_data);
  });
}

caf::expected<std::string> relay_play_frame(std::string_view source,
                                            uint32_t loop, bool interruptible) {
  if (source.empty())
    return field_error("source", "is empty");
  return typed_json_object("play", [&](json_writer& w) {
    write_field(w, "source", source);
    w.Key("loop");
    w.Uint(loop);
    w.Key("interruptible");
    w.Bool(interruptible);
  });
}

} // namespace sb
