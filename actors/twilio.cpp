// The Twilio REST actor's behaviour: one try per message, failed tries
// re-queued with a delayed message.
#include "actors/twilio.hpp"

#include <unordered_map>

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "core/error.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"

namespace sb {

namespace {

struct rest_job {
  bool is_dial = true;
  create_call_params dial;
  std::string call_sid;
  call_update update;
  int attempt = 0;
  caf::typed_response_promise<call_resource> promise;
};

struct twilio_state {
  static const char* name;
  std::unique_ptr<twilio_rest_client> client;
  int max_attempts = 4;
  uint64_t next_job = 0;
  std::unordered_map<uint64_t, rest_job> waiting; // jobs between tries
};

const char* twilio_state::name = "twilio-rest";

using twilio_pointer = twilio_actor::stateful_pointer<twilio_state>;

rest_result<call_resource> try_once(twilio_state& st, const rest_job& job) {
  if (job.is_dial)
    return st.client->create_call(job.dial);
  return st.client->update_call(job.call_sid, job.update);
}

// Tries `job` once; answers on success or a final failure, else parks it
// and schedules the next try.
void run(twilio_pointer self, rest_job job) {
  auto& st = self->state;
  auto outcome = try_once(st, job);
  if (outcome) {
    job.promise.deliver(outcome.value());
    return;
  }
  const auto& failure = outcome.failure();
  auto what_for = job.is_dial ? "create call to " + job.dial.to
                              : "update call " + job.call_sid;
  auto delay = retry_delay(failure, job.attempt, st.max_attempts);
  if (!delay) {
    SB_LOG_ERROR("twilio: " << what_for << " failed: " << describe(failure));
    metrics::daemon().twilio_rest_errors.inc();
    job.promise.deliver(to_error(failure));
    return;
  }
  SB_LOG_WARNING("twilio: " << what_for << " failed (try " << job.attempt + 1
                            << " of " << st.max_attempts << "), retrying in "
                            << delay->count() << " ms: " << describe(failure));
  ++job.attempt;
  auto id = ++st.next_job;
  st.waiting.emplace(id, std::move(job));
  self->delayed_send(self, *delay, retry_atom::value, id);
}

twilio_actor::behavior_type twilio_impl(twilio_pointer self,
                                        twilio_config cfg) {
  auto& st = self->state;
  st.client = std::make_unique<twilio_rest_client>(
    cfg.api_base, twilio_credentials{cfg.account_sid, cfg.auth_token, {}, {}},
    std::chrono::milliseconds(cfg.rest_timeout_ms));
  st.max_attempts = cfg.rest_max_attempts;
  return {
    [self](dial_atom, create_call_params& p) -> caf::result<call_resource> {
      rest_job job;
      job.dial = std::move(p);
      job.promise = self->make_response_promise<call_resource>();
      auto promise = job.promise;
      run(self, std::move(job));
      return promise;
    },
    [self](update_atom, std::string& sid,
           call_update& u) -> caf::result<call_resource> {
      rest_job job;
      job.is_dial = false;
      job.call_sid = std::move(sid);
      job.update = std::move(u);
      job.promise = self->make_response_promise<call_resource>();
      auto promise = job.promise;
      run(self, std::move(job));
      return promise;
    },
    [self](retry_atom, uint64_t id) {
      auto it = self->state.waiting.find(id);
      if (it == self->state.waiting.end())
        return;
      auto job = std::move(it->second);
      self->state.waiting.erase(it);
      run(self, std::move(job));
    },
  };
}

} // namespace

twilio_actor spawn_twilio(caf::actor_system& sys, const twilio_config& cfg,
                          bool detached) {
  if (detached)
    return sys.spawn<caf::detached>(twilio_impl, cfg);
  return sys.spawn(twilio_impl, cfg);
}

} // namespace sb
