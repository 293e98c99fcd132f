// The storage actor's behaviour: group commit of queued writes, reads for
// call rebuilds, a final flush on exit, and the storage metrics (writes per
// transaction, commit time, failed writes).
#include "actors/store.hpp"

#include <algorithm>
#include <chrono>
#include <deque>

#include <caf/actor_system.hpp>
#include <caf/exit_reason.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "core/error.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "storage/database.hpp"

namespace sb {

namespace {

struct pending_write {
  write_batch batch;
  caf::typed_response_promise<bool> promise;
};

struct store_state {
  static const char* name;
  std::shared_ptr<database> db;
  size_t batch_max = 256;
  std::deque<pending_write> queue;
  bool flush_scheduled = false;

  // Commits up to batch_max queued writes in one transaction and answers
  // each writer. Returns how many were written.
  size_t commit_some() {
    size_t n = std::min(queue.size(), batch_max);
    if (n == 0)
      return 0;
    std::vector<const write_batch*> batches;
    batches.reserve(n);
    for (size_t i = 0; i < n; ++i)
      batches.push_back(&queue[i].batch);
    auto started = std::chrono::steady_clock::now();
    auto results = db->write(batches);
    auto& m = metrics::daemon();
    m.storage_commit_duration.observe(metrics::seconds_since(started));
    m.storage_batch_writes.observe(static_cast<double>(n));
    for (size_t i = 0; i < n; ++i) {
      if (results[i]) {
        m.storage_errors.inc();
        SB_LOG_ERROR("storage: write failed: " << what(results[i]));
        queue[i].promise.deliver(results[i]);
      } else {
        queue[i].promise.deliver(true);
      }
    }
    queue.erase(queue.begin(), queue.begin() + static_cast<long>(n));
    return n;
  }

  void commit_all() {
    while (commit_some() > 0) {
    }
  }
};

const char* store_state::name = "store";

using store_pointer = store_actor::stateful_pointer<store_state>;

caf::result<stored_call> load(store_pointer self, const std::string& sid) {
  // A rebuild must see every write already sent, so commit them first.
  self->state.commit_all();
  auto found = self->state.db->load_call(sid);
  if (!found)
    return found.error();
  if (!*found)
    return make_error(errc::not_found, "unknown call " + sid);
  return std::move(**found);
}

store_actor::behavior_type store_impl(store_pointer self,
                                      std::shared_ptr<database> db,
                                      size_t batch_max) {
  self->state.db = std::move(db);
  self->state.batch_max = std::max<size_t>(batch_max, 1);
  // A stray error or unknown message must never take the only database
  // writer down (CAF's default for an unhandled error is to quit).
  self->set_error_handler([](caf::error& err) {
    SB_LOG_WARNING("storage: ignored stray error " << caf::to_string(err));
  });
  self->set_exit_handler([self](caf::exit_msg& msg) {
    self->state.commit_all();
    self->quit(msg.reason);
  });
  return {
    [self](persist_atom, write_batch& batch) -> caf::result<bool> {
      auto promise = self->make_response_promise<bool>();
      self->state.queue.push_back({std::move(batch), promise});
      // The flush message lands behind every write already in the mailbox,
      // so all of them share one transaction.
      if (!self->state.flush_scheduled) {
        self->state.flush_scheduled = true;
        self->send(self, flush_atom::value);
      }
      return promise;
    },
    [self](load_atom, const std::string& sid) { return load(self, sid); },
    [self](flush_atom) {
      self->state.flush_scheduled = false;
      self->state.commit_all();
    },
  };
}

} // namespace

store_actor spawn_store(caf::actor_system& sys, std::unique_ptr<database> db,
                        int batch_max, bool detached) {
  auto shared = std::shared_ptr<database>(std::move(db));
  auto max = static_cast<size_t>(batch_max);
  if (detached)
    return sys.spawn<caf::detached>(store_impl, std::move(shared), max);
  return sys.spawn(store_impl, std::move(shared), max);
}

} // namespace sb
