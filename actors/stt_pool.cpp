// The STT pool's dispatcher: utterances waiting for a worker (bounded),
// the least-loaded endpoint, endpoint health with backoff
// (actors/endpoint_health.hpp), one retry elsewhere, the pocketsphinx
// fallback while every endpoint is down, the deadline from the end of
// speech, cancellation, worker warm-up and respawn, and the STT metrics.
#include "actors/stt_pool.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/weak_intrusive_ptr.hpp>

#include "actors/endpoint_health.hpp"
#include "actors/stt_worker.hpp"
#include "backends/stt/stt_engines.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"

namespace sb {

stt_engines default_stt_engines(const stt_config& cfg) {
  auto shared = std::make_shared<const stt_config>(cfg);
  return {[shared] { return make_pocketsphinx_recognizer(*shared); },
          [shared](const std::string& url) {
            return make_http_recognizer(*shared, url);
          }};
}

namespace {

using steady = std::chrono::steady_clock;
using std::chrono::milliseconds;

using settled_atom = caf::atom_constant<caf::atom("settled")>;

// At most one "queue full" line per this, with the count refused since the
// last one: an overload must not also flood the log.
constexpr auto full_log_interval = std::chrono::seconds(1);

// How long start-up waits for the first pocketsphinx decoder.
constexpr auto warmup_limit = std::chrono::seconds(60);

// The pool's own interface: stt_actor plus start-up's warm-up request,
// the feeds' settle notices (finished, cancelled) and the deadlines.
using pool_actor = stt_actor::extend<caf::replies_to<warmup_atom>::with<bool>,
                                     caf::reacts_to<settled_atom, uint64_t>,
                                     caf::reacts_to<deadline_atom, uint64_t>>;

// A worker's endpoint index that means the pocketsphinx fallback.
constexpr int fallback_group = -1;

struct pool_worker {
  stt_worker_actor handle;
  int endpoint = 0;     // index into pool_state::endpoints, or fallback_group
  bool decoder = false; // pocketsphinx (made by warm-up, in order)
  uint64_t job = 0;     // the utterance it is recognising; 0 = idle
};

struct stt_job {
  utterance_ptr feed;
  caf::typed_response_promise<stt_result> promise;
  steady::time_point waiting_since; // could start from then on (or from
                                    // the end of speech for HTTP)
  steady::time_point started;       // the current try's start
  int64_t queue_ms = 0;             // waiting for a worker, every try
  int attempts = 0;
  int avoid = -1;        // the endpoint that failed its last try
  int worker = -1;       // recognising it now; -1 = waiting
  bool answered = false; // its promise is delivered: a late answer of
                         // its worker is dropped
  bool fallback = false; // the current try is on the fallback
};

enum class warm_state { warming, warm, broken };

struct pool_state {
  static const char* name;
  std::shared_ptr<const config> cfg;
  stt_engines engines;
  bool primary_streams = false;         // stt.engine is pocketsphinx
  std::vector<pool_endpoint> endpoints; // HTTP ones, or one "pocketsphinx"
  pool_endpoint fallback;               // slots 0: no fallback
  std::vector<pool_worker> workers;
  std::unordered_map<uint64_t, stt_job> jobs; // every unanswered or running
  std::deque<uint64_t> waiting;               // not started, oldest first
  uint64_t next_id = 1;
  bool endpoints_down = false; // as last logged
  warm_state warm = warm_state::warm;
  stt_decoders decoders = stt_decoders::at_start;
  caf::error warm_error;
  std::vector<caf::typed_response_promise<bool>> warm_waiters;
  steady::time_point full_logged;
  int refused_unlogged = 0;
};

const char* pool_state::name = "stt-pool";

using pool_pointer = pool_actor::stateful_pointer<pool_state>;

void dispatch(pool_pointer self);

pool_endpoint endpoint_of(std::string url, int slots) {
  pool_endpoint e;
  e.url = std::move(url);
  e.slots = slots;
  return e;
}

pool_endpoint& group_of(pool_state& st, int endpoint) {
  return endpoint == fallback_group
           ? st.fallback
           : st.endpoints[static_cast<size_t>(endpoint)];
}

// pocketsphinx decodes while the caller speaks; the HTTP engines send the
// whole utterance once it is over. Only the HTTP endpoints have a health:
// a decoder in this process does not go away.
bool streams(const pool_state& st, int endpoint) {
  return endpoint == fallback_group || st.primary_streams;
}

int64_t ms_between(steady::time_point from, steady::time_point to) {
  return std::max<int64_t>(
    0, std::chrono::duration_cast<milliseconds>(to - from).count());
}

// Whether `job`'s next try goes to the fallback: while every endpoint is
// down, or when its retry has no other endpoint in rotation to go to.
bool goes_to_fallback(const pool_state& st, const stt_job& job,
                      steady::time_point now) {
  if (st.fallback.slots == 0)
    return false;
  if (all_down(st.endpoints, now))
    return true;
  if (job.avoid < 0)
    return false;
  for (size_t i = 0; i < st.endpoints.size(); ++i)
    if (static_cast<int>(i) != job.avoid && st.endpoints[i].up(now))
      return false;
  return true;
}

// Waiting for a worker (not for the end of speech): what stt.max_queue
// bounds and stt_queue_depth shows.
bool ready(const pool_state& st, const stt_job& job, steady::time_point now) {
  return st.primary_streams || job.feed->finished()
         || goes_to_fallback(st, job, now);
}

size_t queued(const pool_state& st, steady::time_point now) {
  return static_cast<size_t>(
    std::count_if(st.waiting.begin(), st.waiting.end(),
                  [&](uint64_t id) { return ready(st, st.jobs.at(id), now); }));
}

// The endpoint (or fallback_group) that can start `job` now, if any.
std::optional<int> pick_group(const pool_state& st, const stt_job& job,
                              steady::time_point now) {
  if (goes_to_fallback(st, job, now)) {
    if (st.fallback.usable(now))
      return fallback_group;
    return std::nullopt;
  }
  // An HTTP engine gets the utterance once it is over: a slot is never
  // held while the caller is still talking.
  if (!st.primary_streams && !job.feed->finished())
    return std::nullopt;
  int e = pick_endpoint(st.endpoints, now, job.avoid);
  if (e < 0)
    return std::nullopt;
  return e;
}

size_t free_worker(const pool_state& st, int endpoint) {
  for (size_t i = 0; i < st.workers.size(); ++i)
    if (st.workers[i].endpoint == endpoint && st.workers[i].job == 0)
      return i;
  return st.workers.size(); // not reached: the group had a free slot
}

void set_gauges(const pool_state& st, steady::time_point now) {
  auto& m = metrics::daemon();
  m.stt_queue_depth.set(static_cast<double>(queued(st, now)));
  m.stt_in_flight.set(static_cast<double>(
    std::count_if(st.workers.begin(), st.workers.end(),
                  [](const pool_worker& w) { return w.job != 0; })));
}

// -- answers ------------------------------------------------------------------

// Every failed utterance goes through here, so each is counted once
// however many tries it took (a cancelled one is not a failure).
void fail(stt_job& job, caf::error err) {
  metrics::daemon().stt_errors.inc();
  job.promise.deliver(std::move(err));
  job.answered = true;
}

void answer_cancelled(stt_job& job) {
  job.promise.deliver(make_error(errc::backend_failed, "cancelled"));
  job.answered = true;
}

void answer(stt_job& job, stt_result result) {
  auto now = steady::now();
  auto end_of_speech = job.feed->end_of_speech();
  result.fallback = job.fallback;
  result.queue_ms = job.queue_ms;
  result.tail_ms = end_of_speech == steady::time_point{}
                     ? 0
                     : ms_between(end_of_speech, now);
  metrics::daemon().stt_tail.observe(static_cast<double>(result.tail_ms)
                                     / 1000.0);
  job.promise.deliver(std::move(result));
  job.answered = true;
}

// Forgets a job that is not running (a running one is forgotten when its
// worker returns, which frees the slot).
void forget_waiting(pool_state& st, uint64_t id) {
  auto at = std::find(st.waiting.begin(), st.waiting.end(), id);
  if (at != st.waiting.end())
    st.waiting.erase(at);
  st.jobs.erase(id);
}

void log_refused(pool_state& st, size_t waiting) {
  auto now = steady::now();
  ++st.refused_unlogged;
  if (now - st.full_logged < full_log_interval)
    return;
  SB_LOG_WARNING("stt: queue full, utterance refused: "
                 << waiting << " utterances wait for a worker (stt.max_queue = "
                 << st.cfg->stt.max_queue << ") and every worker is busy; "
                 << st.refused_unlogged << " refused since the last such line");
  st.full_logged = now;
  st.refused_unlogged = 0;
}

// The operator hears when the endpoints all go out of rotation and when
// one is due to be tried again.
void note_endpoints_down(pool_state& st, steady::time_point now) {
  if (st.primary_streams)
    return;
  bool down = all_down(st.endpoints, now);
  if (down == st.endpoints_down)
    return;
  st.endpoints_down = down;
  if (!down)
    SB_LOG_NOTICE("stt: an endpoint is due to be tried again; utterances go "
                  "to the endpoints");
  else if (st.fallback.slots > 0)
    SB_LOG_WARNING("stt: every endpoint is down; pocketsphinx (stt.fallback) "
                   "recognises the utterances until one is back");
  else
    SB_LOG_WARNING("stt: every endpoint is down and stt.fallback is off; "
                   "utterances fail until one is back");
}

// -- the worker round trip ----------------------------------------------------

void on_worker_done(pool_pointer self, uint64_t id,
                    caf::expected<stt_result> result);

void start_job(pool_pointer self, uint64_t id, size_t w) {
  auto& st = self->state;
  auto& job = st.jobs.at(id);
  auto& worker = st.workers[w];
  auto now = steady::now();
  ++group_of(st, worker.endpoint).busy;
  worker.job = id;
  job.worker = static_cast<int>(w);
  job.fallback = worker.endpoint == fallback_group;
  job.started = now;
  ++job.attempts;
  // An HTTP utterance waits for a worker from the end of speech on.
  auto since = job.waiting_since;
  if (!streams(st, worker.endpoint))
    since = std::max(since, job.feed->end_of_speech());
  job.queue_ms += ms_between(since, now);
  self->request(worker.handle, caf::infinite, stt_work_atom::value, job.feed)
    .then([self, id](stt_result& r) { on_worker_done(self, id, std::move(r)); },
          [self, id](caf::error& err) {
            on_worker_done(self, id, std::move(err));
          });
}

bool may_retry(const stt_job& job, const caf::error& err) {
  // Past the deadline a second try would be answered too late anyway.
  return job.attempts < 2 && !has_code(err, errc::timed_out);
}

void on_worker_done(pool_pointer self, uint64_t id,
                    caf::expected<stt_result> result) {
  auto& st = self->state;
  auto found = st.jobs.find(id);
  if (found == st.jobs.end())
    return;
  auto& job = found->second;
  auto& worker = st.workers[static_cast<size_t>(job.worker)];
  int e = worker.endpoint;
  auto& group = group_of(st, e);
  worker.job = 0;
  --group.busy;
  // The gauges agree with the answer by the time the caller has it.
  set_gauges(st, steady::now());
  bool cancelled = job.feed->cancelled();
  if (!cancelled) {
    metrics::daemon().stt_duration.observe(metrics::seconds_since(job.started));
    // A timeout counts against an endpoint too: a whisper server that
    // cannot answer within stt.timeout_ms serves no caller, and while it
    // is out the others (or the fallback) do.
    if (!streams(st, e))
      note_outcome(group, result ? caf::error{} : result.error(), "stt");
  }
  if (job.answered) {
    st.jobs.erase(found);
  } else if (cancelled) {
    answer_cancelled(job);
    st.jobs.erase(found);
  } else if (result) {
    answer(job, std::move(*result));
    st.jobs.erase(found);
  } else if (may_retry(job, result.error())) {
    SB_LOG_INFO("stt: " << group.url << " failed (" << what(result.error())
                        << "); trying the utterance once more");
    job.avoid = e == fallback_group ? -1 : e;
    job.worker = -1;
    job.waiting_since = steady::now();
    st.waiting.push_front(id);
  } else {
    SB_LOG_WARNING("stt: utterance failed on " << group.url << ": "
                                               << what(result.error()));
    fail(job, std::move(result.error()));
    st.jobs.erase(found);
  }
  dispatch(self);
}

void dispatch(pool_pointer self) {
  auto& st = self->state;
  auto now = steady::now();
  note_endpoints_down(st, now);
  for (auto at = st.waiting.begin(); at != st.waiting.end();) {
    auto id = *at;
    auto& job = st.jobs.at(id);
    if (job.feed->cancelled()) {
      answer_cancelled(job);
      st.jobs.erase(id);
      at = st.waiting.erase(at);
      continue;
    }
    auto group = pick_group(st, job, now);
    if (!group) {
      ++at;
      continue;
    }
    at = st.waiting.erase(at);
    start_job(self, id, free_worker(st, *group));
  }
  // Nothing can recognise the utterances whose speech is over: they fail
  // now, so callers hear the apology at once instead of at the deadline.
  // Those still being spoken wait: an endpoint may be back by their end.
  if (st.fallback.slots == 0 && !st.primary_streams
      && all_down(st.endpoints, now)) {
    for (auto at = st.waiting.begin(); at != st.waiting.end();) {
      auto& job = st.jobs.at(*at);
      if (!job.feed->finished()) {
        ++at;
        continue;
      }
      fail(job, make_error(errc::backend_failed,
                           "stt: every endpoint is down and stt.fallback is "
                           "off"));
      st.jobs.erase(*at);
      at = st.waiting.erase(at);
    }
  }
  // Every change to the queue and the workers ends here.
  set_gauges(st, now);
}

// -- the pool's handlers ------------------------------------------------------

caf::result<stt_result> enqueue(pool_pointer self, utterance_ptr feed) {
  auto& st = self->state;
  if (!feed)
    return make_error(errc::bad_request, "stt: no utterance feed");
  if (feed->cancelled())
    return make_error(errc::backend_failed, "cancelled");
  auto now = steady::now();
  stt_job job;
  job.feed = feed;
  job.waiting_since = now;
  auto waiting = queued(st, now);
  bool free_now = goes_to_fallback(st, job, now)
                    ? st.fallback.usable(now)
                    : pick_endpoint(st.endpoints, now) >= 0;
  if (waiting >= static_cast<size_t>(st.cfg->stt.max_queue)
      && !(waiting == 0 && free_now)) {
    metrics::daemon().stt_errors.inc();
    log_refused(st, waiting);
    return make_error(errc::overloaded,
                      "stt: queue full (stt.max_queue = "
                        + std::to_string(st.cfg->stt.max_queue) + ")");
  }
  auto id = st.next_id++;
  job.promise = self->make_response_promise<stt_result>();
  auto promise = job.promise;
  st.jobs.emplace(id, std::move(job));
  st.waiting.push_back(id);
  // Called on the thread that finishes or cancels the feed: one message,
  // to a pool that may be gone by then.
  caf::weak_actor_ptr pool{self->ctrl()};
  feed->on_settled([pool, id] {
    if (auto strong = pool.lock())
      caf::anon_send(caf::actor_cast<pool_actor>(strong), settled_atom::value,
                     id);
  });
  dispatch(self);
  return promise;
}

void on_deadline(pool_pointer self, uint64_t id) {
  auto& st = self->state;
  auto found = st.jobs.find(id);
  if (found == st.jobs.end() || found->second.answered)
    return;
  auto& job = found->second;
  auto timeout = st.cfg->stt.timeout_ms;
  std::string where = "waiting for a worker";
  if (job.worker >= 0)
    where = "still on "
            + group_of(st, st.workers[size_t(job.worker)].endpoint).url;
  SB_LOG_WARNING("stt: no text " << timeout
                                 << " ms after the end of speech "
                                    "(stt.timeout_ms), "
                                 << where << "; answered timed_out");
  fail(job, make_error(errc::timed_out, "stt: no text within stt.timeout_ms = "
                                          + std::to_string(timeout)
                                          + " ms of the end of speech"));
  if (job.worker < 0)
    forget_waiting(st, id);
  dispatch(self);
}

// The feed finished (the deadline starts, counted from the end of speech;
// an HTTP utterance may start) or was cancelled (answered now; a running
// recogniser sees the cancel and returns, freeing its worker).
void on_settled(pool_pointer self, uint64_t id) {
  auto& st = self->state;
  auto found = st.jobs.find(id);
  if (found == st.jobs.end() || found->second.answered)
    return;
  auto& job = found->second;
  if (job.feed->cancelled()) {
    answer_cancelled(job);
    if (job.worker < 0)
      forget_waiting(st, id);
    return dispatch(self);
  }
  auto deadline = job.feed->end_of_speech()
                  + milliseconds(st.cfg->stt.timeout_ms);
  auto left = std::chrono::ceil<milliseconds>(deadline - steady::now());
  if (left.count() <= 0)
    return on_deadline(self, id);
  self->delayed_send(self, left, deadline_atom::value, id);
  dispatch(self);
}

// -- workers ------------------------------------------------------------------

void warm_up(pool_pointer self, size_t w);

// The first decoder is made (or is not): start-up's answer; the other
// decoders are made from now on, one request each, so the first did not
// share the CPU with them.
void first_decoder_made(pool_pointer self, caf::error err) {
  auto& st = self->state;
  st.warm = err ? warm_state::broken : warm_state::warm;
  st.warm_error = err;
  for (auto& p : st.warm_waiters)
    if (err)
      p.deliver(err);
    else
      p.deliver(true);
  st.warm_waiters.clear();
  if (err)
    return;
  bool first = true;
  for (size_t w = 0; w < st.workers.size(); ++w)
    if (st.workers[w].decoder) {
      if (!first)
        warm_up(self, w);
      first = false;
    }
}

void warm_up(pool_pointer self, size_t w, bool first) {
  auto handle = self->state.workers[w].handle;
  self->request(handle, caf::infinite, warmup_atom::value)
    .then(
      [self, first](bool) {
        if (first)
          first_decoder_made(self, caf::error{});
      },
      [self, first](caf::error& err) {
        SB_LOG_ERROR("stt: a worker cannot make its recogniser: " << what(err));
        if (first)
          first_decoder_made(self, err);
      });
}

void warm_up(pool_pointer self, size_t w) {
  warm_up(self, w, false);
}

stt_worker_actor spawn_worker(pool_pointer self, int endpoint) {
  auto& st = self->state;
  stt_recognizer_factory make;
  if (streams(st, endpoint)) {
    make = st.engines.pocketsphinx;
  } else {
    make = [http = st.engines.http, url = group_of(st, endpoint).url]()
      -> caf::expected<stt_recognizer_ptr> { return http(url); };
  }
  auto w = spawn_stt_worker(self->system(), std::move(make));
  self->monitor(w);
  return w;
}

void spawn_workers(pool_pointer self) {
  auto& st = self->state;
  for (size_t e = 0; e < st.endpoints.size(); ++e)
    for (int s = 0; s < st.endpoints[e].slots; ++s) {
      auto e_int = static_cast<int>(e);
      st.workers.push_back(
        {spawn_worker(self, e_int), e_int, st.primary_streams, 0});
    }
  for (int s = 0; s < st.fallback.slots; ++s)
    st.workers.push_back(
      {spawn_worker(self, fallback_group), fallback_group, true, 0});
  // HTTP clients cost nothing to make; of the decoders only the first is
  // made now (start-up waits for it), the rest once it is there; or none,
  // each then made by its worker at its first utterance.
  bool first = true;
  for (size_t w = 0; w < st.workers.size(); ++w) {
    if (!st.workers[w].decoder) {
      warm_up(self, w);
    } else if (first && st.decoders == stt_decoders::at_start) {
      st.warm = warm_state::warming;
      warm_up(self, w, true);
      first = false;
    }
  }
}

// A crashed worker's utterance already failed through its error handler;
// here its slot gets a fresh worker, which makes its recogniser at once.
void respawn(pool_pointer self, const caf::down_msg& msg) {
  auto& st = self->state;
  for (size_t w = 0; w < st.workers.size(); ++w) {
    auto& worker = st.workers[w];
    if (worker.handle.address() != msg.source)
      continue;
    SB_LOG_ERROR("stt: worker for " << group_of(st, worker.endpoint).url
                                    << " died (" << caf::to_string(msg.reason)
                                    << "); respawning");
    worker.handle = spawn_worker(self, worker.endpoint);
    warm_up(self, w);
    return;
  }
}

pool_actor::behavior_type
pool_impl(pool_pointer self, std::shared_ptr<const config> cfg,
          stt_engines engines, stt_decoders decoders) {
  auto& st = self->state;
  st.cfg = cfg;
  st.decoders = decoders;
  st.engines = std::move(engines);
  const auto& stt = cfg->stt;
  st.primary_streams = stt.engine == "pocketsphinx";
  st.fallback = endpoint_of("pocketsphinx", 0);
  if (st.primary_streams) {
    st.endpoints.push_back(
      endpoint_of("pocketsphinx", std::max(stt.workers, 1)));
  } else {
    for (const auto& e : stt.endpoints)
      st.endpoints.push_back(endpoint_of(e.url, std::max(e.slots, 1)));
    if (stt.fallback == "pocketsphinx")
      st.fallback = endpoint_of("pocketsphinx", std::max(stt.workers, 1));
  }
  spawn_workers(self);
  set_gauges(st, steady::now());
  self->set_down_handler([self](caf::down_msg& msg) { respawn(self, msg); });
  // Running recognisers are stopped by cancelling their feeds (the daemon
  // is going away, and with it every caller), so the workers can exit.
  self->set_exit_handler([self](caf::exit_msg& msg) {
    auto& st = self->state;
    for (auto& [id, job] : st.jobs) {
      if (!job.answered)
        job.promise.deliver(
          make_error(errc::backend_failed, "stt: the pool stopped"));
      if (job.worker >= 0)
        job.feed->cancel();
    }
    st.jobs.clear();
    st.waiting.clear();
    for (auto& w : st.workers)
      self->send_exit(w.handle, msg.reason);
    self->quit(msg.reason);
  });
  return {
    [self](recognize_atom, utterance_ptr& feed) -> caf::result<stt_result> {
      return enqueue(self, std::move(feed));
    },
    [self](warmup_atom) -> caf::result<bool> {
      auto& st = self->state;
      if (st.warm == warm_state::warm)
        return true;
      if (st.warm == warm_state::broken)
        return st.warm_error;
      auto promise = self->make_response_promise<bool>();
      st.warm_waiters.push_back(promise);
      return promise;
    },
    [self](settled_atom, uint64_t id) { on_settled(self, id); },
    [self](deadline_atom, uint64_t id) { on_deadline(self, id); },
  };
}

// The first decoder's error as a start-up error that names the key.
caf::error decoder_error(const caf::error& err) {
  auto why = what(err);
  if (why.find("stt.pocketsphinx_dir") != std::string::npos)
    return make_error(errc::bad_config, why);
  return make_error(errc::bad_config,
                    "stt.pocketsphinx_dir: the pocketsphinx model does not "
                    "load: "
                      + why);
}

} // namespace

caf::expected<stt_actor>
spawn_stt_pool(caf::actor_system& sys, std::shared_ptr<const config> cfg,
               stt_engines engines, stt_decoders decoders) {
  bool uses_decoders = cfg->stt.engine == "pocketsphinx"
                       || cfg->stt.fallback == "pocketsphinx";
  if (!uses_decoders || decoders == stt_decoders::on_first_use)
    return caf::actor_cast<stt_actor>(
      sys.spawn(pool_impl, std::move(cfg), std::move(engines), decoders));
  // Said first: libpocketsphinx ends the process on some broken model
  // files, and then this is the last line the operator sees.
  SB_LOG_INFO("stt: loading the pocketsphinx model in "
              << cfg->stt.pocketsphinx_dir << " (stt.pocketsphinx_dir)");
  auto started = steady::now();
  auto pool = sys.spawn(pool_impl, cfg, std::move(engines), decoders);
  caf::scoped_actor self{sys};
  caf::error failed;
  self->request(pool, warmup_limit, warmup_atom::value)
    .receive([](bool) {}, [&](caf::error& err) { failed = std::move(err); });
  if (failed) {
    self->send_exit(pool, caf::exit_reason::user_shutdown);
    return decoder_error(failed);
  }
  SB_LOG_INFO("stt: the first pocketsphinx decoder took "
              << ms_between(started, steady::now()) << " ms; "
              << cfg->stt.workers - 1 << " more to make in the background");
  return caf::actor_cast<stt_actor>(pool);
}

caf::expected<stt_actor> spawn_stt_pool(caf::actor_system& sys,
                                        std::shared_ptr<const config> cfg,
                                        stt_decoders decoders) {
  auto engines = default_stt_engines(cfg->stt);
  return spawn_stt_pool(sys, std::move(cfg), std::move(engines), decoders);
}

} // namespace sb
