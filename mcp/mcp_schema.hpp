// A JSON Schema validator for exactly the keywords switchboard's MCP tool
// schemas use: type (one or a list: object, string, integer, number,
// boolean, array, null), properties, required, additionalProperties
// (false), items, enum (strings), minimum/maximum (integers),
// minLength/maxLength (characters, as JSON Schema counts them: code
// points), pattern (ECMAScript, unanchored as JSON Schema reads it), and
// the annotations title, description and default, which it ignores. Any
// other keyword is refused when the schema is read, so a tool's schema can
// never say something this validator would silently not check.
//
// An error names the field and what it must be, the way a caller fixes it:
//   "arguments.limit: must be an integer from 1 to 200"
//   "arguments.call_sid: required"
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <caf/expected.hpp>
#include <rapidjson/document.h>

namespace sb {

class json_schema {
public:
  /// Reads a schema. Errors (errc::bad_request, saying where): not JSON,
  /// a keyword outside the subset, a keyword's value of the wrong type, a
  /// pattern std::regex cannot compile.
  static caf::expected<json_schema> parse(std::string_view text);

  /// "" when `value` is valid; else "<path>: <why>" for the first failing
  /// field in document order, where `path` names `value` itself
  /// ("arguments") and the fields below it are joined with '.' and "[i]"
  /// ("arguments.calls[2].call_sid"). Thread-safe (the schema is
  /// immutable).
  std::string check(const rapidjson::Value& value,
                    const std::string& path) const;

  struct node;

private:
  explicit json_schema(std::shared_ptr<const node> root);
  std::shared_ptr<const node> root_;
};

} // namespace sb
