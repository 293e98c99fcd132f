// switchboard's MCP server on the console's listener: POST /mcp, the
// Streamable HTTP transport (app/console/console_mcp_checks.hpp says what
// a request must carry). Each request is one JSON-RPC message answered
// with one JSON object (never an SSE stream); a notification is 202.
// Statelessly: a modern request carries its protocol version, a legacy
// one names its revision in MCP-Protocol-Version, and no Mcp-Session-Id
// is minted. The tools (mcp/) reach the daemon through the services made
// here: the console reader's thread for the database, the admin actor in
// process for live calls and actions, the /metrics text.
#pragma once

#include <memory>

#include "actors/admin.hpp"
#include "mcp/mcp_services.hpp"

namespace sb {

class console_reader;

/// mcp_services::read over the console's reader: the job runs on the
/// reader's thread; when its queue is full (or the reader is shutting
/// down) the job is called at once with a null connection, and answers
/// that the database cannot be read now.
std::function<void(std::function<void(sqlite3* db)> job)>
console_mcp_read(std::shared_ptr<console_reader> reader);

/// The services of the daemon's MCP tools: console_mcp_read(reader), the
/// admin actor through admin_exchange (app/admin_front.hpp), and
/// metrics::render().
mcp_services console_mcp_services(admin_actor admin,
                                  std::shared_ptr<console_reader> reader);

} // namespace sb
