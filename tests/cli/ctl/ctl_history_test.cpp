// Tests for cli/ctl/ctl_history and the history/transcript commands: a real
// database file written with storage/database (as the daemon writes it),
// read back read-only through each filter, and the errors of a missing or
// foreign file. run_ctl is driven in-process, as the binary would be.
#include "cli/ctl/ctl_history.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <rapidjson/document.h>
#include <sqlite3.h>

#include "cli/ctl/ctl_run.hpp"
#include "core/error.hpp"
#include "storage/database.hpp"
#include "tests/support/ctl_in_process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/tool_call_rows.hpp"

namespace {

using sb::test::ctl_in_process;
using sb::test::temp_dir;

sb::call_row call(const std::string& sid, const std::string& from,
                  const std::string& started) {
  sb::call_row c;
  c.call_sid = sid;
  c.direction = "inbound";
  c.from_number = from;
  c.to_number = "+14155550199";
  c.status = "completed";
  c.language = "hi-IN";
  c.voice = "Polly.Aditi";
  c.started_at = started;
  c.answered_at = started;
  c.ended_at = "2026-11-25T23:59:00.000Z";
  c.duration_s = 61;
  c.end_reason = "caller-hangup";
  return c;
}

sb::turn_row turn(const std::string& sid, int64_t seq, const char* role,
                  const char* content, const char* at) {
  sb::turn_row t;
  t.call_sid = sid;
  t.seq = seq;
  t.role = role;
  t.content = content;
  t.created_at = at;
  if (t.role == "user")
    t.confidence = 0.5;
  else
    t.latency_ms = 840;
  return t;
}

// Three calls on two days; CA2 has a conversation.
struct history_db {
  temp_dir dir;
  std::string path = dir.file("switchboard.db");

  history_db() {
    auto db = sb::database::open(path);
    REQUIRE(db);
    sb::write_batch batch;
    batch.calls.push_back(
      call("CA1", "+14155550100", "2026-11-24T10:00:00.000Z"));
    batch.calls.push_back(
      call("CA2", "+919876543210", "2026-11-25T09:00:00.000Z"));
    batch.calls.push_back(
      call("CA3", "+14155550100", "2026-11-25T12:30:00.500Z"));
    batch.turns.push_back(
      turn("CA2", 1, "user", "hello", "2026-11-25T09:00:05.000Z"));
    batch.turns.push_back(
      turn("CA2", 2, "assistant", "Namaste!", "2026-11-25T09:00:06.000Z"));
    REQUIRE_FALSE((*db)->write(batch));
  }
};

// The call SIDs of a history result, in order.
std::vector<std::string> sids(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  REQUIRE(doc.IsObject());
  std::vector<std::string> out;
  for (const auto& c : doc["calls"].GetArray())
    out.emplace_back(c["call_sid"].GetString());
  return out;
}

// What transcript --json prints for `sid`, parsed.
rapidjson::Document transcript_json(const std::string& path,
                                    const std::string& sid) {
  auto json = sb::read_transcript(path, sid);
  INFO((json ? std::string() : sb::what(json.error())));
  REQUIRE(json);
  REQUIRE(*json);
  rapidjson::Document doc;
  doc.Parse((*json)->c_str());
  REQUIRE(doc.IsObject());
  return doc;
}

std::vector<std::string> history(const std::string& path,
                                 sb::history_filter filter) {
  auto json = sb::read_history(path, filter);
  INFO((json ? std::string() : sb::what(json.error())));
  REQUIRE(json);
  return sids(*json);
}

} // namespace

