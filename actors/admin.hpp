// The admin actor: carries out an operator's command from the admin socket
// (switchboardctl) — it asks the ingress, the calls and the Twilio REST
// actor, and reloads the configuration. Parsing the socket's JSON lines and
// writing the answers is the daemon's (app/admin_front); this actor sees
// only typed commands.
//
// Protocol:
//   (admin, admin_command, admin_promise)
//     calls              -> reply.calls: every live call with its turns
//     call SID           -> reply.calls: that call; error if not live
//     dial TO [FROM]     -> reply.call_sid/status; errors: bad numbers,
//                           no Twilio credentials, Twilio's refusal
//     hangup SID         -> Twilio ends the call (status completed)
//     say SID TEXT       -> the text is spoken into the live call now
//     stats              -> reply.stats
//     reload             -> re-reads the config file: voice, prompts and
//                           limits change for new and live calls, and the
//                           MCP servers' tools are listed again (on a
//                           thread of their own; answered before that
//                           ends); listeners, storage and backends need a
//                           restart
//     drain              -> new inbound calls hear the busy message
//   Every failure is reply.ok = false with reply.error saying why.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/ingress.hpp"
#include "core/live_config.hpp"

namespace sb {

class mcp_toolbox;

struct admin_command {
  std::string
    cmd; // calls | call | dial | hangup | say | stats | reload | drain
  std::string sid;
  std::string to;
  std::string from;
  std::string text;
};

struct admin_reply {
  bool ok = true;
  std::string error;
  std::vector<stored_call> calls;
  ingress_stats stats;
  std::string call_sid; // dial
  std::string status;   // dial: Twilio's status
};

using admin_promise = reply_promise<admin_reply>;
using admin_atom = caf::atom_constant<caf::atom("admin")>;

using admin_actor =
  caf::typed_actor<caf::reacts_to<admin_atom, admin_command, admin_promise>>;

struct admin_deps {
  ingress_actor ingress;
  twilio_actor twilio;
  llm_actor llm;
  std::string config_path; // what reload re-reads
  env_lookup env;
  config_ptr cfg; // the configuration now in force
  /// Where the I/O threads read it (the HTTP and WebSocket fronts); a
  /// reload publishes there too. May be null.
  std::shared_ptr<live_config> live;
  /// The MCP tools of the call's model: a reload lists them again (off
  /// the scheduler). May be null.
  std::shared_ptr<mcp_toolbox> toolbox;
};

admin_actor spawn_admin(caf::actor_system& sys, admin_deps deps);

/// `fresh` with only the reloadable parts taken from it (voice, LLM prompts
/// and generation settings, the MCP tool rounds, queue, timeout and each
/// running server's allow-list, limits), everything else as in `running`.
config reloadable_merge(const config& running, const config& fresh);

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, admin_command& x) {
  return f(caf::meta::type_name("admin_command"), x.cmd, x.sid, x.to, x.from,
           x.text);
}

} // namespace sb

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sb::admin_promise)
