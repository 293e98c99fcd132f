// The fixture of the actor tests: an actor system on CAF's deterministic
// test scheduler, a real SQLite file in a fresh temporary directory owned
// by a store actor that is not detached (so it runs on that scheduler too),
// and a second connection to the same file for seeding and checking rows,
// the way an operator's sqlite3 would see them. Everything runs on the
// test's thread, one message at a time: tests step with sched_.run() or
// sched_.try_run_once() and fake time with sched_.advance_time(); nothing
// sleeps. Replies reach the test through reply promises writing into
// promise_result objects.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <stdlib.h>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/send.hpp>
#include <catch2/catch.hpp>

#include "actor_stubs.hpp"
#include "actors/call.hpp"
#include "actors/ingress.hpp"
#include "actors/store.hpp"
#include "core/config.hpp"
#include "core/log.hpp"
#include "storage/database.hpp"
#include "tests/support/temp_dir.hpp"
#include "webhook_events.hpp"

namespace sb::testing {

/// What a reply promise received. Shared with the promise's callbacks, so it
/// stays valid however long an actor keeps a copy of the promise.
template <class T>
struct promise_result {
  std::optional<T> value;
  bool dropped = false; // every copy went away without a delivery

  bool fired() const {
    return value.has_value();
  }
};

template <class T>
using promise_result_ptr = std::shared_ptr<promise_result<T>>;

template <class T>
reply_promise<T> promise_into(const promise_result_ptr<T>& out) {
  return reply_promise<T>{[out](T value) { out->value = std::move(value); },
                          [out] { out->dropped = true; }};
}

/// The answer to a request the test sent through a short-lived actor.
template <class T>
struct request_result {
  std::optional<T> value;
  caf::error error;

  bool answered() const {
    return value.has_value() || error;
  }
};

template <class T>
using request_result_ptr = std::shared_ptr<request_result<T>>;

// -- the fixture --------------------------------------------------------------

class actor_fixture {
public:
  actor_fixture();
  ~actor_fixture();

  actor_fixture(const actor_fixture&) = delete;
  actor_fixture& operator=(const actor_fixture&) = delete;

protected:
  /// Keeps `hdl` for teardown, which stops every tracked actor.
  template <class Handle>
  Handle track(Handle hdl) {
    spawned_.push_back(caf::actor_cast<caf::actor>(hdl));
    return hdl;
  }

  stub_llm_actor spawn_llm(llm_mode mode, llm_reply answer = stub_answer()) {
    return track(sys_.spawn(stub_llm, mode, std::move(answer)));
  }

  twilio_actor spawn_stub_twilio() {
    return track(sys_.spawn(stub_twilio));
  }

  call_ingress spawn_ingress_stub() {
    return track(sys_.spawn(stub_ingress));
  }

  ingress_actor spawn_ingress_with(llm_actor llm, twilio_actor twilio) {
    return track(spawn_ingress(
      sys_, ingress_deps{store_, llm, twilio, cfg_, {}, {}, {}, {}}));
  }

  /// Sends `ev` with a fresh reply promise; the result fills in as the
  /// scheduler runs.
  template <class Handle>
  promise_result_ptr<voice_reply>
  send_webhook(const Handle& hdl, call_event ev) {
    auto out = std::make_shared<promise_result<voice_reply>>();
    caf::anon_send(hdl, event_atom::value, std::move(ev), promise_into(out));
    return out;
  }

  /// Sends (xs...) to `hdl` as a request from a short-lived actor, which
  /// writes the answer into the result and exits.
  template <class T, class Handle, class... Ts>
  request_result_ptr<T> request_from_test(const Handle& hdl, Ts... xs) {
    auto out = std::make_shared<request_result<T>>();
    track(sys_.spawn([out, hdl, xs...](caf::event_based_actor* self) {
      self->request(hdl, caf::infinite, xs...)
        .then([out](T& value) { out->value = std::move(value); },
              [out](caf::error& err) { out->error = std::move(err); });
    }));
    return out;
  }

  /// Runs one message at a time until `done()` holds; false if the
  /// scheduler ran out of work first. Timers never fire here.
  template <class Predicate>
  bool step_until(Predicate done) {
    while (!done())
      if (!sched_.try_run_once())
        return false;
    return true;
  }

  /// The call as committed to the file; fails the test if it is absent.
  stored_call stored(const std::string& sid) {
    auto found = disk_->load_call(sid);
    REQUIRE(found);
    REQUIRE(found->has_value());
    return std::move(**found);
  }

  int64_t rows(const std::string& table) {
    auto n = disk_->count_rows(table);
    REQUIRE(n);
    return *n;
  }

  sb::test::temp_dir dir_{"actors"};
  std::shared_ptr<config> cfg_ = std::make_shared<config>();
  caf::actor_system_config sys_cfg_;
  caf::actor_system sys_;
  caf::scheduler::test_coordinator& sched_;
  std::unique_ptr<database> disk_; // a second connection on the same file
  store_actor store_;
  std::vector<caf::actor> spawned_;
};

inline caf::actor_system_config&
with_test_scheduler(caf::actor_system_config& cfg) {
  cfg.set("scheduler.policy", caf::atom("testing"));
  cfg.add_message_types<caf::id_block::switchboard>();
  return cfg;
}

inline actor_fixture::actor_fixture()
  : sys_(with_test_scheduler(sys_cfg_)),
    sched_(dynamic_cast<caf::scheduler::test_coordinator&>(sys_.scheduler())) {
  // The tests drive failures on purpose; only errors are worth printing.
  log::set_level(log::level::error);
  // As CAF's own test fixture does: timers never start at time zero.
  sched_.clock().current_time += std::chrono::hours(1);
  cfg_->server.public_url = "https://sb.example";
  auto path = dir_.file("switchboard.db");
  auto db = database::open(path);
  REQUIRE(db);
  store_ = track(spawn_store(sys_, std::move(*db), cfg_->storage, false));
  sched_.run(); // the store starts idle, its mailbox empty
  auto disk = database::open(path);
  REQUIRE(disk);
  disk_ = std::move(*disk);
}

inline actor_fixture::~actor_fixture() {
  // user_shutdown, not kill: exit handlers run only for the former, so the
  // store commits what is queued and an ingress stops its call actors.
  sched_.run();
  for (auto& hdl : spawned_)
    caf::anon_send_exit(hdl, caf::exit_reason::user_shutdown);
  sched_.run();
  // Anything still running would make ~actor_system wait forever, since
  // nothing steps the test scheduler any more.
  CHECK(sys_.registry().running() == 0);
  if (sys_.registry().running() != 0)
    sys_.await_actors_before_shutdown(false);
}

} // namespace sb::testing