TEST_CASE_METHOD(history_db,
                 "ctl_history: newest first, each filter, the "
                 "limit",
                 "[ctl_history]") {
  using v = std::vector<std::string>;
  CHECK(history(path, {}) == v{"CA3", "CA2", "CA1"});
  CHECK(history(path, {"2026-11-25", "", 50}) == v{"CA3", "CA2"});
  CHECK(history(path, {"2026-11-25T12:30:00", "", 50}) == v{"CA3"});
  CHECK(history(path, {"2026-11-25T12:30:01", "", 50}).empty());
  CHECK(history(path, {"", "+14155550100", 50}) == v{"CA3", "CA1"});
  CHECK(history(path, {"", "+14155550199", 50}) == v{"CA3", "CA2", "CA1"});
  CHECK(history(path, {"2026-11-25", "+14155550100", 50}) == v{"CA3"});
  CHECK(history(path, {"", "", 2}) == v{"CA3", "CA2"});
}

TEST_CASE_METHOD(history_db,
                 "ctl_history: filters are bound, never spliced "
                 "into the SQL",
                 "[ctl_history]") {
  CHECK(history(path, {"", "' OR 1=1 --", 50}).empty());
  CHECK(history(path, {"'", "", 50}).size() == 3);
  CHECK(std::string(sb::history_sql).find("?1") != std::string::npos);
}

TEST_CASE_METHOD(history_db,
                 "ctl_history: rows carry counts and unknowns "
                 "as null",
                 "[ctl_history]") {
  auto json = sb::read_history(path, {"", "", 1});
  REQUIRE(json);
  rapidjson::Document doc;
  doc.Parse(json->c_str());
  const auto& c = doc["calls"][0];
  CHECK(std::string(c["call_sid"].GetString()) == "CA3");
  CHECK(c["turns"].GetInt() == 0);
  CHECK(c["duration_s"].GetInt() == 61);
  CHECK(std::string(c["end_reason"].GetString()) == "caller-hangup");
  CHECK(history(path, {"", "+919876543210", 5})
        == std::vector<std::string>{"CA2"});
  auto two = sb::read_history(path, {"", "+919876543210", 5});
  REQUIRE(two);
  doc.Parse(two->c_str());
  CHECK(doc["calls"][0]["turns"].GetInt() == 2);
}

TEST_CASE_METHOD(history_db,
                 "ctl_history: a transcript is the session "
                 "object",
                 "[ctl_history]") {
  auto doc = transcript_json(path, "CA2");
  CHECK(std::string(doc["start_time"].GetString())
        == "2026-11-25T09:00:00.000Z");
  CHECK(doc["answered_by"].IsNull());
  const auto& turns = doc["conversation_history"];
  REQUIRE(turns.Size() == 2);
  CHECK(std::string(turns[0]["role"].GetString()) == "user");
  CHECK(std::string(turns[0]["timestamp"].GetString())
        == "2026-11-25T09:00:05.000Z");
  CHECK(turns[0]["confidence"].GetDouble() == Approx(0.5));
  CHECK_FALSE(turns[0].HasMember("latency_ms"));
  CHECK(turns[1]["latency_ms"].GetInt() == 840);
  auto none = sb::read_transcript(path, "CA404");
  REQUIRE(none);
  CHECK_FALSE(*none);
}

TEST_CASE_METHOD(history_db,
                 "ctl_history: switchboardctl history and "
                 "transcript print tables and conversations",
                 "[ctl_history]") {
  auto h = ctl_in_process({"history", "--db", path, "--since", "2026-11-25"});
  CHECK(h.rc == 0);
  CHECK(h.err.empty());
  CHECK(h.out.rfind("STARTED (UTC)        CALL SID", 0) == 0);
  CHECK(h.out.find("2026-11-25 12:30:00  CA3") != std::string::npos);
  CHECK(h.out.find("CA1") == std::string::npos);
  auto j = ctl_in_process({"history", "--db", path, "--json", "--limit", "1"});
  CHECK(j.rc == 0);
  CHECK(sids(j.out) == std::vector<std::string>{"CA3"});
  auto t = ctl_in_process({"transcript", "CA2", "--db", path});
  CHECK(t.rc == 0);
  CHECK(t.out.find("09:00:05 caller: hello  (confidence 0.5)\n"
                   "09:00:06 assistant: Namaste!  (840 ms)\n")
        != std::string::npos);
  auto missing = ctl_in_process({"transcript", "CA404", "--db", path});
  CHECK(missing.rc == 1);
  CHECK(missing.err == "switchboardctl: no call CA404 in " + path + "\n");
}

