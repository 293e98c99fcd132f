// The watchdog actor's rounds (probe the ingress and the store, ping when
// both answered) and the parsing of systemd's watchdog environment.
#include "actors/watchdog.hpp"

#include <algorithm>
#include <cctype>
#include <limits>
#include <utility>

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "core/error.hpp"
#include "core/log.hpp"

namespace sb {

namespace {

// Digits only, as systemd's safe_atou64 accepts them in practice; signs,
// spaces and overflow are refused rather than guessed at.
std::optional<uint64_t> parse_u64(const char* text) {
  if (text == nullptr || *text == '\0')
    return std::nullopt;
  constexpr auto max = std::numeric_limits<uint64_t>::max();
  uint64_t value = 0;
  for (const char* p = text; *p != '\0'; ++p) {
    if (!std::isdigit(static_cast<unsigned char>(*p)))
      return std::nullopt;
    auto digit = static_cast<uint64_t>(*p - '0');
    if (value > (max - digit) / 10)
      return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

struct watchdog_state {
  static inline const char* name = "watchdog";
  ingress_actor ingress;
  store_actor store;
  std::chrono::milliseconds interval{0};
  watchdog_notify_fn notify;
  watchdog_mode mode = watchdog_mode::ping;
  // The round in progress; answers tagged with an older one are late.
  uint64_t round = 0;
  std::optional<ingress_stats> stats;
  bool store_answered = false;
  std::string store_error; // why the store's answer did not count
  bool notified = false;

  // Pings once both probes of this round have answered.
  void maybe_notify() {
    if (notified || !stats || !store_answered)
      return;
    notified = true;
    notify(watchdog_state_line(*stats, mode));
  }

  // Called when the round ends without a ping: says who was silent, since
  // that is what an operator looks for after systemd's restart.
  void warn_missed() const {
    std::string who;
    if (!stats)
      who = "ingress";
    if (!store_answered)
      who += who.empty() ? "store" : " and store";
    if (!store_error.empty())
      who += " (store: " + store_error + ")";
    SB_LOG_WARNING("watchdog: " << who << " did not answer within "
                                << interval.count() << " ms"
                                << (mode == watchdog_mode::ping
                                      ? "; WATCHDOG=1 withheld"
                                      : ""));
  }
};

using watchdog_pointer = watchdog_actor::stateful_pointer<watchdog_state>;

void on_store_answer(watchdog_pointer self, uint64_t round,
                     const caf::error& err) {
  auto& st = self->state;
  if (round != st.round)
    return;
  // CAF's own errors mean no answer came (timeout, the store is gone);
  // any error the store replied with proves its thread is alive.
  if (err && err.category() == caf::atom("system")) {
    st.store_error = caf::to_string(err);
    return;
  }
  if (err && !has_code(err, errc::not_found))
    SB_LOG_WARNING(
      "watchdog: the store answered the probe with an error: " << what(err));
  st.store_answered = true;
  st.maybe_notify();
}

// Sends this round's two probes. Each answer is tagged with the round so a
// late one cannot vouch for a later round.
void start_round(watchdog_pointer self) {
  auto& st = self->state;
  auto round = ++st.round;
  st.stats.reset();
  st.store_answered = false;
  st.store_error.clear();
  st.notified = false;
  auto me = caf::actor_cast<watchdog_actor>(self);
  // The promise runs in the ingress; it only posts the counts back here. A
  // dropped promise (the ingress is gone) needs no answer: the round misses.
  stats_promise promise{[me, round](ingress_stats stats) {
                          caf::anon_send(me, stats_atom::value, round,
                                         std::move(stats));
                        },
                        [] {}};
  self->send(st.ingress, stats_atom::value, std::move(promise));
  // The timeout is one interval: an answer later than that is useless, and
  // a shorter one would fail a store busy committing a large batch.
  self->request(st.store, st.interval, load_atom::value, std::string{})
    .then(
      [self, round](const stored_call&) {
        on_store_answer(self, round, caf::none);
      },
      [self, round](caf::error& err) { on_store_answer(self, round, err); });
}

watchdog_actor::behavior_type
watchdog_impl(watchdog_pointer self, ingress_actor ingress, store_actor store,
              std::chrono::milliseconds interval, watchdog_notify_fn notify,
              watchdog_mode mode) {
  auto& st = self->state;
  st.ingress = std::move(ingress);
  st.store = std::move(store);
  st.interval = interval;
  st.notify = std::move(notify);
  st.mode = mode;
  // A probe error must not end the watchdog: a dead watchdog stops the
  // pings and systemd would restart a daemon that may be healthy.
  self->set_error_handler([](caf::error& err) {
    SB_LOG_WARNING("watchdog: ignored stray error " << caf::to_string(err));
  });
  self->send(self, watchdog_atom::value);
  return {
    [self](watchdog_atom) {
      if (self->state.round > 0 && !self->state.notified)
        self->state.warn_missed();
      start_round(self);
      // Timed by the CAF clock, so the ping depends on the scheduler
      // running actors, which is exactly what it vouches for.
      self->delayed_send(self, self->state.interval, watchdog_atom::value);
    },
    [self](stats_atom, uint64_t round, const ingress_stats& stats) {
      if (round != self->state.round)
        return;
      self->state.stats = stats;
      self->state.maybe_notify();
    },
  };
}

} // namespace

std::string watchdog_state_line(const ingress_stats& stats,
                                watchdog_mode mode) {
  std::string line = mode == watchdog_mode::ping ? "WATCHDOG=1\n" : "";
  line += "STATUS=" + std::to_string(stats.live_calls) + " live calls, "
          + std::to_string(stats.calls_total) + " total";
  return line;
}

std::optional<std::chrono::microseconds>
watchdog_interval(const char* watchdog_usec, const char* watchdog_pid,
                  pid_t self) {
  auto usec = parse_u64(watchdog_usec);
  // 0 and UINT64_MAX (systemd's "infinity") are not timeouts.
  if (!usec || *usec == 0 || *usec == std::numeric_limits<uint64_t>::max())
    return std::nullopt;
  if (watchdog_pid != nullptr) {
    // Set by systemd for the main process only; a child that inherited the
    // environment must not ping on its parent's behalf.
    auto pid = parse_u64(watchdog_pid);
    if (!pid || *pid == 0
        || *pid > static_cast<uint64_t>(std::numeric_limits<pid_t>::max())
        || static_cast<pid_t>(*pid) != self)
      return std::nullopt;
  }
  auto half = std::max<uint64_t>(*usec / 2, 1);
  // Half of any valid value fits: it is at most INT64_MAX.
  return std::chrono::microseconds(static_cast<int64_t>(half));
}

watchdog_actor spawn_watchdog(caf::actor_system& sys, ingress_actor ingress,
                              store_actor store,
                              std::chrono::milliseconds interval,
                              watchdog_notify_fn notify, watchdog_mode mode) {
  interval = std::max(interval, std::chrono::milliseconds(1));
  return sys.spawn(watchdog_impl, std::move(ingress), std::move(store),
                   interval, std::move(notify), mode);
}

} // namespace sb
