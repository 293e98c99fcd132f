// relay_proxy's behaviour: a frame becomes one webhook event of the call
// (kind and the frame's fields as parameters, so the event log keeps it as
// it keeps webhooks); relay_peer messages become frames.
#include "app/relay_proxy.hpp"

#include <type_traits>
#include <variant>

#include <caf/actor_system.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "twilio/relay_frames.hpp"

namespace sb {

namespace {

// Twilio closes a session after ten bad frames of ours in a row; we do the
// same for its.
constexpr int max_malformed_in_row = 10;

struct proxy_state {
  static const char* name;
  relay_proxy_deps deps;
  bool bound = false;          // a matching setup arrived
  int malformed_in_row = 0;
};

const char* proxy_state::name = "relay-proxy";

using proxy_pointer = relay_proxy_actor::stateful_pointer<proxy_state>;

void close_socket(const std::weak_ptr<ws_channel>& channel, uint16_t code,
                  std::string reason) {
  if (auto ch = channel.lock())
    ch->close(code, std::move(reason));
}

void send_frame(proxy_pointer self, std::string frame) {
  if (auto ch = self->state.deps.channel.lock())
    ch->send_text(std::move(frame));
}

// Hands one event of the call to its actor (or the ingress). The call's ack needs no
// action; hangup means the call is over (or unknown) and the socket goes.
void send_event(proxy_pointer self, webhook_kind kind, form_params params) {
  auto& st = self->state;
  webhook_event ev{kind, st.deps.call_sid, std::move(params),
                   iso8601_utc_now(), 0, {},
                   caf::actor_cast<caf::actor>(self)};
  auto channel = st.deps.channel;
  voice_reply_slot slot{
    [channel](voice_reply r) {
      if (r.action == reply_action::hangup)
        close_socket(channel, 1000, "call ended");
    },
    [channel] { close_socket(channel, 1011, "call unavailable"); }};
  if (!st.deps.directory || !st.deps.directory->route(ev, slot))
    self->send(st.deps.ingress, webhook_atom::value, std::move(ev),
               std::move(slot));
}

void add(form_params& p, const char* key, const std::string& value) {
  if (!value.empty())
    p.emplace_back(key, value);
}

// The setup frame, checked against the URL the socket was opened with:
// Twilio repeats our <Parameter>s in it.
void on_setup(proxy_pointer self, const relay_setup& s) {
  auto& st = self->state;
  if (st.bound) {
    SB_LOG_NOTICE("relay " << st.deps.call_sid << ": second setup ignored");
    return;
  }
  std::string token;
  for (const auto& [name, value] : s.custom_parameters)
    if (name == "token")
      token = value;
  if (s.call_sid != st.deps.call_sid || token != st.deps.token) {
    SB_LOG_WARNING("relay " << st.deps.call_sid << " from " << st.deps.remote
                            << ": setup for " << s.call_sid
                            << (token != st.deps.token ? " with another token"
                                                       : "")
                            << " does not match the socket; closing");
    metrics::daemon().signature_failures.inc();
    close_socket(st.deps.channel, 1008, "setup does not match the session");
    return;
  }
  st.bound = true;
  form_params p;
  add(p, "CallSid", s.call_sid);
  add(p, "AccountSid", s.account_sid);
  add(p, "SessionId", s.session_id);
  add(p, "From", s.from);
  add(p, "To", s.to);
  add(p, "Direction", s.direction);
  add(p, "ParentCallSid", s.parent_call_sid);
  add(p, "ForwardedFrom", s.forwarded_from);
  add(p, "CallerName", s.caller_name);
  add(p, "CallType", s.call_type);
  send_event(self, webhook_kind::relay_open, std::move(p));
}

// Any frame but setup, once the session is bound.
struct frame_to_event {
  proxy_pointer self;