TEST_CASE_METHOD(history_db,
                 "ctl_history: the database path comes from "
                 "--config's storage.path",
                 "[ctl_history]") {
  const auto config = dir.file("config.toml");
  std::ofstream(config) << "[storage]\npath = \"" << path << "\"\n";
  auto h = ctl_in_process({"history", "--config", config, "--json"});
  INFO(h.err);
  CHECK(h.rc == 0);
  CHECK(sids(h.out).size() == 3);
  const auto bad = dir.file("bad.toml");
  std::ofstream(bad) << "[storage]\nnope = 1\n";
  auto b = ctl_in_process({"history", "--config", bad});
  CHECK(b.rc == 2);
  CHECK(b.err.find("nope") != std::string::npos);
}

TEST_CASE_METHOD(history_db, "ctl_history: reading never writes the file",
                 "[ctl_history]") {
  struct stat before {};
  REQUIRE(::stat(path.c_str(), &before) == 0);
  REQUIRE(::chmod(path.c_str(), 0444) == 0);
  CHECK(ctl_in_process({"history", "--db", path}).rc == 0);
  CHECK(ctl_in_process({"transcript", "CA2", "--db", path}).rc == 0);
  struct stat after {};
  REQUIRE(::stat(path.c_str(), &after) == 0);
  CHECK(after.st_size == before.st_size);
  CHECK(after.st_mtime == before.st_mtime);
}

TEST_CASE("ctl_history: a missing or foreign file is a database error",
          "[ctl_history]") {
  temp_dir dir;
  const auto missing = dir.file("none.db");
  auto m = sb::read_history(missing, {});
  REQUIRE_FALSE(m);
  CHECK(sb::has_code(m.error(), sb::errc::storage_failed));
  CHECK(sb::what(m.error()).rfind(missing + ": ", 0) == 0);
  CHECK_FALSE(std::filesystem::exists(missing));
  auto r = ctl_in_process({"history", "--db", missing});
  CHECK(r.rc == 4);
  CHECK(r.err.rfind("switchboardctl: " + missing, 0) == 0);
  const auto text = dir.file("notes.txt");
  std::ofstream(text) << "not a database, just some words\n";
  CHECK(ctl_in_process({"transcript", "CA1", "--db", text}).rc == 4);
  // SQLite reads an empty file as an empty database: it has no tables.
  const auto empty = dir.file("empty.db");
  std::ofstream{empty};
  auto e = ctl_in_process({"history", "--db", empty});
  CHECK(e.rc == 4);
  CHECK(e.err.find("no such table") != std::string::npos);
}

