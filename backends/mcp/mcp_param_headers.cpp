// x-mcp-header: which parameters a tool mirrors, whether its annotations
// are valid, and the header lines for one call's arguments.
#include "backends/mcp/mcp_param_headers.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>

#include <openssl/evp.h>

namespace sb::mcp {

namespace {

using rapidjson::Value;

constexpr const char* annotation = "x-mcp-header";

// The keywords of JSON Schema whose values are schemas (or arrays or maps
// of schemas): an annotation found under one is not statically reachable.
// Data keywords (const, default, enum, examples) are not walked: an
// "x-mcp-header" key in a default value is data, not an annotation.
constexpr const char* schema_keywords[] = {"items",
                                           "prefixItems",
                                           "additionalProperties",
                                           "anyOf",
                                           "oneOf",
                                           "allOf",
                                           "not",
                                           "if",
                                           "then",
                                           "else",
                                           "contains",
                                           "propertyNames",
                                           "unevaluatedItems",
                                           "unevaluatedProperties",
                                           "additionalItems"};
constexpr const char* schema_maps[] = {"$defs", "definitions",
                                       "patternProperties", "dependentSchemas"};

bool listed(std::string_view key, const char* const* begin,
            const char* const* end) {
  return std::any_of(begin, end, [&](const char* k) { return key == k; });
}

// RFC 9110 tchar.
bool is_token(std::string_view s) {
  if (s.empty())
    return false;
  for (unsigned char c : s)
    if (!(std::isalnum(c) || std::strchr("!#$%&'*+-.^_`|~", c)))
      return false;
  return true;
}

bool primitive_type(const Value& schema) {
  if (!schema.IsObject() || !schema.HasMember("type"))
    return false;
  auto ok = [](const Value& t) {
    if (!t.IsString())
      return false;
    std::string_view s{t.GetString(), t.GetStringLength()};
    return s == "integer" || s == "string" || s == "boolean" || s == "null";
  };
  const Value& type = schema["type"];
  if (type.IsArray())
    return !type.Empty() && std::all_of(type.Begin(), type.End(), ok);
  return ok(type) && std::string_view{type.GetString()} != "null";
}

bool same_name(const std::string& a, const std::string& b) {
  return a.size() == b.size()
         && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
              return std::tolower(static_cast<unsigned char>(x))
                     == std::tolower(static_cast<unsigned char>(y));
            });
}

// Walks one schema. `path` is its chain of properties keys when it is
// statically reachable; `reachable` false once any other keyword was
// passed through.
class scanner {
public:
  explicit scanner(std::vector<param_header>& out) : out_(out) {
  }

  std::string walk(const Value& schema, bool reachable,
                   std::vector<std::string>& path) {
    if (!schema.IsObject())
      return "";
    if (schema.HasMember(annotation))
      if (auto why = annotate(schema, reachable, path); !why.empty())
        return why;
    for (const auto& member : schema.GetObject()) {
      std::string_view key{member.name.GetString(),
                           member.name.GetStringLength()};
      std::string why = walk_keyword(key, member.value, reachable, path);
      if (!why.empty())
        return why;
    }
    return "";
  }

private:
  std::string walk_keyword(std::string_view key, const Value& value,
                           bool reachable, std::vector<std::string>& path) {
    std::string why;
    if (key == "properties" && value.IsObject()) {
      for (const auto& prop : value.GetObject()) {
        path.emplace_back(prop.name.GetString(), prop.name.GetStringLength());
        why = walk(prop.value, reachable, path);
        path.pop_back();
        if (!why.empty())
          return why;
      }
    } else if (listed(key, std::begin(schema_maps), std::end(schema_maps))
               && value.IsObject()) {
      for (const auto& entry : value.GetObject())
        if (why = walk(entry.value, false, path); !why.empty())
          return why;
    } else if (listed(key, std::begin(schema_keywords),
                      std::end(schema_keywords))) {
      if (!value.IsArray())
        return walk(value, false, path);
      for (const auto& item : value.GetArray())
        if (why = walk(item, false, path); !why.empty())
          return why;
    }
    return why;
  }

  std::string annotate(const Value& schema, bool reachable,
                       const std::vector<std::string>& path) {
    const Value& v = schema[annotation];
    if (!reachable || path.empty())
      return "x-mcp-header is only allowed on a property reached through "
             "\"properties\" alone";
    if (!v.IsString() || !is_token({v.GetString(), v.GetStringLength()}))
      return "x-mcp-header must be a non-empty HTTP token";
    std::string name{v.GetString(), v.GetStringLength()};
    if (!primitive_type(schema))
      return "x-mcp-header " + name
             + " is on a parameter that is not integer, string or boolean";
    for (const auto& seen : out_)
      if (same_name(seen.name, name))
        return "x-mcp-header " + name + " is used twice";
    out_.push_back({path, std::move(name)});
    return "";
  }

  std::vector<param_header>& out_;
};

// 2^53 - 1: the integers a JavaScript server reads exactly.
constexpr double max_safe_integer = 9007199254740991.0;

// The header text of one argument value, or "" for none.
std::string argument_text(const Value& v) {
  if (v.IsString())
    return header_value({v.GetString(), v.GetStringLength()});
  if (v.IsBool())
    return v.GetBool() ? "true" : "false";
  if (v.IsInt64())
    return std::to_string(v.GetInt64());
  if (v.IsUint64())
    return std::to_string(v.GetUint64());
  // A model may write 3.0 for the integer 3.
  if (v.IsDouble() && std::trunc(v.GetDouble()) == v.GetDouble()
      && std::fabs(v.GetDouble()) <= max_safe_integer)
    return std::to_string(static_cast<int64_t>(v.GetDouble()));
  return "";
}

// The member `key` of `v`, or nullptr when `v` is no object or lacks it.
const Value* member(const Value& v, const std::string& key) {
  if (!v.IsObject())
    return nullptr;
  auto it = v.FindMember(
    Value(key.data(), static_cast<rapidjson::SizeType>(key.size())));
  return it == v.MemberEnd() ? nullptr : &it->value;
}

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(
    reinterpret_cast<unsigned char*>(out.data()),
    reinterpret_cast<const unsigned char*>(bytes.data()),
    static_cast<int>(bytes.size()));
  out.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return out;
}

} // namespace

std::string scan_param_headers(const rapidjson::Value& schema,
                               std::vector<param_header>& out) {
  std::vector<std::string> path;
  scanner scan{out};
  return scan.walk(schema, true, path);
}

std::vector<std::string>
param_header_lines(const std::vector<param_header>& params,
                   const rapidjson::Value& arguments) {
  std::vector<std::string> lines;
  for (const auto& param : params) {
    const Value* v = &arguments;
    for (const auto& key : param.path) {
      v = member(*v, key);
      if (v == nullptr)
        break;
    }
    if (v == nullptr)
      continue;
    std::string text = argument_text(*v);
    if (!text.empty())
      lines.push_back("Mcp-Param-" + param.name + ": " + text);
  }
  return lines;
}

std::string header_value(std::string_view text) {
  const bool blank_end = text.empty() || text.front() == ' '
                         || text.front() == '\t' || text.back() == ' '
                         || text.back() == '\t';
  const bool plain = std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 0x20 && c <= 0x7E) || c == '\t';
  });
  const bool looks_encoded = text.rfind("=?base64?", 0) == 0
                             && text.substr(text.size() - 2) == "?=";
  if (plain && !blank_end && !looks_encoded)
    return std::string{text};
  return "=?base64?" + base64(text) + "?=";
}

} // namespace sb::mcp
