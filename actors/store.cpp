// The storage actor's behaviour: group commit of queued writes, the outage
// path (answer at once, keep in order, retry with backoff), reads for call
// rebuilds with the queued writes laid over them, a final flush on exit,
// the storage metrics, and publishing what was committed to the live feed.
#include "actors/store.hpp"

#include <algorithm>
#include <chrono>
#include <deque>
#include <optional>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/exit_reason.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/batch_json.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "net/text/json.hpp"
#include "storage/database.hpp"
#include "storage/live_feed.hpp"

namespace sb {

namespace {

using std::chrono::milliseconds;
using steady = std::chrono::steady_clock;

// Retries start soon (a lock held for a moment) and settle at one attempt
// every 2 s: a failed attempt costs a few system calls, and a short wait
// means the queue drains soon after an operator frees the disk.
constexpr milliseconds first_retry{200};
constexpr milliseconds max_retry{2000};
// While writes already fail, an attempt only needs to see whether the lock
// is free now; waiting the full busy timeout would hold up every writer.
constexpr milliseconds outage_busy_timeout{50};
// How often an outage that goes on is mentioned again in the log.
constexpr std::chrono::seconds outage_reminder{60};

struct pending_write {
  write_batch batch;
  caf::typed_response_promise<bool> promise;
  bool answered = false;
};

// SQLite cannot write; set from the first failed commit to the drained
// queue.
struct outage {
  steady::time_point since = steady::now();
  steady::time_point reminded = steady::now();
  std::string error; // SQLite's message, first failure
  int failed_commits = 1;
  size_t committed = 0; // writes committed by the retries so far
  milliseconds next_retry = first_retry;
};

// Fills in `into` the columns `from` knows, as the upsert does on disk.
void merge_call(call_row& into, const call_row& from) {
  for (auto field :
       {&call_row::account_sid, &call_row::direction, &call_row::from_number,
        &call_row::to_number, &call_row::status, &call_row::answered_by,
        &call_row::language, &call_row::voice, &call_row::started_at,
        &call_row::answered_at, &call_row::ended_at, &call_row::end_reason,
        &call_row::transport})
    if (!(from.*field).empty())
      into.*field = from.*field;
  if (from.duration_s)
    into.duration_s = from.duration_s;
}

// A turn written again for the same seq, as database.cpp's upsert leaves
// it: the words and the interrupted flag are the new ones, measurements
// and tool calls only where known, role and created_at those of the first
// write.
void merge_turn(turn_row& into, const turn_row& from) {
  into.content = from.content;
  into.interrupted = from.interrupted;
  for (auto field : {&turn_row::latency_ms, &turn_row::queue_ms,
                     &turn_row::llm_ms, &turn_row::first_token_ms,
                     &turn_row::eot_wait_ms, &turn_row::stt_tail_ms,
                     &turn_row::tts_first_audio_ms, &turn_row::turn_gap_ms})
    if (from.*field)
      into.*field = from.*field;
  if (from.confidence)
    into.confidence = from.confidence;
  if (!from.model.empty())
    into.model = from.model;
  if (!from.audio.empty())
    into.audio = from.audio;
  if (!from.tool_calls.empty())
    into.tool_calls = from.tool_calls;
}

// Lays a queued turn over the call's turns: a new seq is added, a known
// one merged.
void overlay_turn(std::vector<turn_row>& turns, const turn_row& t) {
  auto same = std::find_if(turns.begin(), turns.end(),
                           [&](const turn_row& x) { return x.seq == t.seq; });
  if (same == turns.end())
    turns.push_back(t);
  else
    merge_turn(*same, t);
}

struct store_state {
  static const char* name;
  std::shared_ptr<database> db;
  std::shared_ptr<live_feed> feed; // null: nobody watches live
  storage_config cfg;
  std::deque<pending_write> queue;
  bool flush_scheduled = false; // a flush (now or a retry) is on its way
  std::optional<outage> down;

  void publish() {
    metrics::daemon().storage_pending_writes.set(
      static_cast<double>(queue.size()));
  }

  void answer(pending_write& w, caf::error err) {
    if (w.answered)
      return;
    w.answered = true;
    if (err)
      metrics::daemon().storage_errors.inc();
    if (err)
      w.promise.deliver(std::move(err));
    else
      w.promise.deliver(true);
  }

  // The only way a write is ever given up: loudly, with all of it.
  void drop(pending_write& w, const char* reason, const std::string& why) {
    metrics::daemon().storage_dropped_writes.with({reason}).inc();
    SB_LOG_ERROR("storage: write dropped (" << why
                                            << "): " << batch_json(w.batch));
    answer(w, make_error(errc::storage_failed, "write dropped: " + why));
  }

