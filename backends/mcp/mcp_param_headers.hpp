// The HTTP headers a Streamable HTTP request mirrors from its body, so that
// proxies and gateways can route on them without reading it: Mcp-Name (the
// tool's name) and Mcp-Param-<Name> for every tool parameter whose schema
// carries an "x-mcp-header" annotation (2026-07-28, server/tools.mdx
// "x-mcp-header"). A tool whose annotations break the rules must be left
// out of the tools offered; a value that is not plain visible ASCII is
// sent Base64-encoded as "=?base64?…?=". Pure functions, any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

namespace sb::mcp {

/// One parameter a tool mirrors into a header.
struct param_header {
  std::vector<std::string> path; // the chain of "properties" keys to it
  std::string name;              // the annotation: header Mcp-Param-<name>
};

/// Collects the x-mcp-header annotations of a tool's input schema into
/// `out`. Returns why the tool is invalid, or "" when it is not: an
/// annotation that is empty or not an HTTP token, repeated (in any case),
/// on a parameter whose type is not integer, string or boolean, or
/// anywhere but a property reached from the root through "properties"
/// alone (not items, anyOf, $defs, …).
std::string scan_param_headers(const rapidjson::Value& schema,
                               std::vector<param_header>& out);

/// "Mcp-Param-<name>: <value>" for each parameter `arguments` holds at its
/// path: a string (encoded by header_value), an integer in decimal, a
/// boolean as true or false. Absent and null values send no header.
std::vector<std::string>
param_header_lines(const std::vector<param_header>& params,
                   const rapidjson::Value& arguments);

/// `text` as a header value: unchanged when it is visible ASCII and
/// spaces without blanks at either end, else "=?base64?<Base64 of its
/// bytes>?=" (so are the empty text and a text that looks encoded).
std::string header_value(std::string_view text);

} // namespace sb::mcp
