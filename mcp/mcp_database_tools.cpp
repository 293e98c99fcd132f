// The tools that read stored calls: each is one console query
// (storage/console_queries.hpp) on the services' read-only connection,
// its rows written in the tool's output shape. A storage failure is a
// tool error (the request was fine; the file was not readable); an unknown
// CallSid is the caller's mistake, so a JSON-RPC error naming the field.
#include <utility>

#include "core/error.hpp"
#include "mcp/mcp_call_views.hpp"
#include "mcp/mcp_cursor.hpp"
#include "mcp/mcp_tool_handlers.hpp"
#include "mcp/mcp_tool_support.hpp"
#include "storage/console_queries.hpp"

namespace sb {

namespace {

constexpr int default_limit = 20;

mcp_call_outcome storage_failed(const caf::error& err) {
  return mcp_call_outcome::failed("database: " + what(err));
}

call_filter filter_of(const rapidjson::Value& args) {
  call_filter f;
  f.since = string_arg(args, "since");
  f.until = string_arg(args, "until");
  f.direction = string_arg(args, "direction");
  f.status = string_arg(args, "status");
  f.number = string_arg(args, "number");
  f.transport = string_arg(args, "transport");
  return f;
}

std::string joined(const std::vector<std::string>& pieces) {
  std::string text;
  for (const auto& piece : pieces)
    text += piece;
  return text;
}

std::string hits_json(const std::vector<search_hit>& hits, const char* method) {
  return json_object([&](json_writer& w) {
    w.Key("hits");
    w.StartArray();
    for (const auto& hit : hits) {
      w.StartObject();
      write_field(w, "call_sid", hit.call.call_sid);
      w.Key("seq");
      w.Int64(hit.seq);
      write_field(w, "role", hit.role);
      write_nullable(w, "created_at", hit.created_at);
      write_field(w, "text", joined(hit.snippet));
      w.EndObject();
    }
    w.EndArray();
    write_field(w, "method", method);
  });
}

// The full-text index when the file has one, else a plain match.
mcp_call_outcome search(sqlite3* db, const std::string& text,
                        const call_filter& filter, int limit) {
  auto indexed = has_transcript_index(db);
  if (!indexed)
    return storage_failed(indexed.error());
  auto hits = *indexed ? search_turns(db, text, filter, limit)
                       : match_turns(db, text, filter, limit);
  if (!hits && has_code(hits.error(), errc::bad_request))
    return mcp_call_outcome::invalid(
      "arguments.query: holds no word to search for");
  if (!hits)
    return storage_failed(hits.error());
  return mcp_call_outcome::result(hits_json(*hits, *indexed ? "fts" : "match"));
}

} // namespace

void get_call_tool(const mcp_tool_call& call, mcp_tool_done done) {
  auto sid = string_arg(call.arguments, "call_sid");
  read_database(
    call.services,
    [sid](sqlite3* db) {
      auto detail = load_call_detail(db, sid);
      if (!detail)
        return storage_failed(detail.error());
      if (!*detail)
        return mcp_call_outcome::invalid("arguments.call_sid: no call " + sid
                                         + " is stored");
      return mcp_call_outcome::result(call_detail_json((*detail)->stored));
    },
    std::move(done));
}

void list_calls_tool(const mcp_tool_call& call, mcp_tool_done done) {
  const auto& args = call.arguments;
  auto filter = filter_of(args);
  auto limit = int_arg(args, "limit", default_limit);
  auto token = string_arg(args, "cursor");
  auto after = token.empty() ? call_cursor{} : decode_cursor(token);
  if (!after) {
    done(mcp_call_outcome::invalid(
      "arguments.cursor: not a cursor list_calls gave"));
    return;
  }
  read_database(
    call.services,
    [filter, limit, after = *after](sqlite3* db) {
      auto page = list_calls(db, filter, after, limit);
      if (!page)
        return storage_failed(page.error());
      return mcp_call_outcome::result(json_object([&](json_writer& w) {
        w.Key("calls");
        w.StartArray();
        for (const auto& row : page->calls)
          write_call_row(w, row);
        w.EndArray();
        write_nullable(w, "next_cursor", encode_cursor(page->next));
      }));
    },
    std::move(done));
}

void search_transcripts_tool(const mcp_tool_call& call, mcp_tool_done done) {
  const auto& args = call.arguments;
  auto text = string_arg(args, "query");
  call_filter filter;
  filter.since = string_arg(args, "since");
  filter.until = string_arg(args, "until");
  filter.direction = string_arg(args, "direction");
  auto limit = int_arg(args, "limit", default_limit);
  read_database(
    call.services,
    [text, filter, limit](sqlite3* db) {
      return search(db, text, filter, limit);
    },
    std::move(done));
}

} // namespace sb
