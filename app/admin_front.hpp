// The admin socket's line protocol (one JSON object per line each way, as
// switchboardctl speaks it) on the daemon's side: parses a request line
// into an admin_command for the admin actor and writes its reply line.
//   in:  {"cmd": "calls"} | {"cmd": "call", "sid": …} | {"cmd": "dial",
//        "to": …, "from": …?} | {"cmd": "hangup", "sid": …} | {"cmd": "say",
//        "sid": …, "text": …} | {"cmd": "stats"} | {"cmd": "reload"} |
//        {"cmd": "drain"}
//   out: {"ok": true, "result": …} or {"ok": false, "error": "…"}
#pragma once

#include <string>
#include <string_view>

#include <caf/expected.hpp>

#include "actors/admin.hpp"

namespace sb {

/// Errors (errc::bad_request): not a JSON object, no or unknown "cmd", a
/// missing or non-string field the command needs (named).
caf::expected<admin_command> parse_admin_line(std::string_view line);

/// The reply line (no trailing newline).
std::string admin_reply_line(const admin_command& cmd, const admin_reply& reply);

/// {"ok": false, "error": why}
std::string admin_error_line(std::string_view why);

} // namespace sb
