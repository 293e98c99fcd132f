// The storage actor: the only owner of the SQLite connection. Writes arrive
// as messages and are committed in batches (group commit): a write is queued,
// and all writes already in the mailbox when the queued flush runs go into
// one transaction, so a burst of webhooks costs one commit, not one each.
//
// Protocol:
//   (persist, write_batch) -> bool
//       Queues the batch; answers true once it is committed, or
//       errc::storage_failed if SQLite refused it (the other batches of the
//       same transaction are still committed). A sender that does not need
//       the answer uses anon_send; failures are logged here either way.
//   (load, call_sid) -> stored_call
//       The call and its turns as committed (pending writes are flushed
//       first); errc::not_found if the call is unknown.
//   (flush)   internal: commits what is queued.
// On exit (user_shutdown) everything queued is committed first.
#pragma once

#include <memory>

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/messages.hpp"

namespace sb {

class database;

using store_actor = caf::typed_actor<
  caf::replies_to<persist_atom, write_batch>::with<bool>,
  caf::replies_to<load_atom, std::string>::with<stored_call>,
  caf::reacts_to<flush_atom>>;

/// Spawns the store owning `db`. `batch_max` caps the writes of one
/// transaction. `detached` gives it a thread of its own, since it blocks on
/// SQLite; the daemon always keeps the default. Tests pass false to run it
/// on CAF's deterministic test scheduler, which a detached actor bypasses.
store_actor spawn_store(caf::actor_system& sys, std::unique_ptr<database> db,
                        int batch_max, bool detached = true);

} // namespace sb
