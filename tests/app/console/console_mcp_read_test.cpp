// The MCP tools' way into the database inside the daemon
// (app/console/console_mcp: console_mcp_read): a job runs on the console
// reader's thread with its read-only connection, and a job the reader
// cannot take (its queue is full) is not lost: it is called at once with a
// null connection, so the tool answers "cannot read now" instead of never.
// On a real database file made by sb::database.
#include <future>
#include <thread>

#include <catch2/catch.hpp>
#include <sqlite3.h>

#include "app/console/console_mcp.hpp"
#include "core/error.hpp"
#include "storage/console_reader.hpp"
#include "storage/database.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using namespace std::chrono_literals;
using sb::test::temp_dir;

std::shared_ptr<sb::console_reader> reader_on(const temp_dir& dir,
                                              size_t max_queued) {
  auto path = dir.file("switchboard.db");
  REQUIRE(sb::database::open(path));
  auto reader = sb::console_reader::open(path, max_queued);
  INFO((reader ? std::string{} : sb::what(reader.error())));
  REQUIRE(reader);
  return std::move(*reader);
}

} // namespace

TEST_CASE("an MCP read runs on the reader's thread with its connection",
          "[console_mcp]") {
  temp_dir dir;
  auto read = sb::console_mcp_read(reader_on(dir, 4));
  std::promise<std::pair<std::thread::id, bool>> ran;
  read([&ran](sqlite3* db) {
    ran.set_value({std::this_thread::get_id(), db != nullptr});
  });
  auto [thread, had_db] = ran.get_future().get();
  CHECK(thread != std::this_thread::get_id());
  CHECK(had_db);
}

TEST_CASE("an MCP read the full reader cannot queue is answered with no "
          "connection at once",
          "[console_mcp]") {
  temp_dir dir;
  auto reader = reader_on(dir, 1);
  auto read = sb::console_mcp_read(reader);
  // One job holds the reader's thread, a second fills its queue of one.
  std::promise<void> started;
  std::promise<void> release;
  auto released = release.get_future().share();
  REQUIRE(reader->submit([&started, released](sqlite3*) {
    started.set_value();
    released.wait();
  }));
  started.get_future().wait();
  std::promise<void> queued_ran;
  REQUIRE(reader->submit([&queued_ran](sqlite3*) { queued_ran.set_value(); }));

  // The third: called here, on this thread, before read() returns.
  bool called = false;
  bool got_db = true;
  std::thread::id on;
  read([&](sqlite3* db) {
    called = true;
    got_db = db != nullptr;
    on = std::this_thread::get_id();
  });
  CHECK(called);
  CHECK_FALSE(got_db);
  CHECK(on == std::this_thread::get_id());

  release.set_value();
  queued_ran.get_future().wait();
  // Once the queue drained, reads get the connection again.
  std::promise<bool> later;
  read([&later](sqlite3* db) { later.set_value(db != nullptr); });
  CHECK(later.get_future().get());
}
