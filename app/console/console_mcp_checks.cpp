// The Streamable HTTP checks behind app/console/console_mcp_checks.hpp.
#include "app/console/console_mcp_checks.hpp"

#include <algorithm>
#include <cctype>

#include "net/text/json_writer.hpp"
#include "twilio/base64.hpp"

namespace sb {

namespace {

constexpr std::string_view sentinel_open = "=?base64?";
constexpr std::string_view sentinel_close = "?=";

// RFC 9110 field values: visible ASCII, space and tab. Anything else needs
// the Base64 sentinel, and a header that carries it unencoded is refused.
bool header_safe(std::string_view value) {
  return std::all_of(value.begin(), value.end(), [](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return c == '\t' || (c >= 0x20 && c <= 0x7e);
  });
}

// The methods whose params.name or params.uri Mcp-Name mirrors.
bool names_its_target(std::string_view method) {
  return method == "tools/call" || method == "resources/read"
         || method == "prompts/get";
}

std::string mismatch(std::string_view header, std::string_view sent,
                     std::string_view body) {
  return "Header mismatch: " + std::string{header} + " header value '"
         + std::string{sent} + "' does not match body value '"
         + std::string{body} + "'";
}

std::string missing(std::string_view header) {
  return "Header mismatch: the " + std::string{header}
         + " header is required on this request";
}

std::string invalid(std::string_view header) {
  return "Header mismatch: the " + std::string{header}
         + " header holds characters a header value may not (use "
           "=?base64?…?=)";
}

// The -32022 answer, listing what this endpoint speaks.
mcp_answer unsupported_version(const mcp_message& message,
                               std::string_view requested) {
  auto data = json_object([&](json_writer& w) {
    w.Key("supported");
    w.StartArray();
    write_string(w, mcp_modern_version);
    for (const auto& v : mcp_http_legacy_versions())
      write_string(w, v);
    w.EndArray();
    write_field(w, "requested", requested);
  });
  return mcp_error_answer(message.id, mcp_error::unsupported_protocol_version,
                          "Unsupported protocol version", 400, data);
}

} // namespace

bool mcp_origin_allowed(std::string_view origin, std::string_view own,
                        const std::vector<std::string>& allowed) {
  if (origin.empty() || origin == own)
    return true;
  return std::find(allowed.begin(), allowed.end(), origin) != allowed.end();
}

std::optional<std::string_view> bearer_credential(std::string_view header) {
  constexpr std::string_view scheme = "bearer";
  if (header.size() <= scheme.size() || header[scheme.size()] != ' ')
    return std::nullopt;
  for (size_t i = 0; i < scheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(header[i])) != scheme[i])
      return std::nullopt;
  auto token = header.substr(scheme.size() + 1);
  while (!token.empty() && token.front() == ' ')
    token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ')
    token.remove_suffix(1);
  if (token.empty())
    return std::nullopt;
  return token;
}

std::optional<std::string> decode_mcp_header_value(std::string_view value) {
  if (value.size() < sentinel_open.size() + sentinel_close.size()
      || value.substr(0, sentinel_open.size()) != sentinel_open
      || value.substr(value.size() - sentinel_close.size()) != sentinel_close)
    return std::string{value};
  return base64_decode(
    value.substr(sentinel_open.size(),
                 value.size() - sentinel_open.size() - sentinel_close.size()));
}

std::string mcp_header_mismatch(const mcp_message& message,
                                const http_request& req) {
  if (message.is_notification())
    return "";
  if (req.mcp_protocol_version.empty())
    return missing("MCP-Protocol-Version");
  if (req.mcp_protocol_version != message.protocol_version)
    return mismatch("MCP-Protocol-Version", req.mcp_protocol_version,
                    message.protocol_version);
  if (req.mcp_method.empty())
    return missing("Mcp-Method");
  if (req.mcp_method != message.method)
    return mismatch("Mcp-Method", req.mcp_method, message.method);
  if (!names_its_target(message.method))
    return "";
  if (req.mcp_name.empty())
    return message.name.empty() ? "" : missing("Mcp-Name");
  if (!header_safe(req.mcp_name))
    return invalid("Mcp-Name");
  auto name = decode_mcp_header_value(req.mcp_name);
  if (!name)
    return "Header mismatch: the Mcp-Name header's =?base64?…?= value is "
           "not valid Base64";
  if (*name != message.name)
    return mismatch("Mcp-Name", req.mcp_name, message.name);
  return "";
}

const std::vector<std::string>& mcp_http_legacy_versions() {
  static const std::vector<std::string> versions{mcp_legacy_version,
                                                 "2025-06-18", "2025-03-26"};
  return versions;
}

mcp_legacy_choice mcp_legacy_session_for(const mcp_message& message,
                                         std::string_view header_version) {
  mcp_legacy_choice out;
  if (header_version.empty()) {
    out.session.protocol_version = "2025-03-26";
    return out;
  }
  if (header_version == mcp_modern_version) {
    out.refusal = mcp_error_answer(
      message.id, mcp_error::header_mismatch,
      "Header mismatch: MCP-Protocol-Version " + std::string{header_version}
        + " needs params._meta[\"io.modelcontextprotocol/protocolVersion\"] "
          "in the body",
      400);
    return out;
  }
  const auto& legacy = mcp_http_legacy_versions();
  if (std::find(legacy.begin(), legacy.end(), header_version) == legacy.end()) {
    out.refusal = unsupported_version(message, header_version);
    return out;
  }
  out.session.protocol_version = std::string{header_version};
  return out;
}

} // namespace sb
