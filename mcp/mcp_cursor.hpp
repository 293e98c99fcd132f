// The list cursors MCP clients page with (list_calls' next_cursor,
// resources/list's nextCursor): a keyset position in the call list,
// (started_at, call_sid), written as an opaque token. The token is hex, so
// whatever the position holds it is a plain ASCII string a client passes
// back untouched; a token this server did not make reads as nullopt.
#pragma once

#include <optional>
#include <string>

#include "storage/console_queries.hpp"

namespace sb {

/// The token for `at`; "" when `at` is empty (no further page).
std::string encode_cursor(const call_cursor& at);

/// The position a token names; nullopt for anything encode_cursor could
/// not have made.
std::optional<call_cursor> decode_cursor(const std::string& token);

} // namespace sb
