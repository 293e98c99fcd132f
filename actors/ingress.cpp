// The ingress actor's behaviour: the CallSid -> call actor map, spawning and
// rebuilding call actors, the max_calls limit, and operator snapshots.
#include "actors/ingress.hpp"

#include <algorithm>
#include <unordered_map>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "net/text/json.hpp"

namespace sb {

namespace {

using queued_webhook = std::pair<call_event, voice_reply_promise>;

struct ingress_state {
  static const char* name;
  ingress_deps deps;
  std::unordered_map<std::string, call_actor> calls;
  std::unordered_map<caf::actor_addr, std::string> sid_of;
  // Calls being loaded from the store, with the webhooks that wait for them.
  std::unordered_map<std::string, std::vector<queued_webhook>> loading;
  ingress_stats stats;
  bool draining = false;

  int64_t live() const {
    return static_cast<int64_t>(calls.size() + loading.size());
  }

  // Called wherever calls or loading change size.
  void publish_live() const {
    metrics::daemon().live_calls.set(static_cast<double>(live()));
  }

  // Once the ingress has sent the call everything it routed to it: from
  // here on the fronts may send to it directly (call_directory.hpp).
  void list(const std::string& sid, const call_actor& call) {
    if (deps.directory)
      deps.directory->add(sid, call);
  }

