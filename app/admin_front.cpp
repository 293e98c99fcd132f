// The admin protocol and bridge behind app/admin_front.hpp. The pure
// functions come first; the two that touch the system (the group lookup)
// or the actor system (the handler) come last and only unpack, call the
// pure parts and pack.
#include "app/admin_front.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <caf/send.hpp>
#include <rapidjson/document.h>

#include "app/views.hpp"
#include "core/error.hpp"
#include "core/json_read.hpp"
#include "core/log.hpp"
#include "net/text/json_writer.hpp"

namespace sb {

namespace {

// Which fields each command needs.
struct command_spec {
  std::string_view name;
  bool sid, to, text;
};

constexpr std::array<command_spec, 8> commands{{
  {"calls", false, false, false},
  {"call", true, false, false},
  {"dial", false, true, false},
  {"hangup", true, false, false},
  {"say", true, false, true},
  {"stats", false, false, false},
  {"reload", false, false, false},
  {"drain", false, false, false},
}};

caf::error take(const rapidjson::Value& obj, const char* key, bool required,
                std::string& out) {
  auto it = obj.FindMember(key);
  if (it == obj.MemberEnd()) {
    if (required)
      return make_error(errc::bad_request, std::string{key} + ": required");
    return caf::none;
  }
  if (!it->value.IsString())
    return make_error(errc::bad_request,
                      std::string{key} + ": must be a string");
  out.assign(it->value.GetString(), it->value.GetStringLength());
  if (required && out.empty())
    return make_error(errc::bad_request,
                      std::string{key} + ": must not be empty");
  return caf::none;
}

void write_call_summary(json_writer& w, const stored_call& c) {
  w.StartObject();
  write_field(w, "call_sid", c.call.call_sid);
  write_field(w, "direction", c.call.direction);
  write_field(w, "from_number", c.call.from_number);
  write_field(w, "to_number", c.call.to_number);
  write_field(w, "status", c.call.status);
  write_field(w, "started_at", c.call.started_at);
  w.Key("transport");
  if (c.call.transport.empty())
    w.Null();
  else
    write_string(w, c.call.transport);
  w.Key("turns");
  w.Int64(static_cast<int64_t>(c.turns.size()));
  w.EndObject();
}

// The "result" value, as raw JSON text.
std::string result_json(const admin_command& cmd, const admin_reply& r) {
  if (cmd.cmd == "call")
    return session_json(r.calls.front());
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  w.StartObject();
  if (cmd.cmd == "calls") {
    w.Key("calls");
    w.StartArray();
    for (const auto& c : r.calls)
      write_call_summary(w, c);
    w.EndArray();
  } else if (cmd.cmd == "stats") {
    w.Key("live_calls");
    w.Int64(r.stats.live_calls);
    w.Key("calls_total");
    w.Int64(r.stats.calls_total);
    w.Key("calls_rejected");
    w.Int64(r.stats.calls_rejected);
    w.Key("draining");
    w.Bool(r.stats.draining);
  } else if (cmd.cmd == "dial") {
    write_field(w, "call_sid", r.call_sid);
    write_field(w, "status", r.status);
  } else {
    w.Key("done");
    w.Bool(true);
  }
  w.EndObject();
  return json_text(buf);
}

} // namespace

caf::expected<admin_command> parse_admin_line(std::string_view line) {
  rapidjson::Document doc;
  if (!parse_whole_json(doc, line) || !doc.IsObject())
    return make_error(errc::bad_request, "expected one JSON object per line");
  admin_command c;
  if (auto err = take(doc, "cmd", true, c.cmd))
    return err;
  for (const auto& spec : commands) {
    if (spec.name != c.cmd)
      continue;
    for (auto err :
         {take(doc, "sid", spec.sid, c.sid), take(doc, "to", spec.to, c.to),
          take(doc, "from", false, c.from),
          take(doc, "text", spec.text, c.text)})
      if (err)
        return err;
    return c;
  }
  return make_error(errc::bad_request,
                    "cmd: unknown command \"" + c.cmd
                      + "\" (calls, call, dial, hangup, say, "
                        "stats, reload, drain)");
}

std::string admin_reply_line(const admin_command& cmd, const admin_reply& r) {
  if (!r.ok)
    return admin_error_line(r.error);
  return "{\"ok\":true,\"result\":" + result_json(cmd, r) + "}";
}

std::string admin_error_line(std::string_view why) {
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  w.StartObject();
  w.Key("ok");
  w.Bool(false);
  w.Key("error");
  write_string(w, why);
  w.EndObject();
  return json_text(buf);
}

bool admin_peer_allowed(const peer_info& peer, const admin_owner& owner,
                        const group_lookup& groups_of) {
  if (peer.uid == 0 || peer.uid == owner.uid || peer.gid == owner.gid)
    return true;
  const auto groups = groups_of(peer.uid);
  return groups
         && std::find(groups->begin(), groups->end(), owner.gid)
              != groups->end();
}

admin_step admin_step_for(std::string_view line, bool peer_allowed) {
  admin_step step;
  if (!peer_allowed) {
    step.reply = admin_error_line("permission denied");
    return step;
  }
  auto cmd = parse_admin_line(line);
  if (cmd)
    step.command = std::move(*cmd);
  else
    step.reply = admin_error_line(what(cmd.error()));
  return step;
}

std::optional<std::vector<uint32_t>> system_groups_of(uint32_t uid) {
  passwd pw{};
  passwd* found = nullptr;
  std::vector<char> buf(16384);
  if (getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) != 0 || !found)
    return std::nullopt;
  std::vector<gid_t> groups(64);
  int n = static_cast<int>(groups.size());
  if (getgrouplist(pw.pw_name, pw.pw_gid, groups.data(), &n) < 0) {
    // Too many groups for the room given: n now says how many there are.
    groups.resize(static_cast<size_t>(n));
    if (getgrouplist(pw.pw_name, pw.pw_gid, groups.data(), &n) < 0)
      return std::nullopt;
  }
  groups.resize(static_cast<size_t>(n));
  return std::vector<uint32_t>(groups.begin(), groups.end());
}