TEST_CASE("ctl_history: an interrupted reply is marked in the transcript",
          "[ctl_history]") {
  temp_dir dir;
  const auto path = dir.file("switchboard.db");
  {
    auto db = sb::database::open(path);
    REQUIRE(db);
    sb::write_batch batch;
    batch.calls.push_back(
      call("CA9", "+14155550100", "2026-11-25T09:00:00.000Z"));
    batch.turns.push_back(
      turn("CA9", 1, "user", "where is my order", "2026-11-25T09:00:05.000Z"));
    batch.turns.push_back(turn("CA9", 2, "assistant",
                               "Your order ships on Monday and",
                               "2026-11-25T09:00:06.000Z"));
    batch.turns.back().interrupted = true;
    batch.turns.push_back(
      turn("CA9", 3, "user", "thanks", "2026-11-25T09:00:07.000Z"));
    batch.turns.push_back(
      turn("CA9", 4, "assistant", "Goodbye!", "2026-11-25T09:00:08.000Z"));
    REQUIRE_FALSE((*db)->write(batch));
  }
  auto t = ctl_in_process({"transcript", "CA9", "--db", path});
  CHECK(t.rc == 0);
  INFO(t.out);
  CHECK(t.out.find("09:00:05 caller: where is my order  (confidence 0.5)\n"
                   "09:00:06 assistant: Your order ships on Monday and "
                   "[interrupted]  (840 ms)\n"
                   "09:00:07 caller: thanks  (confidence 0.5)\n"
                   "09:00:08 assistant: Goodbye!  (840 ms)\n")
        != std::string::npos);
  // --json: the flag as a boolean on the interrupted turn only.
  auto doc = transcript_json(path, "CA9");
  const auto& turns = doc["conversation_history"];
  REQUIRE(turns.Size() == 4);
  REQUIRE(turns[1].HasMember("interrupted"));
  CHECK(turns[1]["interrupted"].IsBool());
  CHECK(turns[1]["interrupted"].GetBool());
  CHECK(std::string(turns[1]["content"].GetString())
        == "Your order ships on Monday and [interrupted]");
  for (int i : {0, 2, 3})
    CHECK_FALSE(turns[i].HasMember("interrupted"));
}

TEST_CASE("ctl_history: a file of schema 2 still reads", "[ctl_history]") {
  // switchboardctl may be newer than the daemon that last opened the file;
  // it reads only and so cannot migrate it.
  history_db h;
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(h.path.c_str(), &db) == SQLITE_OK);
  for (const char* sql :
       {"ALTER TABLE turns DROP COLUMN first_token_ms",
        "ALTER TABLE turns DROP COLUMN interrupted", "PRAGMA user_version = 2"})
    CHECK(sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  auto t = ctl_in_process({"transcript", "CA2", "--db", h.path});
  INFO(t.err);
  CHECK(t.rc == 0);
  CHECK(t.out.find("09:00:05 caller: hello  (confidence 0.5)\n"
                   "09:00:06 assistant: Namaste!  (840 ms)\n")
        != std::string::npos);
  CHECK(ctl_in_process({"history", "--db", h.path}).rc == 0);
}

namespace {

// A media call: the caller's recorded utterance, a reply with every part
// of its gap, one the caller talked over before its audio went out (no
// gap), and a reply of the relay transport (first token only).
struct media_db {
  temp_dir dir;
  std::string path = dir.file("switchboard.db");

  media_db() {
    auto db = sb::database::open(path);
    REQUIRE(db);
    sb::write_batch batch;
    batch.calls.push_back(
      call("CA7", "+14155550100", "2026-11-25T09:00:00.000Z"));
    auto heard = turn("CA7", 1, "user", "where is my order",
                      "2026-11-25T09:00:05.000Z");
    heard.audio = "/var/lib/switchboard/audio/CA7-1.wav";
    batch.turns.push_back(heard);
    auto reply = turn("CA7", 2, "assistant", "It ships on Monday.",
                      "2026-11-25T09:00:06.000Z");
    reply.first_token_ms = 52;
    reply.eot_wait_ms = 600;
    reply.stt_tail_ms = 140;
    reply.tts_first_audio_ms = 20;
    reply.turn_gap_ms = 812;
    batch.turns.push_back(reply);
    batch.turns.push_back(
      turn("CA7", 3, "user", "and the", "2026-11-25T09:00:08.000Z"));
    auto cut = turn("CA7", 4, "assistant", "", "2026-11-25T09:00:09.000Z");
    cut.eot_wait_ms = 610;
    cut.stt_tail_ms = 150;
    cut.interrupted = true;
    batch.turns.push_back(cut);
    batch.turns.push_back(
      turn("CA7", 5, "user", "bye", "2026-11-25T09:00:10.000Z"));
    auto relay = turn("CA7", 6, "assistant", "Goodbye!",
                      "2026-11-25T09:00:11.000Z");
    relay.first_token_ms = 180;
    batch.turns.push_back(relay);
    REQUIRE_FALSE((*db)->write(batch));
  }
};

} // namespace

