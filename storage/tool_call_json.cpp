// The tool calls' JSON (tool_call_json.hpp). Arguments are checked for
// nesting with a scan of the text before RapidJSON sees them, so a hostile
// "[[[[..." cannot take the stack with it.
#include "storage/tool_call_json.hpp"

#include <algorithm>
#include <string>

#include <rapidjson/document.h>

#include "core/json_read.hpp"

namespace sb {

namespace {

using writer = rapidjson::Writer<rapidjson::StringBuffer>;

// Deeper arguments are shown as their text.
constexpr int arguments_max_depth = 32;

void string_value(writer& w, std::string_view text) {
  w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

// A string, or null when `known` is false.
void text_or_null(writer& w, const char* key, std::string_view text,
                  bool known) {
  w.Key(key);
  if (known)
    string_value(w, text);
  else
    w.Null();
}

// The deepest nesting of arrays and objects in `text`, counting only
// brackets outside strings; stops counting past `limit`.
int nesting(std::string_view text, int limit) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"')
      in_string = true;
    else if (c == '[' || c == '{')
      deepest = std::max(deepest, ++depth);
    else if (c == ']' || c == '}')
      --depth;
    if (deepest > limit)
      break;
  }
  return deepest;
}

void write_arguments(writer& w, const std::string& arguments) {
  w.Key("arguments");
  rapidjson::Document doc;
  if (nesting(arguments, arguments_max_depth) <= arguments_max_depth
      && parse_whole_json(doc, arguments) && doc.IsObject())
    doc.Accept(w);
  else
    string_value(w, arguments);
}

void write_one(writer& w, const tool_call_row& c, tool_call_fields fields) {
  w.StartObject();
  w.Key("idx");
  w.Int64(c.idx);
  w.Key("round");
  w.Int64(c.round);
  text_or_null(w, "server", c.server, !c.server.empty());
  w.Key("name");
  string_value(w, c.name);
  if (fields == tool_call_fields::full) {
    write_arguments(w, c.arguments);
    // A call that failed was given no result; an empty one that succeeded
    // is a result all the same.
    text_or_null(w, "result", c.result, !c.result.empty() || c.error.empty());
  }
  text_or_null(w, "error", c.error, !c.error.empty());
  w.Key("ms");
  w.Int64(c.ms);
  w.EndObject();
}

} // namespace

void write_tool_calls(writer& w, const std::vector<tool_call_row>& calls,
                      tool_call_fields fields) {
  w.StartArray();
  for (const auto& c : calls)
    write_one(w, c, fields);
  w.EndArray();
}

} // namespace sb
