// A write_batch as one line of JSON, for the log lines that carry writes
// SQLite would not take (refused data, a full queue, a failed shutdown):
// the log is then the only copy, so it holds every row and column, in a
// shape an operator can read or feed back in by hand.
#pragma once

#include <string>

#include "storage/records.hpp"

namespace sb {

/// {"events":[…],"calls":[…],"recordings":[…],"turns":[…]}, each row an
/// object keyed by column name; unknown (empty or absent) columns are left
/// out. A reply's tool calls are its "tool_calls" (as GET /session shows
/// them, storage/tool_call_json.hpp). Caller text is JSON-escaped, never
/// spliced.
std::string batch_json(const write_batch& batch);

} // namespace sb
