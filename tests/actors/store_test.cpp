// Tests of the store actor: group commit of writes queued together, a bad
// batch failing alone, loads (unknown calls, pending writes, a reply's
// tool calls), the final flush on shutdown, and outages (a full database:
// writes kept in order, answered at once, retried; a full queue; refused
// data), and what reaches the live feed (committed batches only, in
// order). Writers are short-lived actors, so several writes can sit in the
// store's mailbox before it runs; what is on disk is read through a second
// connection after every scheduler step where it matters.
#include <set>
#include <string>
#include <vector>

#include <rapidjson/document.h>
#include <sqlite3.h>

#include "actor_fixture.hpp"
#include "core/error.hpp"
#include "core/metrics.hpp"
#include "storage/live_feed.hpp"
#include "tests/support/tool_call_rows.hpp"

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

write_batch turn_batch(const std::string& sid, int64_t seq,
                       const std::string& role = "user") {
  write_batch batch = call_batch(sid);
  turn_row turn;
  turn.call_sid = sid;
  turn.seq = seq;
  turn.role = role;
  turn.content = "hello";
  turn.created_at = "2026-01-01T00:00:01.000Z";
  batch.turns.push_back(turn);
  return batch;
}

} // namespace

TEST_CASE_METHOD(actor_fixture,
                 "writes queued together are committed in "
                 "one flush",
                 "[store]") {
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

// A turn written again with its (call_sid, seq) updates the row (a relay
// reply trimmed to what the caller heard); a turn the schema refuses
// (a role that is neither user nor assistant) fails its batch.
TEST_CASE_METHOD(actor_fixture,
                 "a batch breaking a CHECK constraint fails "
                 "alone",
                 "[store]") {
  auto first = request_from_test<bool>(store_, persist_atom::value,
                                       turn_batch("CA1", 1));
  auto duplicate = request_from_test<bool>(store_, persist_atom::value,
                                           turn_batch("CA1", 2, "system"));
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

namespace {

tool_call_row tool_call(int64_t idx, std::string name, int64_t ms) {
  return test::answered_call(idx, 1, std::move(name), R"({"order_id":"A123"})",
                             "Order A123 shipped", ms);
}

std::vector<std::string> tool_names(const turn_row& t) {
  std::vector<std::string> names;
  for (const auto& c : t.tool_calls)
    names.push_back(c.name);
  return names;
}

} // namespace

TEST_CASE_METHOD(actor_fixture,
                 "a reply's tool calls are stored with it, loaded before "
                 "and after the commit, and replaced when it is written "
                 "again",
                 "[store]") {
  using names = std::vector<std::string>;
  auto reply = turn_batch("CA1", 2, "assistant");
  reply.turns[0].tool_calls = {tool_call(1, "lookup_order", 42),
                               tool_call(2, "track_parcel", 80)};
  request_from_test<bool>(store_, persist_atom::value, reply);
  // Still queued when the load runs: the queue is laid over the file.
  auto early = request_from_test<stored_call>(store_, load_atom::value,
                                              std::string{"CA1"});
  sched_.run();
  REQUIRE(early->value);
  REQUIRE(early->value->turns.size() == 1);
  CHECK(tool_names(early->value->turns[0])
        == names{"lookup_order", "track_parcel"});
  CHECK(tool_names(stored("CA1").turns[0])
        == names{"lookup_order", "track_parcel"});
  CHECK(rows("tool_calls") == 2);

  // Written again with the calls it ended with, then once more without
  // any (as the <Gather> path writes the reply's audio): the first
  // replaces, the second keeps them.
  auto redone = turn_batch("CA1", 2, "assistant");
  redone.turns[0].tool_calls = {tool_call(1, "cancel_order", 15)};
  auto audio = turn_batch("CA1", 2, "assistant");
  audio.turns[0].audio = "0123abcd";
  request_from_test<bool>(store_, persist_atom::value, redone);
  request_from_test<bool>(store_, persist_atom::value, audio);
  auto late = request_from_test<stored_call>(store_, load_atom::value,
                                             std::string{"CA1"});
  sched_.run();
  REQUIRE(late->value);
  CHECK(tool_names(late->value->turns.at(0)) == names{"cancel_order"});
  CHECK(late->value->turns.at(0).audio == "0123abcd");
  CHECK(tool_names(stored("CA1").turns.at(0)) == names{"cancel_order"});
  CHECK(rows("tool_calls") == 1);
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

namespace {

// A store of the test's own on a file of its own, so a test can give it
// limits and fault its connection (a page budget: SQLite's own "disk
// full") without touching the fixture's store.
struct faulty_store {
  store_actor store;
  database* conn = nullptr;       // the store's connection; the store owns it
  std::unique_ptr<database> disk; // a second connection, for checks

  void set_page_budget(int64_t pages) {
    auto sql = "PRAGMA max_page_count = " + std::to_string(pages);
    REQUIRE(sqlite3_exec(conn->handle(), sql.c_str(), nullptr, nullptr, nullptr)
            == SQLITE_OK);
  }

  int64_t pages() {
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(conn->handle(), "PRAGMA page_count", -1, &stmt, nullptr);
    REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
    auto n = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return n;
  }

  int64_t rows(const std::string& table) {
    auto n = disk->count_rows(table);
    REQUIRE(n);
    return *n;
  }
};

write_batch long_turn(const std::string& sid, int64_t seq) {
  auto batch = turn_batch(sid, seq);
  batch.turns[0].content = std::string(3000, 'a' + static_cast<char>(seq % 26));
  return batch;
}

} // namespace

class store_fault_fixture : public actor_fixture {
protected:
  faulty_store make_store(storage_config cfg,
                          std::shared_ptr<live_feed> feed = nullptr) {
    auto path = dir_.file("faulty.db");
    auto db = database::open(path);
    REQUIRE(db);
    faulty_store out;
    out.conn = db->get();
    out.store = track(
      spawn_store(sys_, std::move(*db), cfg, false, std::move(feed)));
    sched_.run();
    auto disk = database::open(path);
    REQUIRE(disk);
    out.disk = std::move(*disk);
    return out;
  }
};

TEST_CASE_METHOD(store_fault_fixture,
                 "a full database keeps every write "
                 "queued, answers at once, and commits "
                 "them in order once there is room",
                 "[store]") {
  auto& m = metrics::daemon();
  auto fs = make_store(storage_config{});
  fs.set_page_budget(fs.pages());
  auto failed_before = m.storage_failed_commits.value();
  auto errors_before = m.storage_errors.value();
  std::vector<request_result_ptr<bool>> answers;
  for (int64_t seq = 1; seq <= 3; ++seq)
    answers.push_back(request_from_test<bool>(fs.store, persist_atom::value,
                                              long_turn("CA1", seq)));
  sched_.run();
  for (auto& a : answers) {
    REQUIRE(a->answered());
    CHECK(has_code(a->error, errc::storage_failed));
    CHECK_THAT(what(a->error),
               Catch::Contains("kept for retry") && Catch::Contains("full"));
  }
  CHECK(fs.rows("turns") == 0);
  CHECK(m.storage_healthy.value() == 0);
  CHECK(m.storage_pending_writes.value() == 3);
  CHECK(m.storage_failed_commits.value() == failed_before + 1);
  CHECK(m.storage_errors.value() == errors_before + 3);

  // A write during the outage is answered without waiting for a retry.
  auto later = request_from_test<bool>(fs.store, persist_atom::value,
                                       long_turn("CA1", 4));
  sched_.run();
  CHECK(later->answered());
  // A rebuild meanwhile still sees every turn, from the queue.
  auto load = request_from_test<stored_call>(fs.store, load_atom::value,
                                             std::string{"CA1"});
  sched_.run();
  REQUIRE(load->value);
  CHECK(load->value->call.status == "ringing");
  REQUIRE(load->value->turns.size() == 4);
  CHECK(load->value->turns[3].seq == 4);

  // Retries back off while the disk stays full…
  sched_.advance_time(std::chrono::milliseconds(200));
  sched_.run();
  CHECK(m.storage_failed_commits.value() == failed_before + 2);
  CHECK(fs.rows("turns") == 0);
  // …and the next one after room appears commits everything, in order.
  fs.set_page_budget(1073741823);
  sched_.advance_time(std::chrono::milliseconds(400));
  sched_.run();
  CHECK(fs.rows("turns") == 4);
  CHECK(fs.rows("events") == 4);
  auto turns = fs.disk->load_call("CA1");
  REQUIRE(turns);
  REQUIRE(turns->has_value());
  for (size_t i = 0; i < 4; ++i)
    CHECK((*turns)->turns[i].seq == static_cast<int64_t>(i + 1));
  CHECK(m.storage_healthy.value() == 1);
  CHECK(m.storage_pending_writes.value() == 0);
  // Healthy again: a new write is answered true once committed.
  auto after = request_from_test<bool>(fs.store, persist_atom::value,
                                       call_batch("CA2"));
  sched_.run();
  REQUIRE(after->value);
  CHECK(*after->value);
}

TEST_CASE_METHOD(store_fault_fixture,
                 "past max_pending_writes a write is "
                 "dropped and counted, never silently",
                 "[store]") {
  auto& dropped = metrics::daemon().storage_dropped_writes;
  auto full_before = dropped.with({"queue_full"}).value();
  storage_config cfg;
  cfg.max_pending_writes = 2;
  auto fs = make_store(cfg);
  fs.set_page_budget(fs.pages());
  auto a = request_from_test<bool>(fs.store, persist_atom::value,
                                   long_turn("CA1", 1));
  auto b = request_from_test<bool>(fs.store, persist_atom::value,
                                   long_turn("CA1", 2));
  sched_.run();
  auto c = request_from_test<bool>(fs.store, persist_atom::value,
                                   long_turn("CA1", 3));
  sched_.run();
  REQUIRE(c->answered());
  CHECK_THAT(what(c->error), Catch::Contains("write dropped")
                               && Catch::Contains("max_pending_writes"));
  CHECK(dropped.with({"queue_full"}).value() == full_before + 1);
  fs.set_page_budget(1073741823);
  sched_.advance_time(std::chrono::seconds(2));
  sched_.run();
  CHECK(fs.rows("turns") == 2);
}

TEST_CASE_METHOD(store_fault_fixture,
                 "a batch SQLite refuses does not block "
                 "the queue behind it",
                 "[store]") {
  auto& dropped = metrics::daemon().storage_dropped_writes;
  auto refused_before = dropped.with({"refused"}).value();
  auto fs = make_store(storage_config{});
  auto first = request_from_test<bool>(fs.store, persist_atom::value,
                                       turn_batch("CA1", 1));
  auto bad = request_from_test<bool>(fs.store, persist_atom::value,
                                     turn_batch("CA1", 3, "system"));
  auto next = request_from_test<bool>(fs.store, persist_atom::value,
                                      turn_batch("CA1", 2));
  sched_.run();
  REQUIRE(first->value);
  REQUIRE(next->value);
  CHECK(has_code(bad->error, errc::storage_failed));
  CHECK_THAT(what(bad->error), Catch::Contains("CHECK"));
  CHECK(dropped.with({"refused"}).value() == refused_before + 1);
  CHECK(metrics::daemon().storage_healthy.value() == 1);
  CHECK(fs.rows("turns") == 2);
}

TEST_CASE_METHOD(store_fault_fixture,
                 "while the disk is full a call still "
                 "answers Twilio at once, and its write "
                 "is kept and committed later",
                 "[store]") {
  auto fs = make_store(storage_config{});
  fs.set_page_budget(fs.pages());
  stored_call fresh;
  fresh.call.call_sid = "CA1";
  auto call = track(spawn_call(sys_,
                               call_deps{fs.store,
                                         spawn_llm(llm_mode::answer),
                                         spawn_stub_twilio(),
                                         spawn_ingress_stub(),
                                         cfg_,
                                         {},
                                         {},
                                         {}},
                               std::move(fresh)));
  // Far more than the pages the file has to spare, in the event log row.
  auto ev = inbound_event("CA1");
  ev.raw.emplace_back("CallerName", std::string(64 * 1024, 'a'));
  auto out = send_webhook(call, std::move(ev));
  sched_.run();
  REQUIRE(out->fired());
  CHECK(out->value->action == reply_action::listen);
  CHECK(fs.rows("events") == 0);
  auto& m = metrics::daemon();
  auto failed = m.storage_failed_commits.value();
  fs.set_page_budget(1073741823);
  sched_.advance_time(std::chrono::milliseconds(200));
  sched_.run();
  INFO("failed commits since: " << m.storage_failed_commits.value() - failed);
  CHECK(fs.rows("events") == 1);
}

TEST_CASE_METHOD(store_fault_fixture,
                 "while the disk is full a rebuilt call sees a "
                 "reply's timings written after it, kept through "
                 "a barge-in",
                 "[store]") {
  auto fs = make_store(storage_config{});
  fs.set_page_budget(fs.pages());
  // More than a page: the full file cannot take it.
  const std::string words(64 * 1024, 'r');
  auto reply = turn_batch("CA1", 2, "assistant");
  reply.turns[0].content = words;
  request_from_test<bool>(fs.store, persist_atom::value, reply);
  // The gap is known once the reply's first audio frame has gone out,
  // after the reply was stored.
  auto timed = turn_batch("CA1", 2, "assistant");
  timed.turns[0].content = words;
  timed.turns[0].eot_wait_ms = 600;
  timed.turns[0].stt_tail_ms = 140;
  timed.turns[0].tts_first_audio_ms = 20;
  timed.turns[0].turn_gap_ms = 812;
  request_from_test<bool>(fs.store, persist_atom::value, timed);
  // Then the caller talked over it: only the words heard are new.
  auto trimmed = turn_batch("CA1", 2, "assistant");
  trimmed.turns[0].content = "Your order";
  trimmed.turns[0].interrupted = true;
  request_from_test<bool>(fs.store, persist_atom::value, trimmed);
  sched_.run();
  REQUIRE(fs.rows("turns") == 0);
  auto load = request_from_test<stored_call>(fs.store, load_atom::value,
                                             std::string{"CA1"});
  sched_.run();
  REQUIRE(load->value);
  REQUIRE(load->value->turns.size() == 1);
  const auto& t = load->value->turns[0];
  CHECK(t.content == "Your order");
  CHECK(t.interrupted);
  CHECK(t.eot_wait_ms == 600);
  CHECK(t.stt_tail_ms == 140);
  CHECK(t.tts_first_audio_ms == 20);
  CHECK(t.turn_gap_ms == 812);
}

namespace {

// What the store published, as "type sid[/seq]" lines in order. The
// lines are shared with the subscriber, which the store's feed may
// outlive this object by.
struct feed_log {
  std::shared_ptr<live_feed> feed = std::make_shared<live_feed>();
  std::shared_ptr<std::vector<std::string>> lines =
    std::make_shared<std::vector<std::string>>();

  feed_log() {
    feed->subscribe(std::nullopt, [lines = lines](const live_event& e) {
      rapidjson::Document doc;
      doc.Parse(e.data.data(), e.data.size());
      auto line = e.type + " " + doc["call_sid"].GetString();
      if (doc.HasMember("seq"))
        line += "/" + std::to_string(doc["seq"].GetInt64());
      lines->push_back(line);
      return true;
    });
  }
};

} // namespace

TEST_CASE_METHOD(store_fault_fixture,
                 "committed batches reach the live feed in order, and "
                 "only once they are on disk",
                 "[store]") {
  feed_log log;
  auto fs = make_store(storage_config{}, log.feed);
  request_from_test<bool>(fs.store, persist_atom::value, turn_batch("CA1", 1));
  request_from_test<bool>(fs.store, persist_atom::value, call_batch("CA2"));
  // After every step: whatever the feed shows is already committed.
  while (sched_.try_run_once())
    if (!log.lines->empty())
      REQUIRE(fs.rows("calls") == 2);
  CHECK(*log.lines
        == std::vector<std::string>{"call CA1", "turn CA1/1", "call CA2"});
}

TEST_CASE_METHOD(store_fault_fixture,
                 "a refused batch, or one waiting out a full disk, is "
                 "not published",
                 "[store]") {
  feed_log log;
  auto fs = make_store(storage_config{}, log.feed);
  request_from_test<bool>(fs.store, persist_atom::value, turn_batch("CA1", 1));
  request_from_test<bool>(fs.store, persist_atom::value,
                          turn_batch("CA1", 3, "system"));
  request_from_test<bool>(fs.store, persist_atom::value, turn_batch("CA1", 2));
  sched_.run();
  CHECK(*log.lines
        == std::vector<std::string>{"call CA1", "turn CA1/1", "call CA1",
                                    "turn CA1/2"});
  log.lines->clear();
  fs.set_page_budget(fs.pages());
  // More than the pages already there have room for.
  auto big = turn_batch("CA1", 4);
  big.turns[0].content = std::string(64 * 1024, 'b');
  request_from_test<bool>(fs.store, persist_atom::value, big);
  sched_.run();
  REQUIRE(fs.rows("turns") == 2);
  CHECK(log.lines->empty());
  // Published once the retry commits it.
  fs.set_page_budget(1073741823);
  sched_.advance_time(std::chrono::milliseconds(200));
  sched_.run();
  CHECK(*log.lines == std::vector<std::string>{"call CA1", "turn CA1/4"});
}
