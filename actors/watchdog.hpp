// The watchdog actor: tells systemd the daemon still does its work, not
// merely that some thread still runs. Each round it asks the ingress for
// its call counts (the hop every webhook takes) and the store for a read
// (the only SQLite owner); when both answer within the round it hands
// "WATCHDOG=1\nSTATUS=..." to an injected notify callback. A round with a
// missing answer sends nothing and logs a warning, so systemd's
// WatchdogSec= restarts a wedged daemon. The callback does the talking to
// systemd (the daemon passes one calling sd_notify), so this layer never
// includes systemd headers and tests record what would have been sent.
//
// Protocol:
//   (watchdog)                       internal: ends the round in progress
//       (a warning if it did not ping) and starts the next one.
//   (stats, round, ingress_stats)    internal: the ingress answered
//       `round` through its stats promise.
// The store is probed with (load, "") and a timeout of one interval; any
// answer the store itself gives (errc::not_found for the empty CallSid, or
// even errc::storage_failed, which is logged) proves it alive. Only CAF's
// own errors (request_timeout, request_receiver_down) count as a miss.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include <sys/types.h>

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/ingress.hpp"
#include "actors/messages.hpp"
#include "actors/store.hpp"

namespace sb {

using watchdog_atom = caf::atom_constant<caf::atom("watchdog")>;

using watchdog_actor =
  caf::typed_actor<caf::reacts_to<watchdog_atom>,
                   caf::reacts_to<stats_atom, uint64_t, ingress_stats>>;

/// What a healthy round sends.
enum class watchdog_mode {
  ping,        // "WATCHDOG=1\nSTATUS=..." (systemd set WatchdogSec=)
  status_only, // "STATUS=..." (no watchdog: keep `systemctl status` fresh)
};

/// Receives one sd_notify state string per healthy round. Runs on a CAF
/// worker thread; must not block.
using watchdog_notify_fn = std::function<void(const std::string& state_line)>;

/// The state string of a healthy round, e.g.
/// "WATCHDOG=1\nSTATUS=3 live calls, 41 total".
std::string watchdog_state_line(const ingress_stats& stats, watchdog_mode mode);

/// The ping interval for this process: half of WATCHDOG_USEC (so one late
/// round never trips systemd), following sd_watchdog_enabled(): nullopt
/// when `watchdog_usec` is null, not a decimal number, 0 or infinity, or
/// when `watchdog_pid` is set and is not a valid PID equal to `self`.
/// Never returns less than 1 us. Pure: the caller passes getenv()'s values.
std::optional<std::chrono::microseconds>
watchdog_interval(const char* watchdog_usec, const char* watchdog_pid,
                  pid_t self);

/// Spawns the watchdog; its first round starts at once. Stop it with an
/// exit message before the ingress and the store, so that a shutdown never
/// reads as a failed round.
/// REQUIRES: `notify` is callable; `ingress` and `store` are valid.
/// An `interval` below 1 ms is raised to 1 ms.
watchdog_actor
spawn_watchdog(caf::actor_system& sys, ingress_actor ingress, store_actor store,
               std::chrono::milliseconds interval, watchdog_notify_fn notify,
               watchdog_mode mode = watchdog_mode::ping);

} // namespace sb
