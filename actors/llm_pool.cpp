// The LLM pool's dispatcher: a bounded queue of turns, least-loaded
// endpoint choice, endpoint health with backoff, worker respawn, streamed
// turns and their cancellation, whether a reply ends the call, and the LLM
// metrics (queue depth, time in the model, failed turns).
#include "actors/llm_pool.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <utility>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/endpoint_health.hpp"
#include "actors/llm_worker.hpp"
#include "backends/llm/speakable.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/spoken_words.hpp"

namespace sb {

std::string system_prompt_for(const llm_config& cfg,
                              const std::string& language,
                              const std::string& caller) {
  std::string prompt = cfg.system_prompt;
  if (language.rfind("hi", 0) == 0 && !cfg.system_prompt_hi.empty())
    prompt = cfg.system_prompt_hi;
  else if (language.rfind("en", 0) == 0 && !cfg.system_prompt_en.empty())
    prompt = cfg.system_prompt_en;
  // One left-to-right pass: what is put in is never scanned again, so a
  // caller ID that looks like "{language}" stays as it is.
  std::string out;
  for (size_t at = 0; at < prompt.size();) {
    if (prompt.compare(at, 8, "{caller}") == 0) {
      out += caller;
      at += 8;
    } else if (prompt.compare(at, 10, "{language}") == 0) {
      out += language;
      at += 10;
    } else {
      out += prompt[at++];
    }
  }
  return out;
}

namespace {

using steady = std::chrono::steady_clock;

// A cancel is a flag the caller sets, not a message, so while a streamed
// turn waits in the queue the pool looks at the flags this often.
constexpr auto sweep_interval = std::chrono::milliseconds(20);

// The pool's own interface: llm_actor plus its sweep timer.
using pool_actor = llm_actor::extend<caf::reacts_to<sweep_atom>>;

struct pool_worker {
  llm_worker_actor handle;
  size_t endpoint = 0;
  bool busy = false;
};

struct pool_job {
  llm_request request;
  caf::typed_response_promise<llm_reply> promise;
  steady::time_point enqueued;
  int attempts = 0;
  int avoid = -1; // the endpoint that just failed this job
  // (stream) only: the caller's stream.
  bool streamed = false;
  llm_stream stream;
  // Whether something that cannot be taken back happened: a token reached
  // the caller, or an MCP tool ran (it may have changed something). Then
  // the job is never tried again.
  std::shared_ptr<std::atomic<bool>> spoke =
    std::make_shared<std::atomic<bool>>(false);