  void unlist(const std::string& sid) {
    if (deps.directory)
      deps.directory->remove(sid);
  }
};

const char* ingress_state::name = "ingress";

using ingress_pointer = ingress_actor::stateful_pointer<ingress_state>;

call_actor start_call(ingress_pointer self, stored_call initial) {
  auto& st = self->state;
  auto sid = initial.call.call_sid;
  call_deps deps{st.deps.store,  st.deps.llm,
                 st.deps.twilio, caf::actor_cast<call_ingress>(self),
                 st.deps.cfg,    st.deps.tts,
                 st.deps.render, st.deps.instant};
  auto call = spawn_call(self->system(), std::move(deps), std::move(initial));
  self->monitor(call);
  st.sid_of.emplace(call.address(), sid);
  st.calls.emplace(sid, call);
  ++st.stats.calls_total;
  st.publish_live();
  return call;
}

// Over max_calls: the caller hears the busy message and the call is stored
// as rejected, so operators see what was turned away.
void reject_busy(ingress_pointer self, const call_event& ev,
                 voice_reply_promise promise) {
  auto& st = self->state;
  ++st.stats.calls_rejected;
  if (st.draining)
    SB_LOG_NOTICE("call " << ev.call_sid << " rejected: shutting down");
  else
    SB_LOG_WARNING("call " << ev.call_sid << " rejected: max_calls ("
                           << st.deps.cfg->limits.max_calls << ") reached");
  write_batch batch;
  batch.events.push_back(event_log_row(ev));
  call_row row;
  row.call_sid = ev.call_sid;
  row.account_sid = ev.call.account_sid;
  row.direction = ev.call.direction;
  row.from_number = ev.call.from;
  row.to_number = ev.call.to;
  row.status = ev.call.status;
  row.started_at = row.ended_at = ev.received_at;
  row.end_reason = "rejected-busy";
  metrics::count_call_end(row.direction, row.end_reason);
  batch.calls.push_back(std::move(row));
  const auto& voice = st.deps.cfg->voice;
  voice_reply reply{reply_action::hangup,
                    voice.busy_message,
                    voice.language,
                    voice.voice,
                    0,
                    {},
                    {}};
  self
    ->request(st.deps.store, caf::infinite, persist_atom::value,
              std::move(batch))
    .then([promise, reply](bool) { promise.deliver(reply); },
          [promise, reply](caf::error&) { promise.deliver(reply); });
}

bool starts_a_call(event_kind kind) {
  return kind == event_kind::inbound || kind == event_kind::outbound;
}

// Events for a CallSid the store has never heard of, none of which starts
// a call, and none proven to come from Twilio (signatures are off): a call
// row built from them, and turns under it, could be anyone's invention, so
// nothing is stored; each is logged and gets what is safe: TwiML hangs up,
// a callback is acknowledged (any other status would only raise errors in
// Twilio's debugger).
void answer_unknown(const std::string& sid,
                    std::vector<queued_webhook>& waiting, const config& cfg) {
  for (auto& [ev, promise] : waiting) {
    // A relay frame's hangup makes its proxy close the socket.
    bool twiml = wants_twiml(ev.kind);
    SB_LOG_NOTICE("call " << sid << ": unsigned " << to_string(ev.kind)
                          << " for a call never seen; nothing stored, "
                          << (twiml ? "hung up" : "acknowledged"));
    promise.deliver({twiml ? reply_action::hangup : reply_action::ack,
                     {},
                     cfg.voice.language,
                     cfg.voice.voice,
                     0,
                     {},
                     {}});
  }
}

// A signed event for a call this database has never seen: Twilio is
// talking to us about a live call, whose start another node (or a
// database since replaced) handled. The call is taken over from what the
// event says of it and goes on; adopted_at marks it for operators.
stored_call adopted_call(const std::string& sid, const call_event& ev) {
  stored_call adopted;
  auto& row = adopted.call;
  row.call_sid = sid;
  row.account_sid = ev.call.account_sid;
  row.direction = ev.call.direction;
  row.from_number = ev.call.from;
  row.to_number = ev.call.to;
  row.started_at = ev.received_at;
  row.adopted_at = ev.received_at;
  SB_LOG_NOTICE("call " << sid << " adopted: a signed " << to_string(ev.kind)
                        << " for a call this database has never seen");
  metrics::daemon().calls_adopted.inc();
  return adopted;
}

// Spawns the call from what the store returned and hands it the webhooks
// that waited for the load, in arrival order. `known` is false when the
// store has no row for the call.
void on_loaded(ingress_pointer self, const std::string& sid,
               stored_call initial, bool known) {
  auto& st = self->state;
  auto waiting = std::move(st.loading[sid]);
  st.loading.erase(sid);
  if (!known
      && std::none_of(waiting.begin(), waiting.end(),
                      [](const queued_webhook& w) {
                        return starts_a_call(w.first.kind);
                      })) {
    auto signed_event = std::find_if(waiting.begin(), waiting.end(),
                                     [](const queued_webhook& w) {
                                       return w.first.authenticated;
                                     });
    if (signed_event == waiting.end()) {
      st.publish_live();
      answer_unknown(sid, waiting, *st.deps.cfg);
      return;
    }
    initial = adopted_call(sid, signed_event->first);
  }
  if (!initial.turns.empty() || !initial.call.started_at.empty())
    SB_LOG_NOTICE("call " << sid << " rebuilt from storage with "
                          << initial.turns.size() << " turns");
  initial.call.call_sid = sid;
  auto call = start_call(self, std::move(initial));
  for (auto& [ev, promise] : waiting)
    self->send(call, event_atom::value, std::move(ev), std::move(promise));
  st.list(sid, call);
}

void load_then_route(ingress_pointer self, call_event ev,
                     voice_reply_promise promise) {
  auto& st = self->state;
  auto sid = ev.call_sid;
  st.loading[sid].emplace_back(std::move(ev), std::move(promise));
  st.publish_live();
  self->request(st.deps.store, caf::infinite, load_atom::value, sid)
    .then(
      [self, sid](stored_call& found) {
        on_loaded(self, sid, std::move(found), true);
      },
      [self, sid](caf::error& err) {
        // A store that cannot answer does not prove the call unknown: the
        // call goes on from what its webhooks say.
        bool unknown = has_code(err, errc::not_found);
        if (!unknown)
          SB_LOG_ERROR("call " << sid << ": cannot load: " << what(err));
        on_loaded(self, sid, stored_call{}, !unknown);
      });
}

void route(ingress_pointer self, call_event& ev, voice_reply_promise& promise) {
  auto& st = self->state;
  if (auto it = st.calls.find(ev.call_sid); it != st.calls.end()) {
    self->send(it->second, event_atom::value, std::move(ev),
               std::move(promise));
    return;
  }
  if (auto it = st.loading.find(ev.call_sid); it != st.loading.end()) {
    it->second.emplace_back(std::move(ev), std::move(promise));
    return;
  }
  if (ev.kind == event_kind::inbound
      && (st.draining || st.live() >= st.deps.cfg->limits.max_calls)) {
    reject_busy(self, ev, std::move(promise));
    return;
  }
  if (ev.kind == event_kind::inbound) {
    stored_call fresh;
    fresh.call.call_sid = ev.call_sid;
    auto sid = ev.call_sid;
    auto call = start_call(self, std::move(fresh));
    self->send(call, event_atom::value, std::move(ev), std::move(promise));
    st.list(sid, call);
    return;
  }
  // Not a new inbound call, yet no actor: an outbound call placed through
  // /make-call (stored when it was placed), or a call in progress when the
  // daemon restarted. Rebuild it from the store; one it has never heard of
  // is answered by answer_unknown().
  load_then_route(self, std::move(ev), std::move(promise));
}

void release(ingress_pointer self, const std::string& sid) {
  auto& st = self->state;
  auto it = st.calls.find(sid);
  if (it == st.calls.end())
    return;
  st.sid_of.erase(it->second.address());
  self->demonitor(it->second.address());
  st.unlist(sid); // before (ended): see call_directory.hpp
  self->send(it->second, ended_atom::value);
  st.calls.erase(it);
  st.publish_live();
}

// Asks every live call for its snapshot; answers when all have replied (a
// call that ends meanwhile is simply left out).
void collect_sessions(ingress_pointer self, calls_promise promise) {
  auto& calls = self->state.calls;
  if (calls.empty()) {
    promise.deliver({});
    return;
  }
  struct gather {
    std::vector<stored_call> found;
    size_t waiting = 0;
    calls_promise promise;
  };
  auto g = std::make_shared<gather>();
  g->waiting = calls.size();
  g->promise = std::move(promise);
  auto done = [g] {
    if (--g->waiting == 0)
      g->promise.deliver(std::move(g->found));
  };
  for (auto& [sid, call] : calls)
    self->request(call, std::chrono::seconds(2), snapshot_atom::value)
      .then(
        [g, done](stored_call& s) {
          g->found.push_back(std::move(s));
          done();
        },
        [done](caf::error&) { done(); });
}

create_call_params outbound_params(const config& cfg, const dial_request& req) {
  const auto& base = cfg.server.public_url;
  create_call_params p;
  p.to = req.to;
  p.from = req.from;
  p.url = base + "/voice/outbound";
  p.status_callback = base + "/call-status";
  p.status_callback_events = {"initiated", "ringing", "answered", "completed"};
  if (cfg.twilio.machine_detection != "off") {
    p.machine_detection = cfg.twilio.machine_detection;
    p.async_amd = cfg.twilio.async_amd;
    if (p.async_amd)
      p.async_amd_status_callback = base + "/amd-status";
  }
  p.record = cfg.twilio.record;
  if (p.record)
    p.recording_status_callback = base + "/recording-status";
  return p;
}

// Places the call, stores it as queued, then answers with its SID: a
// status callback arriving next finds the row and rebuilds from it.
void dial(ingress_pointer self, const dial_request& req, dial_promise promise) {
  auto& st = self->state;
  auto cfg = st.deps.cfg;
  self
    ->request(st.deps.twilio, caf::infinite, dial_atom::value,
              outbound_params(*cfg, req))
    .then(
      [self, req, promise, cfg](call_resource& call) {
        call_row row;
        row.call_sid = call.sid;
        row.account_sid = call.account_sid;
        row.direction = "outbound-api";
        row.from_number = req.from;
        row.to_number = req.to;
        row.status = call.status.empty() ? "queued" : call.status;
        row.language = cfg->voice.language;
        row.voice = cfg->voice.voice;
        row.started_at = iso8601_utc_now();
        SB_LOG_INFO("call " << call.sid << " placed: " << req.from << " -> "
                            << req.to);
        write_batch batch;
        batch.calls.push_back(std::move(row));
        dial_outcome out{call.sid, call.status, {}};
        self
          ->request(self->state.deps.store, caf::infinite, persist_atom::value,
                    std::move(batch))
          .then([promise, out](bool) { promise.deliver(out); },
                [promise, out](caf::error&) { promise.deliver(out); });
      },
      [promise](caf::error& err) {
        promise.deliver({{}, {}, std::move(err)});
      });
}

// One timer for all calls, however many there are.
void arm_sweep(ingress_pointer self) {
  auto quarter = std::chrono::milliseconds(
    self->state.deps.cfg->limits.call_idle_timeout_s * 250);
  auto interval = std::clamp(quarter, std::chrono::milliseconds(250),
                             std::chrono::milliseconds(60000));
  self->delayed_send(self, interval, sweep_atom::value);
}

ingress_actor::behavior_type ingress_impl(ingress_pointer self,
                                          ingress_deps deps) {
  self->state.deps = std::move(deps);
  arm_sweep(self);
  // Call actors hold pending timers (idle, deadline) that keep them alive;
  // on shutdown they go down with the ingress that owns them.
  self->set_exit_handler([self](caf::exit_msg& msg) {
    if (self->state.deps.directory)
      self->state.deps.directory->clear();
    for (auto& [sid, call] : self->state.calls)
      self->send_exit(call, msg.reason);
    self->quit(msg.reason);
  });
  self->set_down_handler([self](caf::down_msg& msg) {
    auto& st = self->state;
    auto it = st.sid_of.find(msg.source);
    if (it == st.sid_of.end())
      return;
    SB_LOG_ERROR("call " << it->second
                         << " actor died: " << caf::to_string(msg.reason));
    st.unlist(it->second);
    st.calls.erase(it->second);
    st.sid_of.erase(it);
    st.publish_live();
  });
  return {
    [self](event_atom, call_event& ev, voice_reply_promise& promise) {
      route(self, ev, promise);
    },
    [self](stats_atom, stats_promise& promise) {
      auto stats = self->state.stats;
      stats.live_calls = self->state.live();
      stats.draining = self->state.draining;
      promise.deliver(stats);
    },
    [self](say_atom, const std::string& sid, std::string& text,
           done_promise& promise) {
      auto it = self->state.calls.find(sid);
      if (it == self->state.calls.end()) {
        promise.deliver("no live call " + sid);
        return;
      }
      self->send(it->second, say_atom::value, std::move(text),
                 std::move(promise));
    },
    [self](drain_atom) {
      if (!self->state.draining)
        SB_LOG_NOTICE("draining: new calls hear the busy message");
      self->state.draining = true;
    },
    [self](reload_atom, const config_ptr& cfg) {
      self->state.deps.cfg = cfg;
      for (auto& [sid, call] : self->state.calls)
        self->send(call, reload_atom::value, cfg);
    },
    [self](sweep_atom) {
      for (auto& [sid, call] : self->state.calls)
        self->send(call, idle_atom::value, uint64_t{0});
      arm_sweep(self);
    },
    [self](sessions_atom, calls_promise& promise) {
      collect_sessions(self, promise);
    },
    [self](session_atom, const std::string& sid, calls_promise& promise) {
      auto it = self->state.calls.find(sid);
      if (it == self->state.calls.end()) {
        promise.deliver({});
        return;
      }
      self->request(it->second, std::chrono::seconds(2), snapshot_atom::value)
        .then([promise](stored_call& s) { promise.deliver({std::move(s)}); },
              [promise](caf::error&) { promise.deliver({}); });
    },
    [self](ended_atom, const std::string& sid) { release(self, sid); },
    [self](dial_atom, const dial_request& req, dial_promise& promise) {
      dial(self, req, std::move(promise));
    },
  };
}

} // namespace

ingress_actor spawn_ingress(caf::actor_system& sys, ingress_deps deps) {
  return sys.spawn(ingress_impl, std::move(deps));
}

} // namespace sb
