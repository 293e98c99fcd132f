// Tests of the watchdog actor and its pure helpers: a healthy round pings
// systemd with the live call count, a silent store or a missing ingress
// withholds the ping, a late answer never vouches for a later round, and
// WATCHDOG_USEC/WATCHDOG_PID are read as sd_watchdog_enabled() reads them.
// The actor runs with the real ingress and store on the deterministic
// scheduler; a recorder stands in for sd_notify.
#include "actors/watchdog.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "actor_fixture.hpp"

using namespace sb;
using namespace sb::testing;
using namespace std::chrono_literals;

namespace {

// -- a store that holds every load until (release) ---------------------------

using stub_store_actor = store_actor::extend<caf::reacts_to<release_atom>>;

struct stub_store_state {
  static inline const char* name = "stub-store";
  std::vector<caf::typed_response_promise<stored_call>> held;
};

stub_store_actor::behavior_type
stub_store(stub_store_actor::stateful_pointer<stub_store_state> self) {
  return {
    [](persist_atom, const write_batch&) { return true; },
    [self](load_atom, const std::string&) -> caf::result<stored_call> {
      auto promise = self->make_response_promise<stored_call>();
      self->state.held.push_back(promise);
      return promise;
    },
    [](flush_atom) {},
    [self](release_atom) {
      for (auto& promise : self->state.held)
        promise.deliver(stored_call{});
      self->state.held.clear();
    },
  };
}

class watchdog_fixture : public actor_fixture {
protected:
  ingress_actor start_ingress() {
    return spawn_ingress_with(spawn_llm(llm_mode::answer), spawn_stub_twilio());
  }

  watchdog_actor start_watchdog(const ingress_actor& ingress,
                                const store_actor& store,
                                watchdog_mode mode = watchdog_mode::ping) {
    auto sent = sent_;
    return track(spawn_watchdog(
      sys_, ingress, store, interval_,
      [sent](const std::string& line) { sent->push_back(line); }, mode));
  }

  // Ends the round in progress, as the CAF clock would after an interval.
  void next_round() {
    sched_.advance_time(interval_);
    sched_.run();
  }

  const std::chrono::milliseconds interval_ = 15s;
  std::shared_ptr<std::vector<std::string>> sent_ =
    std::make_shared<std::vector<std::string>>();
};

} // namespace

TEST_CASE_METHOD(watchdog_fixture,
                 "a healthy watchdog round pings with the live call count",
                 "[watchdog]") {
  auto ingress = start_ingress();
  send_webhook(ingress, inbound_event("CA1"));
  sched_.run();
  start_watchdog(ingress, store_);
  sched_.run();
  REQUIRE(
    *sent_
    == std::vector<std::string>{"WATCHDOG=1\nSTATUS=1 live calls, 1 total"});
  send_webhook(ingress, inbound_event("CA2"));
  next_round();
  REQUIRE(sent_->size() == 2);
  CHECK(sent_->back() == "WATCHDOG=1\nSTATUS=2 live calls, 2 total");
}

TEST_CASE_METHOD(watchdog_fixture,
                 "without a systemd watchdog only the status is sent",
                 "[watchdog]") {
  start_watchdog(start_ingress(), store_, watchdog_mode::status_only);
  sched_.run();
  CHECK(*sent_ == std::vector<std::string>{"STATUS=0 live calls, 0 total"});
}

TEST_CASE_METHOD(watchdog_fixture,
                 "a store that never answers withholds the watchdog ping",
                 "[watchdog]") {
  auto silent = track(sys_.spawn(stub_store));
  start_watchdog(start_ingress(), silent);
  sched_.run();
  CHECK(sent_->empty());
  // The probe times out with the round; the next round is silent too.
  next_round();
  CHECK(sent_->empty());
  // Both held loads are answered now: the first round's answer is late and
  // dropped, the second round's makes it healthy again.
  caf::anon_send(silent, release_atom::value);
  sched_.run();
  CHECK(
    *sent_
    == std::vector<std::string>{"WATCHDOG=1\nSTATUS=0 live calls, 0 total"});
}

TEST_CASE_METHOD(watchdog_fixture,
                 "a watchdog whose ingress is gone withholds the ping",
                 "[watchdog]") {
  auto ingress = start_ingress();
  caf::anon_send_exit(ingress, caf::exit_reason::user_shutdown);
  sched_.run();
  start_watchdog(ingress, store_);
  sched_.run();
  CHECK(sent_->empty());
  next_round();
  CHECK(sent_->empty());
}

TEST_CASE("watchdog_interval reads WATCHDOG_USEC and WATCHDOG_PID",
          "[watchdog]") {
  using std::chrono::microseconds;
  SECTION("half of the timeout, for this process") {
    CHECK(watchdog_interval("30000000", nullptr, 42) == microseconds(15000000));
    CHECK(watchdog_interval("30000000", "42", 42) == microseconds(15000000));
    CHECK(watchdog_interval("1", nullptr, 42) == microseconds(1));
    CHECK(watchdog_interval("3", "42", 42) == microseconds(1));
  }
  SECTION("another process's watchdog") {
    CHECK_FALSE(watchdog_interval("30000000", "43", 42));
    CHECK_FALSE(watchdog_interval("30000000", "", 42));
    CHECK_FALSE(watchdog_interval("30000000", "0", 0));
    CHECK_FALSE(watchdog_interval("30000000", "x42", 42));
    CHECK_FALSE(watchdog_interval("30000000", "99999999999", 42));
  }
  SECTION("no watchdog or a bad value") {
    CHECK_FALSE(watchdog_interval(nullptr, nullptr, 42));
    CHECK_FALSE(watchdog_interval(nullptr, "42", 42));
    CHECK_FALSE(watchdog_interval("", nullptr, 42));
    CHECK_FALSE(watchdog_interval("0", nullptr, 42));
    CHECK_FALSE(watchdog_interval("-30000000", nullptr, 42));
    CHECK_FALSE(watchdog_interval(" 30000000", nullptr, 42));
    CHECK_FALSE(watchdog_interval("30s", nullptr, 42));
    CHECK_FALSE(watchdog_interval("18446744073709551615", nullptr, 42));
    CHECK_FALSE(watchdog_interval("18446744073709551616", nullptr, 42));
  }
}

TEST_CASE("watchdog_state_line formats sd_notify's state", "[watchdog]") {
  ingress_stats stats;
  stats.live_calls = 3;
  stats.calls_total = 41;
  stats.calls_rejected = 2;
  CHECK(watchdog_state_line(stats, watchdog_mode::ping)
        == "WATCHDOG=1\nSTATUS=3 live calls, 41 total");
  CHECK(watchdog_state_line(stats, watchdog_mode::status_only)
        == "STATUS=3 live calls, 41 total");
}
