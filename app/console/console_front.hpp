// The operator console's HTTP side: the one adapter between the console's
// own listener (an http_server on console.listen, apart from the public
// webhook port) and the rest of the daemon. Pages and assets come from
// console_assets; every /api/* read runs as a job on the console_reader's
// thread (never on an I/O thread, never on the writer's connection); live
// calls, the system's state and the operator's actions go to the admin
// actor; /api/events streams the live_feed as Server-Sent Events. Sessions
// and the cross-site checks guard all of it (app/console/console_routes,
// console_sessions). POST /mcp serves switchboard's MCP tools to AI
// assistants over the same listener, with the admin token as its bearer
// credential instead of a session (app/console/console_mcp).
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "actors/admin.hpp"
#include "core/live_config.hpp"
#include "net/http/http_types.hpp"

namespace sb {

class console_assets;
class console_reader;
class console_sessions;
class live_feed;

struct console_deps {
  admin_actor admin;
  std::shared_ptr<console_reader> reader;
  std::shared_ptr<live_feed> feed;
  std::shared_ptr<live_config> live; // [console] is read once, at start
  std::shared_ptr<console_sessions> sessions;
  std::shared_ptr<const console_assets> assets;
  /// Where the event streams' heartbeat timers run: the listener's own.
  boost::asio::io_context* ioc = nullptr;
  /// The folders turn audio may be served from (tts.cache_dir, and
  /// media.caller_audio_dir as the media transport resolves it).
  std::string tts_cache_dir;
  std::string caller_audio_dir;
  std::string version; // /api/system
};

/// What the console's listener is handed. Callable on any I/O thread;
/// never blocks (queries go to the reader, actions to the admin actor).
/// REQUIRES: every member of `deps` set; deps.ioc outlives the handler's
/// event streams.
http_handler make_console_handler(console_deps deps);

/// The folder media.caller_audio_dir names: relative paths are beside the
/// database, as the media transport writes them.
std::string resolve_caller_audio_dir(const config& cfg);

} // namespace sb
