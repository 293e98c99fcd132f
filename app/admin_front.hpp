// The admin socket's side of the daemon: the line protocol (one JSON
// object per line each way, as switchboardctl speaks it) and the one
// adapter between the line server and the admin actor (STYLE rule 5).
// Everything but make_admin_handler, admin_exchange and system_groups_of
// is pure: who may connect, what a line becomes (a command for the admin
// actor, or a reply sent at once), and the reply line written from the
// actor's answer.
//   in:  {"cmd": "calls"} | {"cmd": "call", "sid": …} | {"cmd": "dial",
//        "to": …, "from": …?} | {"cmd": "hangup", "sid": …} | {"cmd": "say",
//        "sid": …, "text": …} | {"cmd": "stats"} | {"cmd": "reload"} |
//        {"cmd": "drain"}
//   out: {"ok": true, "result": …} or {"ok": false, "error": "…"}
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <caf/expected.hpp>

#include "actors/admin.hpp"
#include "net/line/line_server.hpp"

namespace sb {

/// Errors (errc::bad_request): not a JSON object, no or unknown "cmd", a
/// missing or non-string field the command needs (named).
caf::expected<admin_command> parse_admin_line(std::string_view line);

/// The reply line (no trailing newline).
std::string admin_reply_line(const admin_command& cmd,
                             const admin_reply& reply);

/// {"ok": false, "error": why}
std::string admin_error_line(std::string_view why);

/// The user and group the daemon runs as: whom the admin socket serves.
struct admin_owner {
  uint32_t uid = 0;
  uint32_t gid = 0;
};

/// A user's groups, primary and supplementary, by uid; nullopt when the
/// user is unknown or the lookup fails.
using group_lookup =
  std::function<std::optional<std::vector<uint32_t>>(uint32_t uid)>;

/// Whether `peer` may use the admin socket: root, the owner's user, a peer
/// whose group is the owner's, or a user with the owner's group among its
/// supplementary groups (`groups_of` is asked only in that last case). A
/// failed lookup refuses. The socket file's mode (0660) already keeps
/// strangers out; this holds even if the file's mode or owner is changed.
bool admin_peer_allowed(const peer_info& peer, const admin_owner& owner,
                        const group_lookup& groups_of);

/// What one admin line becomes: a command for the admin actor or, for a
/// refused peer or a line that does not parse, the reply to send at once.
struct admin_step {
  std::optional<admin_command> command;
  std::string reply; // when !command: an error line
};

/// A refused peer gets "permission denied" whatever it sent (its line is
/// not even parsed); otherwise the line's command or its parse error.
admin_step admin_step_for(std::string_view line, bool peer_allowed);

/// The system's group_lookup: the passwd entry's primary group and
/// getgrouplist(3). Blocks on NSS (files, or a directory service).
std::optional<std::vector<uint32_t>> system_groups_of(uint32_t uid);

/// One exchange of the line protocol with the admin actor in this
/// process, for those inside the daemon that speak it (the MCP tools over
/// HTTP): `line` becomes a command, which is sent with a reply promise to
/// `admin`; its answer's reply line goes to `done`. A line that does not
/// parse gets its error line at once, an actor that drops the promise
/// "no answer". `done` is called exactly once, maybe on an actor's
/// thread. Each command is logged with `who` (e.g. "mcp http
/// 127.0.0.1:5000"). Never waits for the actor.
void admin_exchange(admin_actor admin, std::string_view line,
                    const std::string& who,
                    std::function<void(std::string reply)> done);

/// The admin socket's line handler: checks the peer (as the daemon's
/// current user and group), then admin_exchange() with the line (a
/// refused peer gets "permission denied" without it). Logs refusals and
/// each command with the peer.
line_handler make_admin_handler(admin_actor admin);

} // namespace sb
