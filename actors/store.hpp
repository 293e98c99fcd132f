// The storage actor: the only owner of the SQLite connection. Writes arrive
// as messages and are committed in batches (group commit): a write is queued,
// and all writes already in the mailbox when the queued flush runs go into
// one transaction, so a burst of webhooks costs one commit, not one each.
//
// When SQLite cannot write (disk full, I/O errors, another writer holding
// the lock past storage.busy_timeout_ms), nothing is lost and no call
// waits: the writes stay queued in order, every writer is answered with
// an error at once (calls go on), and the queue is retried with backoff
// until a commit succeeds. One log line says when an outage starts, one
// when it ends ("storage recovered, N writes committed"); metrics show it
// meanwhile (switchboard_storage_healthy, _pending_writes,
// _failed_commits_total). Writes are only ever given up, each logged with
// its content and counted in switchboard_storage_dropped_writes_total,
// when SQLite refuses their data, when more than
// storage.max_pending_writes wait, or when the daemon stops mid-outage.
//
// Protocol:
//   (persist, write_batch) -> bool
//       Queues the batch; answers true once it is committed, or
//       errc::storage_failed if it was not: SQLite refused its data (it is
//       dropped; the other batches of the same transaction are still
//       committed), SQLite cannot write now (it stays queued and is
//       committed later), or the queue is full (it is dropped). A sender
//       that does not need the answer uses anon_send; failures are logged
//       here either way. Answers to one sender come in the order of its
//       writes. The store never answers Twilio: the actor that wrote
//       does, once this answer is back (actors/call.hpp).
//   (load, call_sid) -> stored_call
//       The call and its turns as committed, with the writes still queued
//       for it laid over them (a load never forces a commit, so it does
//       not break up the next batch); errc::not_found if the call is
//       unknown.
//   (flush)   internal: commits what is queued; while SQLite cannot
//       write, also the retry timer.
// On exit (user_shutdown) everything queued is committed first.
//
// With a live feed (storage/live_feed.hpp), each batch, once its
// transaction has committed, is published there: its call rows, then its
// turns, in the order of the batch and of the batches. A batch SQLite
// refused, or one still waiting out an outage, is not published (until it
// commits): the console's live page never shows what is not on disk.
#pragma once

#include <memory>

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/messages.hpp"
#include "core/config.hpp"

namespace sb {

class database;
class live_feed;

using store_actor =
  caf::typed_actor<caf::replies_to<persist_atom, write_batch>::with<bool>,
                   caf::replies_to<load_atom, std::string>::with<stored_call>,
                   caf::reacts_to<flush_atom>>;

/// Spawns the store owning `db`, with cfg.batch_max writes at most per
/// transaction, cfg.busy_timeout_ms and cfg.max_pending_writes (the path
/// is not used: `db` is already open). `detached` gives it a thread of its
/// own, since it blocks on SQLite; the daemon always keeps the default.
/// Tests pass false to run it on CAF's deterministic test scheduler, which
/// a detached actor bypasses. `feed`: where committed calls and turns are
/// published (the console's live page); null publishes nothing.
store_actor spawn_store(caf::actor_system& sys, std::unique_ptr<database> db,
                        const storage_config& cfg, bool detached = true,
                        std::shared_ptr<live_feed> feed = nullptr);

/// The `events` row of `ev`: its kind, time and the request as received.
event_row event_log_row(const call_event& ev);

} // namespace sb