  // Runs one transaction over up to batch_max queued writes and answers
  // their writers. Returns how many left the queue (committed or refused);
  // 0 when the queue is empty or SQLite cannot write.
  size_t commit_some() {
    size_t n = std::min(queue.size(), static_cast<size_t>(cfg.batch_max));
    if (n == 0)
      return 0;
    std::vector<const write_batch*> batches;
    batches.reserve(n);
    for (size_t i = 0; i < n; ++i)
      batches.push_back(&queue[i].batch);
    auto started = steady::now();
    auto report = db->write(batches);
    auto& m = metrics::daemon();
    m.storage_commit_duration.observe(metrics::seconds_since(started));
    m.storage_batch_writes.observe(static_cast<double>(n));
    for (size_t i = 0; i < report.done; ++i) {
      if (report.refused[i]) {
        drop(queue[i], "refused",
             "SQLite refused it: " + what(report.refused[i]));
      } else {
        answer(queue[i], caf::none);
        announce(queue[i].batch);
        if (down)
          ++down->committed;
      }
    }
    queue.erase(queue.begin(), queue.begin() + static_cast<long>(report.done));
    publish();
    if (report.unavailable)
      cannot_write(report.unavailable);
    return report.done;
  }

  // A committed batch, to whoever watches the calls live.
  void announce(const write_batch& batch) {
    if (!feed)
      return;
    for (const auto& c : batch.calls)
      feed->publish_call(c);
    for (const auto& t : batch.turns)
      feed->publish_turn(t);
  }

  // SQLite refused a commit for reasons of its own: keep everything, let
  // the callers go on.
  void cannot_write(const caf::error& err) {
    metrics::daemon().storage_failed_commits.inc();
    if (!down) {
      down = outage{};
      down->error = what(err);
      metrics::daemon().storage_healthy.set(0);
      db->set_busy_timeout(outage_busy_timeout);
      SB_LOG_ERROR("storage: cannot write (" << down->error
                                             << "); calls go on, their writes "
                                                "wait in memory, in order, and "
                                                "are retried (queued now: "
                                             << queue.size() << ")");
    } else {
      ++down->failed_commits;
      if (steady::now() - down->reminded >= outage_reminder) {
        down->reminded = steady::now();
        SB_LOG_WARNING("storage: still cannot write after "
                       << seconds_down() << " s, " << queue.size()
                       << " writes queued: " << what(err));
      }
    }
    auto why = make_error(errc::storage_failed,
                          "storage unavailable, write kept for retry: "
                            + what(err));
    for (auto& w : queue)
      answer(w, why);
  }

  long seconds_down() const {
    return static_cast<long>(std::chrono::duration_cast<std::chrono::seconds>(
                               steady::now() - down->since)
                               .count());
  }

  // Everything queued, or as far as SQLite lets us; ends an outage once
  // the queue is empty.
  void commit_all() {
    while (commit_some() > 0) {
    }
    if (!down || !queue.empty())
      return;
    // Healthy before the log line says so, for whoever waits on the line.
    metrics::daemon().storage_healthy.set(1);
    db->set_busy_timeout(milliseconds(cfg.busy_timeout_ms));
    auto took = std::chrono::duration_cast<milliseconds>(steady::now()
                                                         - down->since);
    SB_LOG_NOTICE("storage recovered, "
                  << down->committed << " writes committed (down "
                  << took.count() << " ms, " << down->failed_commits
                  << " failed commits)");
    down.reset();
  }

  // What the shutdown could not commit: the log is its last copy.
  void drop_all(const char* reason, const std::string& why) {
    if (!queue.empty())
      SB_LOG_ERROR("storage: stopping with " << queue.size()
                                             << " writes not committed (" << why
                                             << "); each follows");
    for (auto& w : queue)
      drop(w, reason, why);
    queue.clear();
    publish();
  }