namespace {

// Answers a step: its reply at once, or its command through the actor.
void answer_step(const admin_actor& admin, admin_step step,
                 const std::string& who,
                 std::function<void(std::string)> done) {
  if (!step.command) {
    done(std::move(step.reply));
    return;
  }
  const auto& c = *step.command;
  SB_LOG_INFO("admin: " << c.cmd << (c.sid.empty() ? "" : " " + c.sid)
                        << " from " << who);
  // The promise answers on whatever thread the actor replies from; the
  // caller's `done` takes it from there (the line server posts the line
  // onto the connection's strand).
  admin_promise promise{[done, c](admin_reply r) {
                          done(admin_reply_line(c, r));
                        },
                        [done] { done(admin_error_line("no answer")); }};
  caf::anon_send(admin, admin_atom::value, std::move(*step.command),
                 std::move(promise));
}

} // namespace

void admin_exchange(admin_actor admin, std::string_view line,
                    const std::string& who,
                    std::function<void(std::string reply)> done) {
  answer_step(admin, admin_step_for(line, true), who, std::move(done));
}

line_handler make_admin_handler(admin_actor admin) {
  const admin_owner owner{getuid(), getgid()};
  return [admin, owner](std::string line, const peer_info& peer,
                        line_responder respond) {
    const bool allowed = admin_peer_allowed(peer, owner, system_groups_of);
    if (!allowed)
      SB_LOG_WARNING("admin: refused pid " << peer.pid << " uid " << peer.uid
                                           << ": not root, not our user and "
                                              "not in our group");
    answer_step(admin, admin_step_for(line, allowed),
                "pid " + std::to_string(peer.pid) + " uid "
                  + std::to_string(peer.uid),
                std::move(respond));
  };
}

} // namespace sb
