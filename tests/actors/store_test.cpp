// Tests of the store actor: group commit of writes queued together, a bad
// batch failing alone, loads (unknown calls, pending writes) and the final
// flush on shutdown. Writers are short-lived actors, so several writes can
// sit in the store's mailbox before it runs; what is on disk is read through
// a second connection after every scheduler step where it matters.
#include <set>
#include <string>
#include <vector>

#include "actor_fixture.hpp"
#include "core/error.hpp"

using namespace sb;
using namespace sb::testing;

namespace {

write_batch call_batch(const std::string& sid) {
  write_batch batch;
  batch.events.push_back({sid, "inbound", "2026-01-01T00:00:00.000Z", "{}"});
  call_row row;
  row.call_sid = sid;
  row.status = "ringing";
  batch.calls.push_back(row);
  return batch;
}

write_batch turn_batch(const std::string& sid, int64_t seq) {
  write_batch batch = call_batch(sid);
  turn_row turn;
  turn.call_sid = sid;
  turn.seq = seq;
  turn.role = "user";
  turn.content = "hello";
  turn.created_at = "2026-01-01T00:00:01.000Z";
  batch.turns.push_back(turn);
  return batch;
}

} // namespace

TEST_CASE_METHOD(actor_fixture, "writes queued together are committed in "
                                "one flush", "[store]") {
  std::vector<request_result_ptr<bool>> answers;
  for (auto sid : {"CA1", "CA2", "CA3"})
    answers.push_back(
      request_from_test<bool>(store_, persist_atom::value, call_batch(sid)));
  // A reader looking after every step never sees part of the burst: all
  // three land in one transaction.
  std::set<int64_t> seen;
  while (sched_.try_run_once())
    seen.insert(rows("calls"));
  CHECK(seen == std::set<int64_t>{0, 3});
  for (auto& answer : answers) {
    REQUIRE(answer->value);
    CHECK(*answer->value);
  }
  CHECK(rows("events") == 3);
}

TEST_CASE_METHOD(actor_fixture, "a batch breaking UNIQUE(call_sid, seq) fails "
                                "alone", "[store]") {
  auto first = request_from_test<bool>(store_, persist_atom::value,
                                       turn_batch("CA1", 1));
  auto duplicate = request_from_test<bool>(store_, persist_atom::value,
                                           turn_batch("CA1", 1));
  auto other = request_from_test<bool>(store_, persist_atom::value,
                                       call_batch("CA2"));
  sched_.run();
  REQUIRE(first->value);
  CHECK(*first->value);
  REQUIRE(other->value);
  CHECK(*other->value);
  CHECK_FALSE(duplicate->value);
  CHECK(has_code(duplicate->error, errc::storage_failed));
  // The failed batch is all or nothing: its event is not stored either.
  CHECK(rows("turns") == 1);
  CHECK(rows("events") == 2);
  CHECK(stored("CA2").call.status == "ringing");
}

TEST_CASE_METHOD(actor_fixture, "loading an unknown call answers not_found",
                 "[store]") {
  auto load = request_from_test<stored_call>(store_, load_atom::value,
                                             std::string{"CA404"});
  sched_.run();
  REQUIRE(load->answered());
  CHECK_FALSE(load->value);
  CHECK(has_code(load->error, errc::not_found));
}

TEST_CASE_METHOD(actor_fixture, "a load sees writes sent before it",
                 "[store]") {
  request_from_test<bool>(store_, persist_atom::value, turn_batch("CA1", 1));
  auto load = request_from_test<stored_call>(store_, load_atom::value,
                                             std::string{"CA1"});
  sched_.run();
  REQUIRE(load->value);
  CHECK(load->value->call.status == "ringing");
  CHECK(load->value->turns.size() == 1);
}

TEST_CASE_METHOD(actor_fixture, "writes queued at shutdown are committed",
                 "[store]") {
  auto a = request_from_test<bool>(store_, persist_atom::value,
                                   call_batch("CA1"));
  auto b = request_from_test<bool>(store_, persist_atom::value,
                                   call_batch("CA2"));
  // Run just the two writers: their writes wait in the store's mailbox,
  // and the exit lands behind them, before the store's own flush.
  REQUIRE(sched_.try_run_once());
  REQUIRE(sched_.try_run_once());
  caf::anon_send_exit(store_, caf::exit_reason::user_shutdown);
  sched_.run();
  CHECK(rows("calls") == 2);
  REQUIRE(a->value);
  CHECK(*a->value);
  REQUIRE(b->value);
  CHECK(*b->value);
}
