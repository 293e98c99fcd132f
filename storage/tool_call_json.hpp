// Tool calls as JSON, in the one shape every reader shows them: GET
// /session, the console's call detail and live feed, switchboardctl's
// transcript, the log's copy of a write that was dropped. Written with
// RapidJSON's writer, so the model's and the servers' text is escaped
// whatever it holds. Header-light: a target that includes it links the
// rapidjson interface library.
#pragma once

#include <vector>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "storage/records.hpp"

namespace sb {

enum class tool_call_fields {
  /// {"idx", "round", "server", "name", "arguments", "result", "error",
  /// "ms"}
  full,
  /// {"idx", "round", "server", "name", "error", "ms"}: what a live view
  /// shows, without the texts that may be long.
  summary,
};

/// Writes `calls` as one JSON array of objects (the caller writes the key
/// before it). "arguments" is the JSON object itself when the text parses
/// as one (nested at most 32 deep: RapidJSON parses and writes values
/// recursively, and the text is the model's), else the text as
/// a string; "result" is null for a call that failed with no result,
/// "error" null for one that succeeded, "server" null when unknown.
void write_tool_calls(rapidjson::Writer<rapidjson::StringBuffer>& w,
                      const std::vector<tool_call_row>& calls,
                      tool_call_fields fields = tool_call_fields::full);

} // namespace sb
