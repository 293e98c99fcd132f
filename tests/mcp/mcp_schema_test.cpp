// The JSON Schema validator: each keyword it checks, the field its error
// names and the phrase it uses, the keywords it refuses to read, and every
// tool's schemas in the table read by it (input and output).
#include "mcp/mcp_schema.hpp"

#include <string>

#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "mcp/mcp_tools.hpp"

namespace {

sb::json_schema schema(const std::string& text) {
  auto s = sb::json_schema::parse(text);
  INFO(text << ": " << (s ? "" : sb::what(s.error())));
  REQUIRE(s);
  return std::move(*s);
}

// The error for `value` (JSON text) under `schema_text`; "" when valid.
std::string check(const std::string& schema_text, const std::string& value) {
  rapidjson::Document doc;
  doc.Parse(value.c_str());
  REQUIRE_FALSE(doc.HasParseError());
  return schema(schema_text).check(doc, "arguments");
}

const std::string limit_schema =
  R"({"type":"object","properties":{"limit":{"type":"integer",)"
  R"("minimum":1,"maximum":200}},"additionalProperties":false})";

} // namespace

TEST_CASE("type: each JSON type, and a list of them", "[mcp][schema]") {
  CHECK(check(R"({"type":"object"})", "{}").empty());
  CHECK(check(R"({"type":"object"})", "[]") == "arguments: must be an object");
  CHECK(check(R"({"type":"array"})", "{}") == "arguments: must be an array");
  CHECK(check(R"({"type":"string"})", "1") == "arguments: must be a string");
  CHECK(check(R"({"type":"boolean"})", "true").empty());
  CHECK(check(R"({"type":"boolean"})", "0") == "arguments: must be a boolean");
  CHECK(check(R"({"type":"number"})", "1.5").empty());
  CHECK(check(R"({"type":"null"})", "null").empty());
  CHECK(check(R"({"type":["string","null"]})", "null").empty());
  CHECK(check(R"({"type":["string","null"]})", "2")
        == "arguments: must be a string or null");
  CHECK(check(R"({})", "2").empty());
}

TEST_CASE("integer: whole numbers only (5.0 is one), within minimum and "
          "maximum, named in one phrase",
          "[mcp][schema]") {
  CHECK(check(limit_schema, R"({"limit":20})").empty());
  CHECK(check(limit_schema, R"({"limit":20.0})").empty());
  const std::string phrase =
    "arguments.limit: must be an integer from 1 to 200";
  CHECK(check(limit_schema, R"({"limit":0})") == phrase);
  CHECK(check(limit_schema, R"({"limit":201})") == phrase);
  CHECK(check(limit_schema, R"({"limit":2.5})") == phrase);
  CHECK(check(limit_schema, R"({"limit":"20"})") == phrase);
  CHECK(check(limit_schema, R"({"limit":1e300})") == phrase);
  CHECK(check(R"({"type":"integer","minimum":3})", "2")
        == "arguments: must be an integer of at least 3");
}

TEST_CASE("required and additionalProperties name the field", "[mcp][schema]") {
  const std::string s =
    R"({"type":"object","properties":{"call_sid":{"type":"string"}},)"
    R"("required":["call_sid"],"additionalProperties":false})";
  CHECK(check(s, "{}") == "arguments.call_sid: required");
  CHECK(check(s, R"({"call_sid":"x","extra":1})")
        == "arguments.extra: unknown field");
  CHECK(check(s, R"({"call_sid":5})")
        == "arguments.call_sid: must be a string");
  // Without additionalProperties: false, other fields pass unchecked.
  CHECK(check(R"({"type":"object","properties":{}})", R"({"x":1})").empty());
}

TEST_CASE("strings: length in characters (not bytes), pattern and enum",
          "[mcp][schema]") {
  const std::string text =
    R"({"type":"object","properties":{"text":{"type":"string",)"
    R"("minLength":1,"maxLength":3}}})";
  CHECK(check(text, R"({"text":"\u00e9\u00e9\u00e9"})").empty());
  CHECK(check(text, R"({"text":""})")
        == "arguments.text: must be a string of 1 to 3 characters");
  CHECK(check(text, R"({"text":"abcd"})")
        == "arguments.text: must be a string of 1 to 3 characters");
  const std::string sid =
    R"({"type":"object","properties":{"call_sid":{"type":"string",)"
    R"("pattern":"^CA[0-9a-f]{32}$"}}})";
  CHECK(
    check(sid, R"({"call_sid":"CA0123456789abcdef0123456789abcdef"})").empty());
  CHECK(check(sid, R"({"call_sid":"CA1"})")
        == "arguments.call_sid: must match ^CA[0-9a-f]{32}$");
  const std::string direction =
    R"({"type":"object","properties":{"direction":{"type":"string",)"
    R"("enum":["inbound","outbound"]}}})";
  CHECK(check(direction, R"({"direction":"outbound"})").empty());
  CHECK(check(direction, R"({"direction":"sideways"})")
        == "arguments.direction: must be one of inbound, outbound");
}

TEST_CASE("items: each element is checked, and named by its index",
          "[mcp][schema]") {
  const std::string s =
    R"({"type":"object","properties":{"calls":{"type":"array","items":)"
    R"({"type":"object","required":["sid"]}}}})";
  CHECK(check(s, R"({"calls":[{"sid":1},{"sid":2}]})").empty());
  CHECK(check(s, R"({"calls":[{"sid":1},{}]})")
        == "arguments.calls[1].sid: required");
}

TEST_CASE("a schema with a keyword outside the subset, or a bad value, is "
          "refused when read",
          "[mcp][schema]") {
  for (auto text : {R"({"type":"object","oneOf":[]})", R"({"type":"strin"})",
                    R"({"minimum":"1"})", R"({"pattern":"(["})",
                    R"({"properties":{"a":{"format":"date"}}})",
                    R"({"additionalProperties":{}})", "[]", "{"}) {
    INFO(text);
    CHECK_FALSE(sb::json_schema::parse(text));
  }
  auto err = sb::json_schema::parse(R"({"properties":{"a":{"format":"x"}}})");
  REQUIRE_FALSE(err);
  CHECK(sb::what(err.error()).find("$.properties.a.format")
        != std::string::npos);
}

TEST_CASE("every tool's input and output schema is read by the validator",
          "[mcp][schema]") {
  for (const auto& tool : sb::mcp_tool_table()) {
    INFO(tool.name);
    auto input = sb::json_schema::parse(tool.input_schema);
    CHECK(input);
    auto output = sb::json_schema::parse(tool.output_schema);
    CHECK(output);
  }
  CHECK(sb::mcp_tool_table().size() == 9);
}
