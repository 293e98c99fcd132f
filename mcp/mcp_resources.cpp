// The resource methods over the same console queries the tools use. A URI
// is checked before the database is asked, and a CallSid must have
// Twilio's shape, so nothing but a well-formed SID is ever bound into a
// query from a URI.
#include "mcp/mcp_resources.hpp"

#include <regex>
#include <utility>

#include "core/error.hpp"
#include "mcp/mcp_call_views.hpp"
#include "mcp/mcp_cursor.hpp"
#include "mcp/mcp_server.hpp"
#include "mcp/mcp_tool_support.hpp"
#include "net/text/json_writer.hpp"
#include "storage/console_queries.hpp"

namespace sb {

namespace {

constexpr const char* uri_prefix = "switchboard://calls/";

mcp_method_result invalid(std::string message) {
  return {{}, mcp_error::invalid_params, std::move(message), {}};
}

mcp_method_result internal(const caf::error& err) {
  return {{}, mcp_error::internal_error, "database: " + what(err), {}};
}

void with_database(const mcp_services& services,
                   std::function<mcp_method_result(sqlite3*)> query,
                   mcp_method_done done) {
  with_connection(
    services,
    [query = std::move(query), done](sqlite3* db) { done(query(db)); },
    [done](std::string why) {
      done({{}, mcp_error::internal_error, std::move(why), {}});
    });
}

// "CA…" from switchboard://calls/CA…; "" when the URI is not one of ours.
std::string call_sid_of(const std::string& uri) {
  static const std::regex sid{"^CA[0-9a-f]{32}$"};
  const std::string prefix = uri_prefix;
  if (uri.compare(0, prefix.size(), prefix) != 0)
    return {};
  auto sid_text = uri.substr(prefix.size());
  return std::regex_match(sid_text, sid) ? sid_text : std::string{};
}

void write_resource(json_writer& w, const call_row& c) {
  w.StartObject();
  write_field(w, "uri", uri_prefix + c.call_sid);
  write_field(w, "name", c.call_sid);
  write_field(w, "title", "Call " + c.call_sid + " transcript");
  write_field(w, "description",
              (c.direction.empty() ? "call" : c.direction) + " call from "
                + (c.from_number.empty() ? "?" : c.from_number) + " to "
                + (c.to_number.empty() ? "?" : c.to_number) + ", started "
                + (c.started_at.empty() ? "?" : c.started_at));
  write_field(w, "mimeType", "text/plain");
  w.EndObject();
}

std::string page_json(const call_page& page) {
  return json_object([&](json_writer& w) {
    w.Key("resources");
    w.StartArray();
    for (const auto& row : page.calls)
      write_resource(w, row.call);
    w.EndArray();
    if (!page.next.empty())
      write_field(w, "nextCursor", encode_cursor(page.next));
  });
}

} // namespace

void list_call_resources(const mcp_services& services,
                         const std::string& cursor, mcp_method_done done) {
  auto after = cursor.empty() ? call_cursor{} : decode_cursor(cursor);
  if (!after) {
    done(invalid("cursor: not a cursor resources/list gave"));
    return;
  }
  with_database(
    services,
    [after = *after](sqlite3* db) -> mcp_method_result {
      auto page = list_calls(db, {}, after, call_resources_per_page);
      if (!page)
        return internal(page.error());
      return {page_json(*page), 0, {}, {}};
    },
    std::move(done));
}

std::string call_resource_templates() {
  return json_object([](json_writer& w) {
    w.Key("resourceTemplates");
    w.StartArray();
    w.StartObject();
    write_field(w, "uriTemplate", std::string(uri_prefix) + "{call_sid}");
    write_field(w, "name", "call-transcript");
    write_field(w, "title", "Call transcript");
    write_field(w, "description",
                "A stored call's conversation as text, one line per turn; "
                "call_sid is the call's Twilio CallSid (CA and 32 hex "
                "digits).");
    write_field(w, "mimeType", "text/plain");
    w.EndObject();
    w.EndArray();
  });
}

void read_call_resource(const mcp_services& services, const std::string& uri,
                        mcp_method_done done) {
  auto sid = call_sid_of(uri);
  if (sid.empty()) {
    done(invalid("uri: not switchboard://calls/ and a CallSid (CA and 32 "
                 "hex digits)"));
    return;
  }
  with_database(
    services,
    [uri, sid](sqlite3* db) -> mcp_method_result {
      auto detail = load_call_detail(db, sid);
      if (!detail)
        return internal(detail.error());
      if (!*detail) {
        auto not_found = invalid("uri: no call " + sid + " is stored");
        not_found.rpc_data = json_object(
          [&](json_writer& w) { write_field(w, "uri", uri); });
        return not_found;
      }
      return {json_object([&](json_writer& w) {
                w.Key("contents");
                w.StartArray();
                w.StartObject();
                write_field(w, "uri", uri);
                write_field(w, "mimeType", "text/plain");
                write_field(w, "text", transcript_text((*detail)->stored));
                w.EndObject();
                w.EndArray();
              }),
              0,
              {}};
    },
    std::move(done));
}

} // namespace sb
