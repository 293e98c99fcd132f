// The schema is read once into a tree of nodes (patterns compiled then),
// and a value is checked against the tree. What a field must be is
// phrased once per node (type_phrase), and a type, range or length error
// all say that same phrase, so "limit: 0" and "limit: \"x\"" read alike:
// "must be an integer from 1 to 200".
#include "mcp/mcp_schema.hpp"

#include <cmath>
#include <optional>
#include <regex>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/json_read.hpp"

namespace sb {

struct json_schema::node {
  std::vector<std::string> types; // empty: any type
  std::vector<std::pair<std::string, node>> properties;
  std::vector<std::string> required;
  bool closed = false; // additionalProperties: false
  std::unique_ptr<node> items;
  std::vector<std::string> one_of; // enum
  std::optional<int64_t> minimum;
  std::optional<int64_t> maximum;
  std::optional<int64_t> min_length;
  std::optional<int64_t> max_length;
  std::optional<std::regex> pattern;
  std::string pattern_text;
};

namespace {

using node = json_schema::node;

caf::error bad_schema(const std::string& where, const std::string& why) {
  return make_error(errc::bad_request, "schema " + where + ": " + why);
}

bool known_type(const std::string& t) {
  for (auto name :
       {"object", "string", "integer", "number", "boolean", "array", "null"})
    if (t == name)
      return true;
  return false;
}

caf::error read_node(const rapidjson::Value& v, const std::string& where,
                     node& out);

caf::error read_strings(const rapidjson::Value& v, const std::string& where,
                        std::vector<std::string>& out) {
  if (v.IsString()) {
    out.emplace_back(v.GetString(), v.GetStringLength());
    return caf::none;
  }
  if (!v.IsArray())
    return bad_schema(where, "must be a string or an array of strings");
  for (auto& item : v.GetArray()) {
    if (!item.IsString())
      return bad_schema(where, "must hold strings only");
    out.emplace_back(item.GetString(), item.GetStringLength());
  }
  return caf::none;
}

caf::error read_count(const rapidjson::Value& v, const std::string& where,
                      std::optional<int64_t>& out) {
  if (!v.IsInt64())
    return bad_schema(where, "must be an integer");
  out = v.GetInt64();
  return caf::none;
}

caf::error read_properties(const rapidjson::Value& v, const std::string& where,
                           node& out) {
  if (!v.IsObject())
    return bad_schema(where, "must be an object");
  for (auto& m : v.GetObject()) {
    std::string key{m.name.GetString(), m.name.GetStringLength()};
    out.properties.emplace_back(key, node{});
    if (auto err = read_node(m.value, where + "." + key,
                             out.properties.back().second))
      return err;
  }
  return caf::none;
}

caf::error read_pattern(const rapidjson::Value& v, const std::string& where,
                        node& out) {
  if (!v.IsString())
    return bad_schema(where, "must be a string");
  out.pattern_text.assign(v.GetString(), v.GetStringLength());
  try {
    out.pattern.emplace(out.pattern_text, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    return bad_schema(where, e.what());
  }
  return caf::none;
}

caf::error read_keyword(const std::string& key, const rapidjson::Value& v,
                        const std::string& where, node& out) {
  const auto at = where + "." + key;
  if (key == "title" || key == "description" || key == "default")
    return caf::none;
  if (key == "type") {
    auto err = read_strings(v, at, out.types);
    for (auto& t : out.types)
      if (!err && !known_type(t))
        err = bad_schema(at, "unknown type '" + t + "'");
    return err;
  }
  if (key == "properties")
    return read_properties(v, at, out);
  if (key == "required")
    return read_strings(v, at, out.required);
  if (key == "additionalProperties") {
    if (!v.IsBool())
      return bad_schema(at, "must be true or false");
    out.closed = !v.GetBool();
    return caf::none;
  }
  if (key == "items") {
    out.items = std::make_unique<node>();
    return read_node(v, at, *out.items);
  }
  if (key == "enum")
    return read_strings(v, at, out.one_of);
  if (key == "minimum")
    return read_count(v, at, out.minimum);
  if (key == "maximum")
    return read_count(v, at, out.maximum);
  if (key == "minLength")
    return read_count(v, at, out.min_length);
  if (key == "maxLength")
    return read_count(v, at, out.max_length);
  if (key == "pattern")
    return read_pattern(v, at, out);
  return bad_schema(at, "keyword outside the subset this validator checks");
}

caf::error read_node(const rapidjson::Value& v, const std::string& where,
                     node& out) {
  if (!v.IsObject())
    return bad_schema(where, "must be an object");
  for (auto& m : v.GetObject())
    if (auto err = read_keyword({m.name.GetString(), m.name.GetStringLength()},
                                m.value, where, out))
      return err;
  return caf::none;
}

// -- checking -----------------------------------------------------------------

bool is_integer(const rapidjson::Value& v) {
  if (v.IsInt64() || v.IsUint64())
    return true;
  // 2020-12: an integer is any number with a zero fractional part (5.0).
  return v.IsDouble() && std::isfinite(v.GetDouble())
         && std::floor(v.GetDouble()) == v.GetDouble();
}

bool has_type(const rapidjson::Value& v, const std::string& t) {
  if (t == "object")
    return v.IsObject();
  if (t == "string")
    return v.IsString();
  if (t == "integer")
    return is_integer(v);
  if (t == "number")
    return v.IsNumber();
  if (t == "boolean")
    return v.IsBool();
  if (t == "array")
    return v.IsArray();
  return v.IsNull();
}

std::string bounds_phrase(const std::optional<int64_t>& lo,
                          const std::optional<int64_t>& hi,
                          const char* of_unit) {
  const std::string unit = of_unit;
  if (lo && hi)
    return (unit.empty() ? " from " : " of ") + std::to_string(*lo) + " to "
           + std::to_string(*hi) + unit;
  if (lo)
    return " of at least " + std::to_string(*lo) + unit;
  if (hi)
    return " of at most " + std::to_string(*hi) + unit;
  return {};
}

std::string one_type_phrase(const node& n, const std::string& t) {
  if (t == "integer")
    return "an integer" + bounds_phrase(n.minimum, n.maximum, "");
  if (t == "string")
    return "a string"
           + bounds_phrase(n.min_length, n.max_length, " characters");
  if (t == "object" || t == "array")
    return "an " + t;
  if (t == "null")
    return "null";
  return "a " + t;
}

// What a value of this node must be: "an integer from 1 to 200", "a string
// or null".
std::string type_phrase(const node& n) {
  std::string phrase;
  for (size_t i = 0; i < n.types.size(); ++i)
    phrase += (i == 0 ? "" : " or ") + one_type_phrase(n, n.types[i]);
  return phrase;
}

int64_t code_points(const rapidjson::Value& s) {
  int64_t n = 0;
  for (rapidjson::SizeType i = 0; i < s.GetStringLength(); ++i)
    if ((static_cast<unsigned char>(s.GetString()[i]) & 0xC0) != 0x80)
      ++n;
  return n;
}

std::string check_node(const node& n, const rapidjson::Value& v,
                       const std::string& path);

std::string check_object(const node& n, const rapidjson::Value& v,
                         const std::string& path) {
  for (auto& key : n.required)
    if (!v.HasMember(key.c_str()))
      return path + "." + key + ": required";
  for (auto& m : v.GetObject()) {
    std::string key{m.name.GetString(), m.name.GetStringLength()};
    const node* sub = nullptr;
    for (auto& [name, prop] : n.properties)
      if (name == key)
        sub = &prop;
    if (sub == nullptr && n.closed)
      return path + "." + key + ": unknown field";
    if (sub != nullptr)
      if (auto why = check_node(*sub, m.value, path + "." + key); !why.empty())
        return why;
  }
  return {};
}

std::string check_string(const node& n, const rapidjson::Value& v,
                         const std::string& path) {
  const auto length = code_points(v);
  if ((n.min_length && length < *n.min_length)
      || (n.max_length && length > *n.max_length))
    return path + ": must be " + one_type_phrase(n, "string");
  const std::string text{v.GetString(), v.GetStringLength()};
  if (n.pattern && !std::regex_search(text, *n.pattern))
    return path + ": must match " + n.pattern_text;
  if (n.one_of.empty())
    return {};
  std::string listed;
  for (auto& option : n.one_of) {
    if (option == text)
      return {};
    listed += (listed.empty() ? "" : ", ") + option;
  }
  return path + ": must be one of " + listed;
}

std::string check_integer(const node& n, const rapidjson::Value& v,
                          const std::string& path) {
  const double d = v.GetDouble();
  if ((n.minimum && d < static_cast<double>(*n.minimum))
      || (n.maximum && d > static_cast<double>(*n.maximum)))
    return path + ": must be " + one_type_phrase(n, "integer");
  return {};
}

std::string check_node(const node& n, const rapidjson::Value& v,
                       const std::string& path) {
  bool typed = n.types.empty();
  for (auto& t : n.types)
    typed = typed || has_type(v, t);
  if (!typed)
    return path + ": must be " + type_phrase(n);
  if (v.IsObject())
    return check_object(n, v, path);
  if (v.IsString())
    return check_string(n, v, path);
  if (v.IsNumber())
    return check_integer(n, v, path);
  if (v.IsArray() && n.items) {
    rapidjson::SizeType i = 0;
    for (auto& item : v.GetArray()) {
      auto at = path + "[" + std::to_string(i++) + "]";
      if (auto why = check_node(*n.items, item, at); !why.empty())
        return why;
    }
  }
  return {};
}

} // namespace

json_schema::json_schema(std::shared_ptr<const node> root)
  : root_(std::move(root)) {
}

caf::expected<json_schema> json_schema::parse(std::string_view text) {
  rapidjson::Document doc;
  if (!parse_whole_json(doc, text))
    return make_error(errc::bad_request, "schema: not one JSON value");
  auto root = std::make_shared<node>();
  if (auto err = read_node(doc, "$", *root))
    return err;
  return json_schema{std::move(root)};
}

std::string json_schema::check(const rapidjson::Value& value,
                               const std::string& path) const {
  return check_node(*root_, value, path);
}

} // namespace sb
