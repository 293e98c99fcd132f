// Calls' transcripts as MCP resources: switchboard://calls/{CallSid},
// text/plain. resources/list gives the newest calls (a page of 50, with a
// cursor for the next), resources/templates/list the one URI template,
// resources/read one call's transcript (mcp_call_views.hpp). Each answers
// the method's result object without the era's fields, which the
// dispatcher adds.
#pragma once

#include <functional>
#include <string>

#include "mcp/mcp_services.hpp"

namespace sb {

/// A method's answer: the result object's JSON text, or a JSON-RPC error
/// (rpc_code non-zero).
struct mcp_method_result {
  std::string result;
  int rpc_code = 0;
  std::string rpc_message;
  std::string rpc_data; // the error's data, a JSON object's text; "" = none
};

using mcp_method_done = std::function<void(mcp_method_result)>;

/// How many calls one resources/list page holds.
inline constexpr int call_resources_per_page = 50;

/// {"resources": [{uri, name, title, description, mimeType}], "nextCursor"?}.
/// `cursor` "" = the newest page. Errors: -32602 naming "cursor" for a
/// token this server did not give; -32603 when the database cannot be read.
void list_call_resources(const mcp_services& services,
                         const std::string& cursor, mcp_method_done done);

/// {"resourceTemplates": [{uriTemplate, name, title, description,
/// mimeType}]}.
std::string call_resource_templates();

/// {"contents": [{uri, mimeType: "text/plain", text}]}. Errors: -32602
/// naming "uri" for a URI that is not switchboard://calls/<CallSid> or a
/// call that is not stored (that one with data {"uri": uri}, the
/// specification's resource-not-found shape); -32603 when the database
/// cannot be read.
void read_call_resource(const mcp_services& services, const std::string& uri,
                        mcp_method_done done);

} // namespace sb
