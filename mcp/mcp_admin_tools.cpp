// The tools that ask the running daemon, each one admin-protocol request
// (app/admin_front.hpp): the live calls, and the four actions. An action
// is logged at notice level before it is asked, with who asked and what
// it targets, so the journal holds every attempt whatever the daemon
// answers. The daemon's refusal (a call that is not live, no Twilio
// credentials, no daemon) comes back as a tool error carrying its words.
#include <utility>

#include "core/log.hpp"
#include "mcp/mcp_tool_handlers.hpp"
#include "mcp/mcp_tool_support.hpp"

namespace sb {

namespace {

void log_action(const char* tool, const std::string& target,
                const std::string& who) {
  SB_LOG_NOTICE("mcp: " << tool << (target.empty() ? "" : " ") << target
                        << " asked by " << who);
}

void write_live_call(json_writer& w, const rapidjson::Value& c) {
  w.StartObject();
  write_field(w, "call_sid", text_member(c, "call_sid"));
  write_nullable(w, "direction", text_member(c, "direction"));
  write_nullable(w, "from", text_member(c, "from_number"));
  write_nullable(w, "to", text_member(c, "to_number"));
  write_nullable(w, "status", text_member(c, "status"));
  write_nullable(w, "started_at", text_member(c, "started_at"));
  write_nullable(w, "transport", text_member(c, "transport"));
  auto turns = c.FindMember("turns");
  w.Key("turns");
  w.Int64(turns != c.MemberEnd() && turns->value.IsInt64()
            ? turns->value.GetInt64()
            : 0);
  w.EndObject();
}

// hang_up's and say's answer: the call and that the daemon did it.
mcp_call_outcome done_with(const std::string& sid) {
  return mcp_call_outcome::result(json_object([&](json_writer& w) {
    write_field(w, "call_sid", sid);
    w.Key("done");
    w.Bool(true);
  }));
}

} // namespace

void list_live_calls_tool(const mcp_tool_call& call, mcp_tool_done done) {
  ask_admin(
    call.services, admin_request("calls"),
    [](const rapidjson::Value& result) {
      auto calls = result.FindMember("calls");
      if (calls == result.MemberEnd() || !calls->value.IsArray())
        return mcp_call_outcome::failed("malformed reply from the daemon");
      return mcp_call_outcome::result(json_object([&](json_writer& w) {
        w.Key("calls");
        w.StartArray();
        for (const auto& c : calls->value.GetArray())
          if (c.IsObject())
            write_live_call(w, c);
        w.EndArray();
      }));
    },
    std::move(done));
}

void place_call_tool(const mcp_tool_call& call, mcp_tool_done done) {
  auto to = string_arg(call.arguments, "to");
  auto from = string_arg(call.arguments, "from");
  log_action("place_call", to, call.who);
  auto request = from.empty()
                   ? admin_request("dial", {{"to", to}})
                   : admin_request("dial", {{"to", to}, {"from", from}});
  ask_admin(
    call.services, std::move(request),
    [](const rapidjson::Value& result) {
      return mcp_call_outcome::result(json_object([&](json_writer& w) {
        write_field(w, "call_sid", text_member(result, "call_sid"));
        write_nullable(w, "status", text_member(result, "status"));
      }));
    },
    std::move(done));
}

void hang_up_tool(const mcp_tool_call& call, mcp_tool_done done) {
  auto sid = string_arg(call.arguments, "call_sid");
  log_action("hang_up", sid, call.who);
  ask_admin(
    call.services, admin_request("hangup", {{"sid", sid}}),
    [sid](const rapidjson::Value&) { return done_with(sid); }, std::move(done));
}

void say_tool(const mcp_tool_call& call, mcp_tool_done done) {
  auto sid = string_arg(call.arguments, "call_sid");
  auto text = string_arg(call.arguments, "text");
  log_action("say", sid, call.who);
  ask_admin(
    call.services, admin_request("say", {{"sid", sid}, {"text", text}}),
    [sid](const rapidjson::Value&) { return done_with(sid); }, std::move(done));
}

void drain_tool(const mcp_tool_call& call, mcp_tool_done done) {
  log_action("drain", "", call.who);
  ask_admin(
    call.services, admin_request("drain"),
    [](const rapidjson::Value&) {
      return mcp_call_outcome::result(json_object([](json_writer& w) {
        w.Key("draining");
        w.Bool(true);
      }));
    },
    std::move(done));
}

} // namespace sb
