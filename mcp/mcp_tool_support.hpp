// What the tool handlers share, internal to mcp/: reading the validated
// arguments, running a query on the services' database connection, and
// one admin exchange with its reply line read.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

#include "mcp/mcp_tools.hpp"
#include "net/text/json_writer.hpp"

struct sqlite3;

namespace sb {

/// The string argument `key`; `fallback` when absent (the schema said
/// which are required, and that a present one is a string).
std::string string_arg(const rapidjson::Value& args, const char* key,
                       std::string fallback = {});

/// The integer argument `key`; `fallback` when absent.
int int_arg(const rapidjson::Value& args, const char* key, int fallback);

/// Runs `job` with a connection on the services' reader, or calls
/// `unavailable` with why there is none (no reader here, none now).
void with_connection(const mcp_services& services,
                     std::function<void(sqlite3* db)> job,
                     std::function<void(std::string why)> unavailable);

/// Runs `query` with the database connection on the services' reader and
/// hands its outcome to `done`. No reader, or no connection now: a tool
/// error saying so.
void read_database(const mcp_services& services,
                   std::function<mcp_call_outcome(sqlite3* db)> query,
                   mcp_tool_done done);

/// Reads an admin reply line into `doc`: its result object, or nullptr
/// with `error` set to the daemon's refusal ({"ok": false, "error": why})
/// or to "malformed reply from the daemon".
const rapidjson::Value* admin_result(rapidjson::Document& doc,
                                     const std::string& reply,
                                     std::string& error);

/// One admin request (a JSON object's text). The daemon's {"ok": false,
/// "error": why}, or a line that is not the admin protocol, is a tool
/// error with that text; {"ok": true, "result": r} is handed to `on_ok`,
/// whose outcome is the answer.
void ask_admin(
  const mcp_services& services, std::string request,
  std::function<mcp_call_outcome(const rapidjson::Value& result)> on_ok,
  mcp_tool_done done);

/// {"cmd": cmd, key: value, ...}: an admin request line.
std::string admin_request(
  std::string_view cmd,
  std::initializer_list<std::pair<const char*, std::string>> fields = {});

/// The string member `key` of an admin result; "" when absent or not a
/// string.
std::string text_member(const rapidjson::Value& obj, const char* key);

} // namespace sb
