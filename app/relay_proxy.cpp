// relay_proxy's behaviour: a frame becomes one typed event of the call
// (twilio/call_events.hpp maps it; the frame's fields also travel as the
// event's raw parameters, so the event log keeps frames as it keeps
// webhooks); relay_peer messages become frames.
#include "app/relay_proxy.hpp"

#include <variant>

#include <caf/actor_system.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "twilio/call_events.hpp"
#include "twilio/relay_frames.hpp"

namespace sb {

namespace {

// Twilio closes a session after ten bad frames of ours in a row; we do the
// same for its.
constexpr int max_malformed_in_row = 10;

struct proxy_state {
  static const char* name;
  relay_proxy_deps deps;
  bool bound = false; // a matching setup arrived
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

// Hands one event of the call to its actor (or the ingress). The call's
// ack needs no action; hangup means the call is over (or unknown) and the
// socket goes. Every event of a bound session is authenticated: the
// socket was accepted with this call's signed token, and the setup named
// the same call and token.
void send_event(proxy_pointer self, call_event ev) {
  auto& st = self->state;
  ev.authenticated = true;
  ev.relay_peer = caf::actor_cast<caf::actor>(self);
  auto channel = st.deps.channel;
  voice_reply_promise promise{[channel](voice_reply r) {
                                if (r.action == reply_action::hangup)
                                  close_socket(channel, 1000, "call ended");
                              },
                              [channel] {
                                close_socket(channel, 1011, "call unavailable");
                              }};
  if (!st.deps.directory || !st.deps.directory->route(ev, promise))
    self->send(st.deps.ingress, event_atom::value, std::move(ev),
               std::move(promise));
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
    SB_LOG_WARNING("relay "
                   << st.deps.call_sid << " from " << st.deps.remote
                   << ": setup for " << s.call_sid
                   << (token != st.deps.token ? " with another token" : "")
                   << " does not match the socket; closing");
    metrics::daemon().signature_failures.inc();
    close_socket(st.deps.channel, 1008, "setup does not match the session");
    return;
  }
  st.bound = true;
  if (auto ev = relay_frame_event(s, st.deps.call_sid, iso8601_utc_now()))
    send_event(self, std::move(*ev));
}

void on_frame(proxy_pointer self, const std::string& text) {
  auto& st = self->state;
  auto frame = parse_relay_frame(text);
  if (!frame && !st.bound) {
    // The first frame must be the setup: without it the session is bound
    // to nothing and every prompt would be ignored, the caller hearing
    // silence. Closed as a policy violation, so Twilio ends the session
    // and posts /voice/relay-done, where the call reconnects.
    metrics::daemon().bad_requests.inc();
    SB_LOG_WARNING("relay " << st.deps.call_sid << " from " << st.deps.remote
                            << ": malformed setup (" << what(frame.error())
                            << "); closing");
    close_socket(st.deps.channel, 1008, "malformed setup");
    return;
  }
  if (!frame) {
    metrics::daemon().bad_requests.inc();
    if (++st.malformed_in_row >= max_malformed_in_row) {
      SB_LOG_WARNING("relay " << st.deps.call_sid << ": " << st.malformed_in_row
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
  if (auto* setup = std::get_if<relay_setup>(&*frame)) {
    on_setup(self, *setup);
    return;
  }
  if (auto ev = relay_frame_event(*frame, st.deps.call_sid,
                                  iso8601_utc_now())) {
    send_event(self, std::move(*ev));
    return;
  }
  SB_LOG_DEBUG("relay " << st.deps.call_sid << ": '"
                        << std::get<relay_unknown>(*frame).type
                        << "' frame ignored");
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
        send_event(self, relay_closed_event(st.deps.call_sid, why,
                                            iso8601_utc_now()));
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