  // The call as the next commit would leave it: the row and turns on disk
  // with the queued writes for it laid over them, in order.
  std::optional<stored_call> overlay(std::optional<stored_call> found,
                                     const std::string& sid) const {
    for (const auto& w : queue) {
      for (const auto& c : w.batch.calls) {
        if (c.call_sid != sid)
          continue;
        if (!found) {
          found = stored_call{};
          found->call.call_sid = sid;
        }
        merge_call(found->call, c);
      }
      for (const auto& t : w.batch.turns)
        if (t.call_sid == sid && found)
          overlay_turn(found->turns, t);
    }
    if (found)
      std::stable_sort(found->turns.begin(), found->turns.end(),
                       [](const turn_row& a, const turn_row& b) {
                         return a.seq < b.seq;
                       });
    return found;
  }
};

const char* store_state::name = "store";

using store_pointer = store_actor::stateful_pointer<store_state>;

void schedule_flush(store_pointer self) {
  auto& st = self->state;
  if (st.flush_scheduled)
    return;
  st.flush_scheduled = true;
  if (!st.down) {
    // The flush message lands behind every write already in the mailbox,
    // so all of them share one transaction.
    self->send(self, flush_atom::value);
    return;
  }
  self->delayed_send(self, st.down->next_retry, flush_atom::value);
  st.down->next_retry = std::min(st.down->next_retry * 2, max_retry);
}

void enqueue(store_pointer self, pending_write w) {
  auto& st = self->state;
  if (st.queue.size() >= static_cast<size_t>(st.cfg.max_pending_writes)) {
    st.drop(w, "queue_full",
            std::to_string(st.queue.size())
              + " writes already wait (storage.max_pending_writes)");
    return;
  }
  st.queue.push_back(std::move(w));
  st.publish();
  if (st.down)
    st.answer(st.queue.back(),
              make_error(errc::storage_failed,
                         "storage unavailable, write kept for retry: "
                           + st.down->error));
  schedule_flush(self);
}

caf::result<bool> persist(store_pointer self, write_batch& batch) {
  auto promise = self->make_response_promise<bool>();
  enqueue(self, pending_write{std::move(batch), promise});
  return promise;
}

// Commits what SQLite takes; what it does not waits for the next retry.
void commit_or_retry(store_pointer self) {
  self->state.commit_all();
  if (self->state.down)
    schedule_flush(self);
}

void flush(store_pointer self) {
  self->state.flush_scheduled = false;
  commit_or_retry(self);
}

caf::result<stored_call> load(store_pointer self, const std::string& sid) {
  auto& st = self->state;
  // A rebuild must see every write already sent: what is on disk, with the
  // queued writes laid over it. Not a commit first: every new outbound
  // call is loaded (it may have been placed through /make-call), and a
  // commit per load would shrink every batch under load.
  auto found = st.db->load_call(sid);
  if (!found)
    return found.error();
  auto merged = st.overlay(std::move(*found), sid);
  if (!merged)
    return make_error(errc::not_found, "unknown call " + sid);
  return std::move(*merged);
}

void on_exit(store_pointer self, const caf::exit_msg& msg) {
  auto& st = self->state;
  // One last try with the full wait for a lock, then what is left can
  // only go to the log.
  st.db->set_busy_timeout(milliseconds(st.cfg.busy_timeout_ms));
  st.commit_all();
  st.drop_all("shutdown", "the daemon stopped while SQLite could not write");
  self->quit(msg.reason);
}

store_actor::behavior_type
store_impl(store_pointer self, std::shared_ptr<database> db, storage_config cfg,
           std::shared_ptr<live_feed> feed) {
  auto& st = self->state;
  st.db = std::move(db);
  st.feed = std::move(feed);
  st.cfg = std::move(cfg);
  st.cfg.batch_max = std::max(st.cfg.batch_max, 1);
  st.cfg.max_pending_writes = std::max(st.cfg.max_pending_writes, 1);
  st.db->set_busy_timeout(milliseconds(st.cfg.busy_timeout_ms));
  metrics::daemon().storage_healthy.set(1);
  st.publish();
  // A stray error or unknown message must never take the only database
  // writer down (CAF's default for an unhandled error is to quit).
  self->set_error_handler([](caf::error& err) {
    SB_LOG_WARNING("storage: ignored stray error " << caf::to_string(err));
  });
  self->set_exit_handler([self](caf::exit_msg& msg) { on_exit(self, msg); });
  return {
    [self](persist_atom, write_batch& batch) { return persist(self, batch); },
    [self](load_atom, const std::string& sid) { return load(self, sid); },
    [self](flush_atom) { flush(self); },
  };
}

} // namespace

event_row event_log_row(const call_event& ev) {
  return {ev.call_sid, to_string(ev.kind), ev.received_at,
          params_to_json(ev.raw)};
}

store_actor spawn_store(caf::actor_system& sys, std::unique_ptr<database> db,
                        const storage_config& cfg, bool detached,
                        std::shared_ptr<live_feed> feed) {
  auto shared = std::shared_ptr<database>(std::move(db));
  if (detached)
    return sys.spawn<caf::detached>(store_impl, std::move(shared), cfg,
                                    std::move(feed));
  return sys.spawn(store_impl, std::move(shared), cfg, std::move(feed));
}

} // namespace sb
