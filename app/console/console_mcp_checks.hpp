// What MCP's Streamable HTTP transport asks of a request before its body
// is served, as pure functions (app/console/console_mcp.cpp applies them
// to POST /mcp): the Origin check against DNS rebinding, the bearer
// credential, and the request metadata headers (MCP-Protocol-Version,
// Mcp-Method, Mcp-Name) that a modern request mirrors from its body and
// that must agree with it (the 2026-07-28 revision's "Server
// Validation"). A request without modern _meta is a legacy one: its
// MCP-Protocol-Version header names the legacy revision it speaks. No I/O,
// no state; callable from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mcp/mcp_server.hpp"
#include "net/http/http_types.hpp"

namespace sb {

/// The largest /mcp body; the console's listener takes no larger one (413).
inline constexpr uint64_t mcp_max_body_bytes = 1024 * 1024;

/// Whether a request with this Origin header may use /mcp: none at all (a
/// program, not a browser), the console's own origin `own`
/// (http://<console.listen>), or one of mcp.allowed_origins. Exact text:
/// browsers send an origin lower-cased and without a path.
bool mcp_origin_allowed(std::string_view origin, std::string_view own,
                        const std::vector<std::string>& allowed);

/// The credential of an `Authorization: Bearer <token>` header (the scheme
/// in any case, RFC 9110); nullopt when there is none or another scheme.
std::optional<std::string_view> bearer_credential(std::string_view header);

/// A header value as the body holds it: the Base64 sentinel
/// "=?base64?…?=" decoded, anything else as it is; nullopt when the
/// sentinel's Base64 is broken.
std::optional<std::string> decode_mcp_header_value(std::string_view value);

/// For a request carrying modern _meta: "" when MCP-Protocol-Version,
/// Mcp-Method and (for tools/call, resources/read, prompts/get) Mcp-Name
/// agree with the body, else the HeaderMismatch message naming the header
/// (a missing one, a value that differs, or one with characters a header
/// may not hold). Notifications carry no required headers: "".
std::string mcp_header_mismatch(const mcp_message& message,
                                const http_request& req);

/// The legacy revisions whose clients this endpoint serves (Streamable
/// HTTP came with 2025-03-26), newest first.
const std::vector<std::string>& mcp_http_legacy_versions();

/// What a request without modern _meta is served as: the legacy session
/// of its MCP-Protocol-Version header (2025-03-26 when absent, as the
/// specification says), held for this one request (no Mcp-Session-Id is
/// minted: legacy HTTP is served statelessly), or the answer that refuses
/// it (400: a modern version without _meta in the body, or a version we
/// do not speak).
struct mcp_legacy_choice {
  mcp_legacy_session session;
  std::optional<mcp_answer> refusal;
};
mcp_legacy_choice mcp_legacy_session_for(const mcp_message& message,
                                         std::string_view header_version);

} // namespace sb
