// The field readers of twilio/json_fields. The text check is there
// because RapidJSON's kParseValidateEncodingFlag catches raw bytes that
// are not UTF-8 but decodes an escaped lone surrogate ("\udc80") into bytes
// that are not UTF-8 either, and "\u0000" into a NUL.
#include "twilio/json_fields.hpp"

#include <rapidjson/error/en.h>

#include "core/error.hpp"
#include "core/json_read.hpp"
#include "net/text/form.hpp"

namespace sb {
namespace {

constexpr int64_t wire_number_limit = int64_t{1} << 53;

} // namespace

caf::error parse_json_frame(rapidjson::Document& doc, std::string_view text,
                            const char* source) {
  auto fail = [source](const std::string& why) {
    return make_error(errc::bad_request, std::string(source) + ": " + why);
  };
  // Iterative: a hostile frame of nested brackets cannot exhaust the stack.
  constexpr unsigned flags = rapidjson::kParseValidateEncodingFlag
                             | rapidjson::kParseIterativeFlag;
  if (!parse_whole_json<flags>(doc, text)) {
    if (auto nul = text.find('\0'); nul != std::string_view::npos)
      return fail("not JSON: a NUL byte at byte " + std::to_string(nul));
    return fail(std::string("not JSON: ")
                + rapidjson::GetParseError_En(doc.GetParseError()) + " at byte "
                + std::to_string(doc.GetErrorOffset()));
  }
  if (!doc.IsObject())
    return fail("not a JSON object");
  return {};
}

caf::error json_fields::error(std::string_view name,
                              std::string_view why) const {
  std::string message = source;
  message.append(": '").append(prefix).append(name).append("' ").append(why);
  return make_error(errc::bad_request, std::move(message));
}

const rapidjson::Value* json_fields::find(const char* name) const {
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || it->value.IsNull())
    return nullptr;
  return &it->value;
}

caf::error json_fields::text_of(const rapidjson::Value& v,
                                std::string_view name, std::string& out) const {
  std::string_view s{v.GetString(), v.GetStringLength()};
  if (!is_valid_utf8(s) || s.find('\0') != std::string_view::npos)
    return error(name, "is not valid UTF-8 text");
  out.assign(s);
  return {};
}

caf::error json_fields::text(const char* name, json_need n,
                             std::string& out) const {
  const auto* v = find(name);
  if (v == nullptr)
    return n == json_need::required ? error(name, "is missing") : caf::error{};
  if (!v->IsString())
    return error(name, "is not a string");
  return text_of(*v, name, out);
}

caf::error json_fields::decimal(const char* name, json_need n,
                                int64_t& out) const {
  const auto* v = find(name);
  if (v == nullptr)
    return n == json_need::required ? error(name, "is missing") : caf::error{};
  if (!v->IsString())
    return error(name, "is not a string");
  auto value = parse_decimal_digits<int64_t>(
    {v->GetString(), v->GetStringLength()});
  if (!value || *value >= wire_number_limit)
    return error(name, "is not a decimal integer from 0 to 2^53-1");
  out = *value;
  return {};
}

caf::error json_fields::positive_int(const char* name, int& out) const {
  const auto* v = find(name);
  if (v == nullptr)
    return error(name, "is missing");
  if (!v->IsInt() || v->GetInt() <= 0)
    return error(name, "is not a positive whole number");
  out = v->GetInt();
  return {};
}

caf::expected<json_fields> json_fields::object(const char* name) const {
  const auto* v = find(name);
  if (v == nullptr)
    return error(name, "is missing");
  if (!v->IsObject())
    return error(name, "is not an object");
  return json_fields{*v, source, prefix + name + "."};
}

} // namespace sb
