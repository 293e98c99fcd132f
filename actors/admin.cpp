// The admin actor's behaviour: one operator command per message.
#include "actors/admin.hpp"

#include <caf/actor_system.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/tool_refresh.hpp"
#include "core/e164.hpp"
#include "core/error.hpp"
#include "core/log.hpp"

namespace sb {

config reloadable_merge(const config& running, const config& fresh) {
  config out = running;
  out.voice = fresh.voice;
  out.limits = fresh.limits;
  out.llm.system_prompt = fresh.llm.system_prompt;
  out.llm.system_prompt_hi = fresh.llm.system_prompt_hi;
  out.llm.system_prompt_en = fresh.llm.system_prompt_en;
  out.llm.max_history_turns = fresh.llm.max_history_turns;
  out.llm.max_reply_chars = fresh.llm.max_reply_chars;
  out.llm.temperature = fresh.llm.temperature;
  out.llm.num_predict = fresh.llm.num_predict;
  out.llm.max_tool_rounds = fresh.llm.max_tool_rounds;
  out.llm.mcp_max_queue = fresh.llm.mcp_max_queue;
  out.llm.mcp_timeout_ms = fresh.llm.mcp_timeout_ms;
  // The MCP servers themselves (names, URLs, credentials) need a restart;
  // their allow-lists follow the file, for the listing the reload starts.
  for (auto& server : out.llm.mcp_servers)
    for (const auto& now : fresh.llm.mcp_servers)
      if (now.name == server.name)
        server.tools = now.tools;
  // What a relay call's TwiML and its reconnects use; the socket limits
  // (idle, frame, queue, token age) configure the listener: restart.
  out.relay.tts_provider = fresh.relay.tts_provider;
  out.relay.voice = fresh.relay.voice;
  out.relay.transcription_provider = fresh.relay.transcription_provider;
  out.relay.speech_model = fresh.relay.speech_model;
  out.relay.interruptible = fresh.relay.interruptible;
  out.relay.dtmf_detection = fresh.relay.dtmf_detection;
  out.relay.max_reconnects = fresh.relay.max_reconnects;
  return out;
}

namespace {

struct admin_state {
  static const char* name;
  admin_deps deps;
};

const char* admin_state::name = "admin";

using admin_pointer = admin_actor::stateful_pointer<admin_state>;

admin_reply failure(std::string why) {
  admin_reply r;
  r.ok = false;
  r.error = std::move(why);
  return r;
}

done_promise done_to(admin_promise promise) {
  return {[promise](std::string why) {
            promise.deliver(why.empty() ? admin_reply{}
                                        : failure(std::move(why)));
          },
          [promise] { promise.deliver(failure("no answer")); }};
}

void reload(admin_pointer self, const admin_promise& promise) {
  auto& d = self->state.deps;
  auto fresh = load_config(d.config_path, d.env);
  if (!fresh) {
    SB_LOG_ERROR("reload: " << what(fresh.error())
                            << "; keeping the running "
                               "configuration");
    promise.deliver(failure(what(fresh.error())));
    return;
  }
  d.cfg = std::make_shared<const config>(reloadable_merge(*d.cfg, *fresh));
  if (d.live)
    d.live->set(d.cfg);
  self->send(d.ingress, reload_atom::value, d.cfg);
  self->send(d.llm, reload_atom::value, d.cfg);
  refresh_tools_later(self->system(), d.toolbox, d.cfg->llm, "reload");
  SB_LOG_NOTICE("reload: " << d.config_path
                           << " applied (voice, prompts, "
                              "limits)");
  promise.deliver(admin_reply{});
}

void dial(admin_pointer self, const admin_command& c,
          const admin_promise& promise) {
  const auto& cfg = *self->state.deps.cfg;
  auto from = c.from.empty() ? cfg.twilio.phone_number : c.from;
  if (!is_e164(c.to) || !is_e164(from)) {
    promise.deliver(failure("dial: numbers must be E.164, like +14155550100"
                            " (and FROM or twilio.phone_number is needed)"));
    return;
  }
  if (cfg.twilio.account_sid.empty() || cfg.twilio.auth_token.empty()) {
    promise.deliver(failure("dial: Twilio credentials are not configured"));
    return;
  }
  dial_promise done{[promise](dial_outcome out) {
                      if (out.error) {
                        promise.deliver(failure(what(out.error)));
                        return;
                      }
                      admin_reply r;
                      r.call_sid = out.call_sid;
                      r.status = out.status;
                      promise.deliver(r);
                    },
                    [promise] { promise.deliver(failure("no answer")); }};
  self->send(self->state.deps.ingress, dial_atom::value,
             dial_request{c.to, from}, std::move(done));
}

void hangup(admin_pointer self, const admin_command& c,
            const admin_promise& promise) {
  call_update u;
  u.status = "completed";
  self
    ->request(self->state.deps.twilio, caf::infinite, update_atom::value, c.sid,
              std::move(u))
    .then([promise](call_resource&) { promise.deliver(admin_reply{}); },
          [promise](caf::error& err) { promise.deliver(failure(what(err))); });
}

calls_promise calls_to(admin_promise promise, std::string must_have) {
  return {[promise, must_have](std::vector<stored_call> calls) {
            if (!must_have.empty() && calls.empty()) {
              promise.deliver(failure("no live call " + must_have));
              return;
            }
            admin_reply r;
            r.calls = std::move(calls);
            promise.deliver(std::move(r));
          },
          [promise] { promise.deliver(failure("no answer")); }};
}

void run(admin_pointer self, const admin_command& c,
         const admin_promise& promise) {
  auto& ingress = self->state.deps.ingress;
  if (c.cmd == "calls")
    return self->send(ingress, sessions_atom::value, calls_to(promise, {}));
  if (c.cmd == "call")
    return self->send(ingress, session_atom::value, c.sid,
                      calls_to(promise, c.sid));
  if (c.cmd == "stats")
    return self->send(
      ingress, stats_atom::value,
      stats_promise{[promise](ingress_stats s) {
                      admin_reply r;
                      r.stats = s;
                      promise.deliver(r);
                    },
                    [promise] { promise.deliver(failure("no answer")); }});
  if (c.cmd == "say")
    return self->send(ingress, say_atom::value, c.sid, c.text,
                      done_to(promise));
  if (c.cmd == "drain") {
    self->send(ingress, drain_atom::value);
    promise.deliver(admin_reply{});
    return;
  }
  if (c.cmd == "reload")
    return reload(self, promise);
  if (c.cmd == "dial")
    return dial(self, c, promise);
  if (c.cmd == "hangup")
    return hangup(self, c, promise);
  promise.deliver(failure("unknown command " + c.cmd));
}

admin_actor::behavior_type admin_impl(admin_pointer self, admin_deps deps) {
  self->state.deps = std::move(deps);
  return {
    [self](admin_atom, const admin_command& c, const admin_promise& promise) {
      run(self, c, promise);
    },
  };
}

} // namespace

admin_actor spawn_admin(caf::actor_system& sys, admin_deps deps) {
  return sys.spawn(admin_impl, std::move(deps));
}

} // namespace sb
