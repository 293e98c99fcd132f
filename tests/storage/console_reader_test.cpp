// Tests for storage/console_reader: jobs run on the reader's own thread
// with a connection that cannot write, a full queue refuses instead of
// growing, and jobs still queued at shutdown are answered with a null
// connection. Each test works on a real database file made by
// sb::database in its own temporary directory.
#include "storage/console_reader.hpp"

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include <catch2/catch.hpp>
#include <sqlite3.h>

#include "core/error.hpp"
#include "storage/database.hpp"
#include "tests/support/poll_until.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using namespace std::chrono_literals;
using sb::console_reader;
using sb::test::temp_dir;

// A migrated database file with one call in it; returns its path.
std::string make_db(const temp_dir& dir) {
  auto path = dir.file("switchboard.db");
  auto db = sb::database::open(path);
  REQUIRE(db);
  sb::write_batch batch;
  sb::call_row call;
  call.call_sid = "CA1";
  call.started_at = "2026-11-01T10:00:00.000Z";
  batch.calls.push_back(call);
  REQUIRE_FALSE((*db)->write(batch));
  return path;
}

std::unique_ptr<console_reader> open_ok(const std::string& path,
                                        size_t max_queued = 256) {
  auto reader = console_reader::open(path, max_queued);
  INFO((reader ? std::string{} : sb::what(reader.error())));
  REQUIRE(reader);
  return std::move(*reader);
}

// A job that holds the reader's thread until open() is called, so a test
// can fill the queue behind it.
struct gate {
  std::promise<void> started;
  std::promise<void> opened;
  std::shared_future<void> open_signal{opened.get_future().share()};

  console_reader::job blocking_job(std::atomic<bool>* got_db = nullptr) {
    return [this, got_db](sqlite3* db) {
      if (got_db)
        *got_db = db != nullptr;
      started.set_value();
      open_signal.wait();
    };
  }

  void open() {
    opened.set_value();
  }
};

} // namespace

TEST_CASE("a job runs on the reader's thread, not the caller's",
          "[console_reader]") {
  temp_dir dir;
  auto reader = open_ok(make_db(dir));
  std::promise<std::pair<std::thread::id, int64_t>> ran;
  REQUIRE(reader->submit([&ran](sqlite3* db) {
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(db, "SELECT count(*) FROM calls", -1, &stmt, nullptr);
    sqlite3_step(stmt);
    auto calls = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    ran.set_value({std::this_thread::get_id(), calls});
  }));
  auto result = ran.get_future();
  REQUIRE(result.wait_for(5s) == std::future_status::ready);
  auto [thread, calls] = result.get();
  CHECK(thread != std::this_thread::get_id());
  CHECK(calls == 1);
}

TEST_CASE("the reader's connection refuses to write", "[console_reader]") {
  temp_dir dir;
  auto path = make_db(dir);
  auto reader = open_ok(path);
  std::promise<int> insert_rc;
  REQUIRE(reader->submit([&insert_rc](sqlite3* db) {
    insert_rc.set_value(
      sqlite3_exec(db, "INSERT INTO calls (call_sid) VALUES ('CA2')", nullptr,
                   nullptr, nullptr));
  }));
  auto rc = insert_rc.get_future();
  REQUIRE(rc.wait_for(5s) == std::future_status::ready);
  CHECK(rc.get() != SQLITE_OK);
  auto db = sb::database::open(path);
  REQUIRE(db);
  CHECK(*(*db)->count_rows("calls") == 1);
}

TEST_CASE("a missing file is refused by name", "[console_reader]") {
  temp_dir dir;
  auto reader = console_reader::open(dir.file("absent.db"));
  REQUIRE_FALSE(reader);
  CHECK(sb::has_code(reader.error(), sb::errc::storage_failed));
  CHECK_THAT(sb::what(reader.error()), Catch::Contains("absent.db"));
}

TEST_CASE("a full queue refuses the next job and never runs it",
          "[console_reader]") {
  temp_dir dir;
  auto reader = open_ok(make_db(dir), 3);
  gate g;
  REQUIRE(reader->submit(g.blocking_job()));
  REQUIRE(g.started.get_future().wait_for(5s) == std::future_status::ready);
  std::atomic<int> ran{0};
  for (int i = 0; i < 3; ++i)
    CHECK(reader->submit([&ran](sqlite3*) { ++ran; }));
  CHECK(reader->queued() == 3);
  std::atomic<bool> refused_ran{false};
  CHECK_FALSE(reader->submit([&refused_ran](sqlite3*) { refused_ran = true; }));
  g.open();
  CHECK(sb::testing::poll_until([&] { return ran == 3; }, 5000ms));
  // Once there is room again, jobs are taken again.
  std::promise<void> later;
  CHECK(reader->submit([&later](sqlite3*) { later.set_value(); }));
  CHECK(later.get_future().wait_for(5s) == std::future_status::ready);
  CHECK_FALSE(refused_ran);
}

TEST_CASE("jobs still queued at shutdown run with a null connection",
          "[console_reader]") {
  temp_dir dir;
  auto reader = open_ok(make_db(dir));
  gate g;
  std::atomic<bool> running_got_db{false};
  REQUIRE(reader->submit(g.blocking_job(&running_got_db)));
  REQUIRE(g.started.get_future().wait_for(5s) == std::future_status::ready);
  std::atomic<int> with_db{0}, without_db{0}, submitted{0};
  auto count = [&](sqlite3* db) { ++(db ? with_db : without_db); };
  for (int i = 0; i < 4; ++i)
    if (reader->submit(count))
      ++submitted;
  // The destructor waits for the running job; until it has begun, jobs
  // are still accepted (and must be answered too).
  auto raw = reader.get();
  std::thread closer{[&reader] { reader.reset(); }};
  CHECK(sb::testing::poll_until(
    [&] {
      if (!raw->submit(count))
        return true;
      ++submitted;
      return false;
    },
    5000ms));
  g.open();
  closer.join();
  CHECK(running_got_db);
  CHECK(with_db == 0);
  CHECK(without_db == submitted);
  CHECK(submitted >= 4);
}
