// Tests for cli/sim/sim_db_check: the load run's "lost turns" count, against a
// real database file written with storage/database as the daemon writes
// it: complete calls, a missing user turn, a missing answer, repeated
// words, and files that are not the daemon's database at all.
#include "cli/sim/sim_db_check.hpp"

#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include <catch2/catch.hpp>

#include "storage/database.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using sb::test::temp_dir;

sb::turn_row turn(const std::string& sid, int64_t seq, const char* role,
                  const std::string& content) {
  sb::turn_row t;
  t.call_sid = sid;
  t.seq = seq;
  t.role = role;
  t.content = content;
  t.created_at = "2026-11-25T09:00:00.000Z";
  return t;
}

// CA1: hello/answer, help/answer. CA2: hello/answer, hello (no answer).
// CA3: one user turn "मुझे मदद चाहिए" with its answer.
struct turns_db {
  temp_dir dir;
  std::string path = dir.file("switchboard.db");
  turns_db() {
    auto db = sb::database::open(path);
    REQUIRE(db);
    sb::write_batch b;
    b.turns = {
      turn("CA1", 1, "user", "hello"),  turn("CA1", 2, "assistant", "Hi"),
      turn("CA1", 3, "user", "help"),   turn("CA1", 4, "assistant", "Sure"),
      turn("CA2", 1, "user", "hello"),  turn("CA2", 2, "assistant", "Hi"),
      turn("CA2", 3, "user", "hello"),  turn("CA3", 1, "user", "मुझे मदद चाहिए"),
      turn("CA3", 2, "assistant", "जी")};
    REQUIRE_FALSE((*db)->write(b));
  }
};

} // namespace

TEST_CASE("every sent turn found: nothing lost", "[sim_db_check]") {
  turns_db db;
  auto r = sb::check_turns(db.path, {{"CA1", {"hello", "help"}},
                                     {"CA3", {"मुझे मदद चाहिए"}}});
  CHECK(r.error.empty());
  CHECK(r.expected == 6);
  CHECK(r.lost == 0);
  CHECK(r.examples.empty());
}

TEST_CASE("a missing answer and a repeated phrase stored once are lost",
          "[sim_db_check]") {
  turns_db db;
  // CA2 said "hello" twice: both user rows are there, one answer is not.
  auto r = sb::check_turns(db.path, {{"CA2", {"hello", "hello"}}});
  CHECK(r.lost == 1);
  REQUIRE(r.examples.size() == 1);
  CHECK(r.examples[0] == "CA2: 1 assistant turn(s)");
  // A third "hello" was never stored: its user row and answer are lost.
  r = sb::check_turns(db.path, {{"CA2", {"hello", "hello", "hello"}}});
  CHECK(r.lost == 3);
}

TEST_CASE("words must match exactly, for that call", "[sim_db_check]") {
  turns_db db;
  auto r = sb::check_turns(db.path,
                           {{"CA1", {"Hello", "help"}}, {"CA9", {"hello"}}});
  CHECK(r.expected == 6);
  CHECK(r.lost == 3); // CA1's "Hello"; CA9's user turn and its answer
  REQUIRE(r.examples.size() == 3);
  CHECK(r.examples[0] == "CA1: user turn \"Hello\"");
}

TEST_CASE("a file that is not the daemon's database loses everything",
          "[sim_db_check]") {
  temp_dir dir;
  auto empty = dir.file("empty.db");
  std::ofstream{empty}.flush();
  auto r = sb::check_turns(empty, {{"CA1", {"hello", "help"}}});
  CHECK(r.lost == 4);
  CHECK(r.error.find("no such table: turns") != std::string::npos);

  r = sb::check_turns(dir.file("missing.db"), {{"CA1", {"hello"}}});
  CHECK(r.lost == 2);
  CHECK(r.error.find(dir.file("missing.db")) == 0);
  // Read-only: checking never creates the file.
  CHECK_FALSE(std::filesystem::exists(dir.file("missing.db")));
}

TEST_CASE("no calls: nothing expected, nothing lost", "[sim_db_check]") {
  turns_db db;
  auto r = sb::check_turns(db.path, {});
  CHECK(r.expected == 0);
  CHECK(r.lost == 0);
  CHECK(r.error.empty());
}