TEST_CASE_METHOD(media_db,
                 "ctl_history: a media call's transcript shows each "
                 "reply's gap and the caller's audio",
                 "[ctl_history]") {
  auto t = ctl_in_process({"transcript", "CA7", "--db", path});
  INFO(t.err);
  CHECK(t.rc == 0);
  INFO(t.out);
  CHECK(t.out.find("09:00:05 caller: where is my order  (confidence 0.5)"
                   "  [audio /var/lib/switchboard/audio/CA7-1.wav]\n"
                   "09:00:06 assistant: It ships on Monday.  (840 ms)"
                   "  [gap 812 ms = eot 600 + stt 140 + model 52 + tts 20]\n"
                   "09:00:08 caller: and the  (confidence 0.5)\n"
                   "09:00:09 assistant:  [interrupted]  (840 ms)"
                   "  [eot 610 + stt 150 ms]\n"
                   "09:00:10 caller: bye  (confidence 0.5)\n"
                   "09:00:11 assistant: Goodbye!  (840 ms)\n")
        != std::string::npos);
  // --json: the timings as numbers where measured, absent elsewhere.
  auto doc = transcript_json(path, "CA7");
  const auto& turns = doc["conversation_history"];
  REQUIRE(turns.Size() == 6);
  CHECK(std::string(turns[0]["audio"].GetString())
        == "/var/lib/switchboard/audio/CA7-1.wav");
  CHECK(turns[1]["turn_gap_ms"].GetInt() == 812);
  CHECK(turns[1]["eot_wait_ms"].GetInt() == 600);
  CHECK(turns[1]["stt_tail_ms"].GetInt() == 140);
  CHECK(turns[1]["tts_first_audio_ms"].GetInt() == 20);
  CHECK(turns[1]["first_token_ms"].GetInt() == 52);
  CHECK_FALSE(turns[1].HasMember("audio"));
  CHECK_FALSE(turns[3].HasMember("turn_gap_ms"));
  CHECK(turns[3]["interrupted"].GetBool());
  CHECK_FALSE(turns[5].HasMember("eot_wait_ms"));
  CHECK(turns[5]["first_token_ms"].GetInt() == 180);
}

TEST_CASE("ctl_history: a file of schema 4 still reads, with its audio "
          "paths",
          "[ctl_history]") {
  media_db m;
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(m.path.c_str(), &db) == SQLITE_OK);
  for (const char* sql :
       {"ALTER TABLE turns DROP COLUMN eot_wait_ms",
        "ALTER TABLE turns DROP COLUMN stt_tail_ms",
        "ALTER TABLE turns DROP COLUMN tts_first_audio_ms",
        "ALTER TABLE turns DROP COLUMN turn_gap_ms", "PRAGMA user_version = 4"})
    CHECK(sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  auto t = ctl_in_process({"transcript", "CA7", "--db", m.path});
  INFO(t.err);
  CHECK(t.rc == 0);
  INFO(t.out);
  CHECK(t.out.find("09:00:05 caller: where is my order  (confidence 0.5)"
                   "  [audio /var/lib/switchboard/audio/CA7-1.wav]\n"
                   "09:00:06 assistant: It ships on Monday.  (840 ms)\n"
                   "09:00:08 caller: and the  (confidence 0.5)\n"
                   "09:00:09 assistant:  [interrupted]  (840 ms)\n")
        != std::string::npos);
}

namespace {

// A call whose first reply called two tools (the second failed, its
// arguments not JSON) and whose second called none.
struct tools_db {
  temp_dir dir;
  std::string path = dir.file("switchboard.db");

