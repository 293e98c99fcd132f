// Reading back the MCP tool calls stored with a call's assistant turns
// (table tool_calls, migration 7), on any connection to the file: the
// writer's (database::load_call), the console's reader, switchboardctl's
// read-only one. They are written by database::write, with their turn.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "storage/records.hpp"

struct sqlite3;

namespace sb {

/// One stored tool call and the turn (by seq) it belongs to.
struct turn_tool_call {
  int64_t seq = 0;
  tool_call_row call;
};

/// Every tool call of `call_sid`, by (seq, idx); empty when it made none.
/// Any thread that owns `db`. REQUIRES: the file is at schema 7 or later.
/// Errors: errc::storage_failed with SQLite's message.
caf::expected<std::vector<turn_tool_call>>
read_tool_calls(sqlite3* db, const std::string& call_sid);

/// Reads the tool calls of `call_sid` and gives each turn of `turns` (the
/// call's, any order) its own, by idx; a turn with none keeps an empty
/// list. Errors: as read_tool_calls.
caf::error load_tool_calls(sqlite3* db, const std::string& call_sid,
                           std::vector<turn_row>& turns);

} // namespace sb
