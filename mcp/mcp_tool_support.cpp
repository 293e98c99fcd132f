// The handlers' shared steps. The database and admin steps each hand the
// outcome to `done` from whatever thread the service answers on; nothing
// here keeps state between calls.
#include "mcp/mcp_tool_support.hpp"

#include <memory>
#include <utility>

#include "core/json_read.hpp"

namespace sb {

std::string string_arg(const rapidjson::Value& args, const char* key,
                       std::string fallback) {
  auto it = args.FindMember(key);
  if (it == args.MemberEnd() || !it->value.IsString())
    return fallback;
  return {it->value.GetString(), it->value.GetStringLength()};
}

int int_arg(const rapidjson::Value& args, const char* key, int fallback) {
  auto it = args.FindMember(key);
  if (it == args.MemberEnd() || !it->value.IsNumber())
    return fallback;
  // The schema bounds every integer argument well inside int.
  return static_cast<int>(it->value.GetDouble());
}

void with_connection(const mcp_services& services,
                     std::function<void(sqlite3* db)> job,
                     std::function<void(std::string why)> unavailable) {
  if (!services.read) {
    unavailable("no database to read here");
    return;
  }
  services.read(
    [job = std::move(job), unavailable = std::move(unavailable)](sqlite3* db) {
      if (db == nullptr)
        unavailable("the database cannot be read now");
      else
        job(db);
    });
}

void read_database(const mcp_services& services,
                   std::function<mcp_call_outcome(sqlite3* db)> query,
                   mcp_tool_done done) {
  with_connection(
    services,
    [query = std::move(query), done](sqlite3* db) { done(query(db)); },
    [done](std::string why) {
      done(mcp_call_outcome::failed(std::move(why)));
    });
}

const rapidjson::Value* admin_result(rapidjson::Document& doc,
                                     const std::string& reply,
                                     std::string& error) {
  if (!parse_whole_json(doc, reply) || !doc.IsObject() || !doc.HasMember("ok")
      || !doc["ok"].IsBool()) {
    error = "malformed reply from the daemon";
    return nullptr;
  }
  if (!doc["ok"].GetBool()) {
    error = text_member(doc, "error");
    if (error.empty())
      error = "the daemon refused";
    return nullptr;
  }
  auto result = doc.FindMember("result");
  if (result == doc.MemberEnd() || !result->value.IsObject()) {
    error = "malformed reply from the daemon";
    return nullptr;
  }
  return &result->value;
}

void ask_admin(
  const mcp_services& services, std::string request,
  std::function<mcp_call_outcome(const rapidjson::Value& result)> on_ok,
  mcp_tool_done done) {
  if (!services.admin) {
    done(mcp_call_outcome::failed("no daemon to ask here"));
    return;
  }
  services.admin(std::move(request),
                 [on_ok = std::move(on_ok), done](std::string reply) {
                   rapidjson::Document doc;
                   std::string error;
                   if (auto result = admin_result(doc, reply, error))
                     done(on_ok(*result));
                   else
                     done(mcp_call_outcome::failed(error));
                 });
}

std::string admin_request(
  std::string_view cmd,
  std::initializer_list<std::pair<const char*, std::string>> fields) {
  return json_object([&](json_writer& w) {
    write_field(w, "cmd", cmd);
    for (auto& [key, value] : fields)
      write_field(w, key, value);
  });
}

std::string text_member(const rapidjson::Value& obj, const char* key) {
  auto it = obj.FindMember(key);
  if (it == obj.MemberEnd() || !it->value.IsString())
    return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

} // namespace sb
