// JSON bodies of the daemon's own endpoints, in the prototype's shapes so
// its clients keep working: GET /, GET /sessions, GET /session/{sid}, and
// the acknowledgement of status callbacks.
#pragma once

#include <string>
#include <vector>

#include "actors/messages.hpp"

namespace sb {

/// {"message", "status": "healthy", "active_sessions", "calls_total", ...}
std::string health_json(const ingress_stats& stats);

/// One call: call_sid, from_number, to_number, status, direction,
/// start_time, language, voice, answered_at, conversation_history[...].
/// A turn carries only what it has: an assistant turn that called MCP
/// tools has "tool_calls" [{idx, round, server, name, arguments, result,
/// error, ms}] (storage/tool_call_json.hpp).
std::string session_json(const stored_call& call);

/// {"active_sessions": N, "sessions": {sid: session, ...}}
std::string sessions_json(const std::vector<stored_call>& calls);

/// {"status": "received", "call_sid", "call_status"}
std::string ack_json(const std::string& call_sid, const std::string& status);

} // namespace sb