  tools_db() {
    auto db = sb::database::open(path);
    REQUIRE(db);
    sb::write_batch batch;
    batch.calls.push_back(
      call("CA8", "+14155550100", "2026-11-25T09:00:00.000Z"));
    batch.turns.push_back(turn("CA8", 1, "user", "where is order A123",
                               "2026-11-25T09:00:05.000Z"));
    auto reply = turn("CA8", 2, "assistant", "It shipped on Monday.",
                      "2026-11-25T09:00:06.000Z");
    reply.tool_calls = {
      sb::test::answered_call(1, 1, "lookup_order", R"({"order_id":"A123"})",
                              "Order A123 shipped\non Monday", 42),
      sb::test::failed_call(2, 1, "track_parcel",
                            "{\"id\":", "timed out after 3000 ms", 3001)};
    batch.turns.push_back(reply);
    batch.turns.push_back(
      turn("CA8", 3, "user", "thanks", "2026-11-25T09:00:08.000Z"));
    batch.turns.push_back(
      turn("CA8", 4, "assistant", "Goodbye!", "2026-11-25T09:00:09.000Z"));
    REQUIRE_FALSE((*db)->write(batch));
  }
};

} // namespace

TEST_CASE_METHOD(tools_db,
                 "ctl_history: a transcript prints each reply's tool calls "
                 "under it",
                 "[ctl_history]") {
  auto t = ctl_in_process({"transcript", "CA8", "--db", path});
  INFO(t.err);
  CHECK(t.rc == 0);
  INFO(t.out);
  CHECK(t.out.find(
          "09:00:05 caller: where is order A123  (confidence 0.5)\n"
          "09:00:06 assistant: It shipped on Monday.  (840 ms)\n"
          "    [tool] lookup_order {\"order_id\":\"A123\"}"
          " -> Order A123 shipped\\non Monday (42 ms)\n"
          "    [tool] track_parcel {\"id\": -> error: timed out after 3000 ms"
          " (3001 ms)\n"
          "09:00:08 caller: thanks  (confidence 0.5)\n"
          "09:00:09 assistant: Goodbye!  (840 ms)\n")
        != std::string::npos);
  // --json: as GET /session has them, on the reply that made them only.
  auto doc = transcript_json(path, "CA8");
  const auto& turns = doc["conversation_history"];
  REQUIRE(turns.Size() == 4);
  for (int i : {0, 2, 3}) {
    CHECK_FALSE(turns[i].HasMember("tool_calls"));
    CHECK_FALSE(turns[i].HasMember("seq"));
  }
  const auto& calls = turns[1]["tool_calls"];
  REQUIRE(calls.Size() == 2);
  CHECK(calls[0]["idx"].GetInt() == 1);
  CHECK(std::string(calls[0]["server"].GetString()) == "orders");
  CHECK(std::string(calls[0]["arguments"]["order_id"].GetString()) == "A123");
  CHECK(calls[0]["error"].IsNull());
  CHECK(std::string(calls[1]["arguments"].GetString()) == "{\"id\":");
  CHECK(calls[1]["result"].IsNull());
  CHECK(std::string(calls[1]["error"].GetString())
        == "timed out after 3000 ms");
  CHECK(calls[1]["ms"].GetInt() == 3001);
}

TEST_CASE("ctl_history: a file of schema 6 reads, with no tool calls",
          "[ctl_history]") {
  tools_db h;
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(h.path.c_str(), &db) == SQLITE_OK);
  for (const char* sql : {"DROP TRIGGER turns_tool_calls_delete",
                          "DROP TABLE tool_calls", "PRAGMA user_version = 6"})
    CHECK(sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  auto t = ctl_in_process({"transcript", "CA8", "--db", h.path});
  INFO(t.err);
  CHECK(t.rc == 0);
  INFO(t.out);
  CHECK(t.out.find("09:00:06 assistant: It shipped on Monday.  (840 ms)\n"
                   "09:00:08 caller: thanks")
        != std::string::npos);
  CHECK(t.out.find("[tool]") == std::string::npos);
}