  void operator()(const relay_setup& s) const {
    on_setup(self, s);
  }
  void operator()(const relay_prompt& f) const {
    send_event(self, webhook_kind::relay_prompt,
               {{"VoicePrompt", f.voice_prompt},
                {"Lang", f.lang},
                {"Last", f.last ? "true" : "false"}});
  }
  void operator()(const relay_interrupt& f) const {
    send_event(self, webhook_kind::relay_interrupt,
               {{"UtteranceUntilInterrupt", f.utterance_until_interrupt},
                {"DurationUntilInterruptMs",
                 std::to_string(f.duration_until_interrupt_ms)}});
  }
  void operator()(const relay_dtmf& f) const {
    send_event(self, webhook_kind::relay_dtmf, {{"Digit", f.digit}});
  }
  void operator()(const relay_error& f) const {
    send_event(self, webhook_kind::relay_error,
               {{"Description", f.description}});
  }
  void operator()(const relay_unknown& f) const {
    SB_LOG_DEBUG("relay " << self->state.deps.call_sid << ": '" << f.type
                          << "' frame ignored");
  }
};

void on_frame(proxy_pointer self, const std::string& text) {
  auto& st = self->state;
  auto frame = parse_relay_frame(text);
  if (!frame) {
    metrics::daemon().bad_requests.inc();
    if (++st.malformed_in_row >= max_malformed_in_row) {
      SB_LOG_WARNING("relay " << st.deps.call_sid << ": "
                              << st.malformed_in_row
                              << " malformed frames in a row; closing");
      close_socket(st.deps.channel, 1007, "too many malformed frames");
      return;
    }
    // Logged once per run of bad frames: a broken peer must not flood
    // the journal.
    if (st.malformed_in_row == 1)
      SB_LOG_WARNING("relay " << st.deps.call_sid << ": ignored a malformed "
                              << "frame: " << what(frame.error()));
    return;
  }
  st.malformed_in_row = 0;
  if (!st.bound && !std::holds_alternative<relay_setup>(*frame)) {
    SB_LOG_NOTICE("relay " << st.deps.call_sid
                           << ": frame before setup ignored");
    return;
  }
  std::visit(frame_to_event{self}, *frame);
}

relay_proxy_actor::behavior_type proxy_impl(proxy_pointer self,
                                            relay_proxy_deps deps) {
  self->state.deps = std::move(deps);
  // The ingress goes first at shutdown; a proxy whose socket is still
  // open must not outlive it (the actor system waits for every actor).
  self->monitor(self->state.deps.ingress);
  self->set_down_handler([self](caf::down_msg&) {
    close_socket(self->state.deps.channel, 1001, "going away");
    self->quit();
  });
  return {
    [self](relay_frame_atom, const std::string& text) { on_frame(self, text); },
    [self](relay_gone_atom, const std::string& why) {
      auto& st = self->state;
      SB_LOG_INFO("relay " << st.deps.call_sid << ": session closed: " << why);
      if (st.bound)
        send_event(self, webhook_kind::relay_closed, {{"Reason", why}});
      self->quit();
    },
    [self](relay_text_atom, std::string& token, bool last) {
      send_frame(self, relay_text_frame(token, last));
    },
    [self](relay_end_atom, const std::string& handoff) {
      send_frame(self, relay_end_frame(handoff));
    },
    [self](relay_language_atom, const std::string& language) {
      if (auto frame = relay_language_frame(language, language))
        send_frame(self, std::move(*frame));
    },
    [self](relay_digits_atom, const std::string& digits) {
      if (auto frame = relay_send_digits_frame(digits))
        send_frame(self, std::move(*frame));
      else
        SB_LOG_WARNING("relay " << self->state.deps.call_sid << ": "
                                << what(frame.error()));
    },
  };
}

} // namespace

relay_proxy_actor spawn_relay_proxy(caf::actor_system& sys,
                                    relay_proxy_deps deps) {
  return sys.spawn(proxy_impl, std::move(deps));
}

} // namespace sb