  bool cancelled() const {
    return stream.cancel && stream.cancel->load();
  }
};

struct pool_state {
  static const char* name;
  std::shared_ptr<const config> cfg;
  std::vector<pool_endpoint> endpoints;
  std::vector<pool_worker> workers;
  std::deque<pool_job> queue;
  bool sweep_pending = false;           // a sweep_atom is on its way
  std::shared_ptr<mcp_toolbox> toolbox; // the workers' MCP tools, or null
};

const char* pool_state::name = "llm-pool";

using pool_pointer = pool_actor::stateful_pointer<pool_state>;

void dispatch(pool_pointer self);

// The endpoint's health after one request. A slow answer is the model's
// problem, not the endpoint's health.
void note_health(pool_state& st, size_t endpoint, const caf::error& err) {
  if (!has_code(err, errc::timed_out))
    note_outcome(st.endpoints[endpoint], err, "llm");
}

// The caller's words the reply answers, or "" when the conversation does
// not end with the caller's turn.
std::string_view callers_last_words(const llm_request& req) {
  if (req.history.empty() || req.history.back().role != "user")
    return {};
  return req.history.back().content;
}

// The call ends after this reply when the model called end_call (where it
// was offered) or the caller's last words hold one of llm.goodbye_words;
// the scripted rules play no part here, they belong to the scripted
// backend. A model that ends the call without a speakable word gets
// voice.goodbye_message to say, so the caller does not hear a bare hang-up;
// a transfer needs none (the call actor lets it win over the goodbye).
void decide_end_call(const config& cfg, const llm_request& req,
                     llm_reply& raw) {
  raw.end_call = (raw.end_call && req.offer_end_call)
                 || holds_phrase(callers_last_words(req),
                                 cfg.llm.goodbye_words);
  if (!raw.end_call || raw.transfer || !make_speakable(raw.text, 0).empty())
    return;
  // Appended rather than replacing: a streamed reply's text must still
  // begin with the tokens the caller was given (they hear only the rest).
  if (!raw.text.empty())
    raw.text += ' ';
  raw.text += cfg.voice.goodbye_message;
}

// A streamed reply keeps its raw text: the caller makes it speakable
// clause by clause as the tokens arrive. A transfer needs no words.
caf::expected<llm_reply> finish_reply(const pool_state& st, llm_reply raw,
                                      const pool_job& job,
                                      steady::time_point started) {
  raw.transfer = raw.transfer && job.request.offer_transfer;
  decide_end_call(*st.cfg, job.request, raw);
  if (!job.streamed) {
    auto text = make_speakable(
      raw.text, static_cast<size_t>(st.cfg->llm.max_reply_chars));
    if (text.empty() && !raw.transfer)
      return make_error(errc::backend_failed,
                        "the model's reply had nothing to say aloud");
    raw.text = std::move(text);
  }
  raw.queue_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                   started - job.enqueued)
                   .count();
  return raw;
}

// A queued turn's error goes through here, so each failed turn is counted
// once however many attempts it took (one refused at a full queue is
// counted where it is refused).
void fail(pool_job& job, caf::error err) {
  metrics::daemon().llm_errors.inc();
  job.promise.deliver(std::move(err));
}

// The caller stopped the turn: its choice, not a failure of the model, so
// it is not counted in llm_errors.
void answer_cancelled(pool_job& job) {
  job.promise.deliver(make_error(errc::backend_failed, "cancelled"));
}

// Cancelled streamed turns still in the queue: answered now, never
// started.
void drop_cancelled(pool_state& st) {
  auto cancelled = [](const pool_job& job) { return job.cancelled(); };
  if (std::none_of(st.queue.begin(), st.queue.end(), cancelled))
    return;
  std::deque<pool_job> kept;
  for (auto& job : st.queue)
    if (job.cancelled())
      answer_cancelled(job);
    else
      kept.push_back(std::move(job));
  st.queue.swap(kept);
}

// The worker's stream for `job`: the caller's on_token and on_tool_wait
// (called directly on the worker's thread), behind a flag that notes a
// token was delivered or a tool is about to run.
llm_stream worker_stream(const pool_job& job) {
  llm_stream out{{}, job.stream.cancel, {}};
  if (job.stream.on_token)
    out.on_token = [spoke = job.spoke,
                    fn = job.stream.on_token](std::string token) {
      spoke->store(true);
      fn(std::move(token));
    };
  out.on_tool_wait = [spoke = job.spoke, fn = job.stream.on_tool_wait] {
    spoke->store(true);
    if (fn)
      fn();
  };
  return out;
}

bool may_retry(const pool_state& st, const pool_job& job,
               const caf::error& err) {
  // After a token the caller has spoken part of this answer: another
  // endpoint's answer would not continue it. After a tool ran, trying
  // again would run it again.
  if (job.spoke->load())
    return false;
  return job.attempts < 2 && !has_code(err, errc::timed_out)
         && !all_down(st.endpoints, steady::now());
}

void on_worker_done(pool_pointer self, size_t w, pool_job job,
                    steady::time_point started,
                    caf::expected<llm_reply> result) {
  auto& st = self->state;
  auto e = st.workers[w].endpoint;
  st.workers[w].busy = false;
  --st.endpoints[e].busy;
  if (job.cancelled()) {
    // The worker closed the stream because we asked: no health penalty,
    // no retry, no failed turn, and no time in the model to observe.
    if (result)
      note_health(st, e, caf::error{});
    answer_cancelled(job);
    return dispatch(self);
  }
  metrics::daemon().llm_duration.observe(metrics::seconds_since(started));
  note_health(st, e, result ? caf::error{} : result.error());
  if (result) {
    auto reply = finish_reply(st, std::move(*result), job, started);
    if (reply)
      job.promise.deliver(std::move(*reply));
    else
      fail(job, reply.error());
  } else if (may_retry(st, job, result.error())) {
    // One more try elsewhere: the caller is still within the deadline.
    job.avoid = static_cast<int>(e);
    st.queue.push_front(std::move(job));
  } else {
    fail(job, result.error());
  }
  dispatch(self);
}

void start_job(pool_pointer self, size_t w, pool_job job) {
  auto& st = self->state;
  st.workers[w].busy = true;
  ++st.endpoints[st.workers[w].endpoint].busy;
  ++job.attempts;
  auto started = steady::now();
  auto shared = std::make_shared<pool_job>(std::move(job));
  self
    ->request(st.workers[w].handle, caf::infinite, work_atom::value,
              shared->request, worker_stream(*shared))
    .then(
      [self, w, shared, started](llm_reply& r) {
        on_worker_done(self, w, std::move(*shared), started, std::move(r));
      },
      [self, w, shared, started](caf::error& err) {
        on_worker_done(self, w, std::move(*shared), started, std::move(err));
      });
}

size_t free_worker(const pool_state& st, size_t endpoint) {
  for (size_t i = 0; i < st.workers.size(); ++i)
    if (st.workers[i].endpoint == endpoint && !st.workers[i].busy)
      return i;
  return st.workers.size();
}

void dispatch(pool_pointer self) {
  auto& st = self->state;
  auto now = steady::now();
  drop_cancelled(st);
  while (!st.queue.empty()) {
    int e = pick_endpoint(st.endpoints, now, st.queue.front().avoid);
    if (e < 0)
      break;
    auto w = free_worker(st, static_cast<size_t>(e));
    auto job = std::move(st.queue.front());
    st.queue.pop_front();
    start_job(self, w, std::move(job));
  }
  // Nothing can serve the waiting turns soon: fail them now, so callers
  // hear the apology at once instead of at the deadline.
  if (!st.queue.empty() && all_down(st.endpoints, now)) {
    for (auto& job : st.queue)
      fail(job, make_error(errc::backend_failed, "every LLM endpoint is down"));
    st.queue.clear();
  }
  // While a turn that can be cancelled waits, look again soon.
  auto cancellable = [](const pool_job& job) {
    return job.stream.cancel != nullptr;
  };
  if (!st.sweep_pending
      && std::any_of(st.queue.begin(), st.queue.end(), cancellable)) {
    st.sweep_pending = true;
    self->delayed_send(self, sweep_interval, sweep_atom::value);
  }
  // Every change to the queue ends here (a new turn, a retry, a start).
  metrics::daemon().llm_queue_depth.set(static_cast<double>(st.queue.size()));
}

// A new turn: refused when the queue is full, else queued and dispatched.
caf::result<llm_reply> enqueue(pool_pointer self, pool_job job) {
  auto& st = self->state;
  if (job.cancelled())
    return make_error(errc::backend_failed, "cancelled");
  auto max_queue = static_cast<size_t>(st.cfg->llm.max_queue);
  bool can_start = pick_endpoint(st.endpoints, steady::now()) >= 0
                   && st.queue.empty();
  if (!can_start && st.queue.size() >= max_queue) {
    metrics::daemon().llm_errors.inc();
    return make_error(errc::overloaded, "LLM queue full");
  }
  // The tool goes to the model only where both the caller and the
  // configuration allow it; the worker builds the request from this flag.
  job.request.offer_end_call = job.request.offer_end_call
                               && st.cfg->llm.end_call_tool;
  job.promise = self->make_response_promise<llm_reply>();
  job.enqueued = steady::now();
  auto promise = job.promise;
  st.queue.push_back(std::move(job));
  dispatch(self);
  return promise;
}

void spawn_workers(pool_pointer self) {
  auto& st = self->state;
  for (size_t e = 0; e < st.endpoints.size(); ++e)
    for (int s = 0; s < st.endpoints[e].slots; ++s) {
      auto w = spawn_llm_worker(self->system(), st.cfg, st.endpoints[e].url,
                                st.toolbox);
      self->monitor(w);
      st.workers.push_back({w, e, false});
    }
}

// A crashed worker's request already failed through its error handler;
// here its slot gets a fresh worker.
void respawn(pool_pointer self, const caf::down_msg& msg) {
  auto& st = self->state;
  for (auto& w : st.workers)
    if (w.handle.address() == msg.source) {
      SB_LOG_ERROR("llm: worker for " << st.endpoints[w.endpoint].url
                                      << " died (" << caf::to_string(msg.reason)
                                      << "); respawning");
      w.handle = spawn_llm_worker(self->system(), st.cfg,
                                  st.endpoints[w.endpoint].url, st.toolbox);
      self->monitor(w.handle);
      return;
    }
}

pool_actor::behavior_type pool_impl(pool_pointer self,
                                    std::shared_ptr<const config> cfg,
                                    std::shared_ptr<mcp_toolbox> toolbox) {
  auto& st = self->state;
  st.cfg = cfg;
  st.toolbox = std::move(toolbox);
  for (const auto& e : cfg->llm.endpoints)
    st.endpoints.push_back({e.url, std::max(e.slots, 1), 0, 0, {}});
  spawn_workers(self);
  self->set_down_handler([self](caf::down_msg& msg) { respawn(self, msg); });
  self->set_exit_handler([self](caf::exit_msg& msg) {
    for (auto& w : self->state.workers)
      self->send_exit(w.handle, msg.reason);
    self->quit(msg.reason);
  });
  return {
    [self](generate_atom, llm_request& req) -> caf::result<llm_reply> {
      pool_job job;
      job.request = std::move(req);
      return enqueue(self, std::move(job));
    },
    [self](stream_atom, llm_request& req,
           const llm_stream& stream) -> caf::result<llm_reply> {
      pool_job job;
      job.request = std::move(req);
      job.streamed = true;
      job.stream = stream;
      return enqueue(self, std::move(job));
    },
    [self](sweep_atom) {
      self->state.sweep_pending = false;
      dispatch(self);
    },
    [self](reload_atom, const config_ptr& cfg) {
      self->state.cfg = cfg;
      for (auto& w : self->state.workers)
        self->send(w.handle, reload_atom::value, cfg);
    },
  };
}

} // namespace

llm_actor spawn_llm_pool(caf::actor_system& sys,
                         std::shared_ptr<const config> cfg,
                         std::shared_ptr<mcp_toolbox> toolbox) {
  return sys.spawn(pool_impl, std::move(cfg), std::move(toolbox));
}

} // namespace sb
