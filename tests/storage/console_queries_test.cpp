// Tests for storage/console_queries: the call list's filters, aggregates
// and keyset pages, the KPI strip and percentiles, one call's detail,
// transcript search through FTS5 (migration 6 included) and the hourly
// statistics. Every test writes its calls through sb::database into a
// real file, so the schema, upserts and triggers are the shipped ones.
#include "storage/console_queries.hpp"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <sqlite3.h>

#include "core/error.hpp"
#include "storage/database.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using sb::call_filter;
using sb::test::temp_dir;
using sids = std::vector<std::string>;

struct fixture {
  temp_dir dir;
  std::unique_ptr<sb::database> db;

  fixture() {
    auto opened = sb::database::open(dir.file("switchboard.db"));
    REQUIRE(opened);
    db = std::move(*opened);
  }

  void write(const sb::write_batch& batch) {
    auto err = db->write(batch);
    INFO(sb::what(err));
    REQUIRE_FALSE(err);
  }

  sb::call_page page(const call_filter& f, const sb::call_cursor& after = {},
                     int limit = 100) {
    auto got = sb::list_calls(db->handle(), f, after, limit);
    INFO((got ? std::string{} : sb::what(got.error())));
    REQUIRE(got);
    return std::move(*got);
  }

  sids listed(const call_filter& f) {
    sids result;
    for (auto& s : page(f).calls)
      result.push_back(s.call.call_sid);
    return result;
  }

  std::vector<sb::search_hit> search(const std::string& q,
                                     const call_filter& f = {}) {
    auto got = sb::search_turns(db->handle(), q, f, 20);
    INFO(q << ": " << (got ? std::string{} : sb::what(got.error())));
    REQUIRE(got);
    return std::move(*got);
  }
};

sb::call_row make_call(const std::string& sid, const std::string& started_at,
                       const std::string& direction = "inbound",
                       const std::string& status = "completed",
                       const std::string& transport = "gather") {
  sb::call_row c;
  c.call_sid = sid;
  c.direction = direction;
  c.from_number = direction == "inbound" ? "+15551230001" : "+15550000001";
  c.to_number = direction == "inbound" ? "+15550000001" : "+15551230001";
  c.status = status;
  c.started_at = started_at;
  c.transport = transport;
  if (status != "in-progress")
    c.ended_at = started_at;
  return c;
}

sb::turn_row make_turn(const std::string& sid, int64_t seq,
                       const std::string& content,
                       std::optional<int64_t> latency = std::nullopt) {
  sb::turn_row t;
  t.call_sid = sid;
  t.seq = seq;
  t.role = seq % 2 == 1 ? "user" : "assistant";
  t.content = content;
  t.created_at = "2026-11-01T10:00:0" + std::to_string(seq % 10) + ".000Z";
  t.latency_ms = latency;
  return t;
}

// Six calls, each differing from the others in one filterable way.
void write_filter_set(fixture& f) {
  sb::write_batch b;
  b.calls = {
    make_call("CA1", "2026-11-01T09:00:00.000Z"),
    make_call("CA2", "2026-11-01T10:00:00.000Z", "outbound-api"),
    make_call("CA3", "2026-11-01T11:00:00.000Z", "outbound-dial", "busy"),
    make_call("CA4", "2026-11-02T09:00:00.000Z", "inbound", "in-progress",
              "media"),
    make_call("CA5", "2026-11-02T10:00:00.000Z", "inbound", "completed",
              "relay"),
    make_call("CA6", "2026-11-03T00:00:00.000Z", "inbound", "no-answer", ""),
  };
  b.calls[4].from_number = "+447700900123";
  f.write(b);
}

} // namespace

TEST_CASE("each filter narrows the list to the calls it names",
          "[console_queries]") {
  fixture f;
  write_filter_set(f);
  CHECK(f.listed({}) == sids{"CA6", "CA5", "CA4", "CA3", "CA2", "CA1"});
  call_filter by;
  by.since = "2026-11-02";
  CHECK(f.listed(by) == sids{"CA6", "CA5", "CA4"});
  by = {};
  // until excludes its own second, though stored times carry milliseconds.
  by.until = "2026-11-01T11:00:00Z";
  CHECK(f.listed(by) == sids{"CA2", "CA1"});
  by.since = "2026-11-01T10:00:00Z";
  CHECK(f.listed(by) == sids{"CA2"});
  by = {};
  by.direction = "outbound";
  CHECK(f.listed(by) == sids{"CA3", "CA2"});
  by.direction = "inbound";
  CHECK(f.listed(by) == sids{"CA6", "CA5", "CA4", "CA1"});
  by = {};
  by.status = "busy";
  CHECK(f.listed(by) == sids{"CA3"});
  by.status = "live";
  CHECK(f.listed(by) == sids{"CA4"});
  by = {};
  by.number = "7700900";
  CHECK(f.listed(by) == sids{"CA5"});
  by.number = "+1555123";
  CHECK(f.listed(by) == sids{"CA6", "CA4", "CA3", "CA2", "CA1"});
  by = {};
  by.transport = "media";
  CHECK(f.listed(by) == sids{"CA4"});
  by.transport = "relay";
  by.since = "2026-11-03";
  CHECK(f.listed(by).empty());
}

TEST_CASE("filter values are data, never SQL", "[console_queries]") {
  fixture f;
  write_filter_set(f);
  call_filter by;
  by.number = "' OR 1=1 --";
  CHECK(f.listed(by).empty());
  by = {};
  by.status = "completed' OR '1'='1";
  CHECK(f.listed(by).empty());
}

TEST_CASE("a list row carries its turns, latencies and interruptions",
          "[console_queries]") {
  fixture f;
  sb::write_batch b;
  b.calls = {make_call("CA1", "2026-11-01T09:00:00.000Z"),
             make_call("CA2", "2026-11-01T10:00:00.000Z")};
  b.turns = {make_turn("CA1", 1, "hello"), make_turn("CA1", 2, "hi", 400),
             make_turn("CA1", 3, "order"), make_turn("CA1", 4, "ok", 901),
             make_turn("CA1", 5, "bye"),   make_turn("CA1", 6, "b", 600)};
  b.turns[3].interrupted = true;
  f.write(b);
  auto rows = f.page({}).calls;
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].call.call_sid == "CA2");
  CHECK(rows[0].turns == 0);
  CHECK_FALSE(rows[0].latency_mean_ms);
  CHECK_FALSE(rows[0].latency_max_ms);
  CHECK(rows[1].turns == 6);
  CHECK(rows[1].latency_mean_ms == 634); // 1901 / 3, rounded
  CHECK(rows[1].latency_max_ms == 901);
  CHECK(rows[1].interruptions == 1);
  CHECK(rows[1].call.transport == "gather");
}

TEST_CASE("keyset pages cover every call once, newest first, through ties",
          "[console_queries]") {
  fixture f;
  sb::write_batch b;
  // 23 calls on 5 distinct start times: most pages end inside a tie.
  for (int i = 0; i < 23; ++i)
    b.calls.push_back(
      make_call("CA" + std::to_string(100 + i),
                "2026-11-01T1" + std::to_string(i % 5) + ":00:00.000Z"));
  f.write(b);
  std::vector<std::pair<std::string, std::string>> seen;
  sb::call_cursor after;
  int pages = 0;
  do {
    auto p = f.page({}, after, 4);
    CHECK(p.calls.size() <= 4);
    for (auto& s : p.calls)
      seen.emplace_back(s.call.started_at, s.call.call_sid);
    after = p.next;
    REQUIRE(++pages < 10);
  } while (!after.empty());
  CHECK(pages == 6);
  REQUIRE(seen.size() == 23);
  CHECK(std::set<std::pair<std::string, std::string>>(seen.begin(), seen.end())
          .size()
        == 23);
  CHECK(std::is_sorted(seen.rbegin(), seen.rend()));
  // A page that fills exactly to the end says there is no next one.
  auto all = f.page({}, {}, 23);
  CHECK(all.calls.size() == 23);
  CHECK(all.next.empty());
  CHECK_FALSE(sb::list_calls(f.db->handle(), {}, {}, 0));
}

TEST_CASE("percentiles are nearest-rank", "[console_queries]") {
  std::vector<int64_t> none;
  CHECK_FALSE(sb::percentile(none, 50));
  std::vector<int64_t> ten{10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
  CHECK(sb::percentile(ten, 50) == 5);
  CHECK(sb::percentile(ten, 95) == 10);
  CHECK(sb::percentile(ten, 90) == 9);
  CHECK(sb::percentile(ten, 0) == 1);
  CHECK(sb::percentile(ten, 100) == 10);
  std::vector<int64_t> one{42};
  CHECK(sb::percentile(one, 95) == 42);
}

TEST_CASE("the KPI strip counts the filtered calls", "[console_queries]") {
  fixture f;
  write_filter_set(f);
  sb::write_batch b;
  for (int64_t seq = 2; seq <= 40; seq += 2) // latencies 100, 200, ... 2000
    b.turns.push_back(make_turn("CA1", seq, "reply", seq * 50));
  b.turns.push_back(make_turn("CA4", 2, "reply", 5000));
  b.calls = {make_call("CA1", "2026-11-01T09:00:00.000Z"),
             make_call("CA2", "2026-11-01T10:00:00.000Z", "outbound-api")};
  b.calls[0].duration_s = 30;
  b.calls[1].duration_s = 60;
  f.write(b);
  auto kpis = sb::count_calls(f.db->handle(), {});
  REQUIRE(kpis);
  CHECK(kpis->calls == 6);
  CHECK(kpis->answered == 4); // completed x3 and in-progress
  CHECK(kpis->mean_duration_s == Approx(45.0));
  CHECK(kpis->live_now == 1);
  CHECK(kpis->latency_p50_ms == 1100); // 21 values: the 11th
  CHECK(kpis->latency_p95_ms == 2000); // the 20th
  call_filter by;
  by.transport = "gather";
  by.until = "2026-11-01T10:00:00Z";
  kpis = sb::count_calls(f.db->handle(), by);
  REQUIRE(kpis);
  CHECK(kpis->calls == 1);
  CHECK(kpis->live_now == 0);
  CHECK(kpis->latency_p50_ms == 1000); // 20 values: the 10th
  CHECK(kpis->latency_p95_ms == 1900);
  by.since = "2027-01-01";
  kpis = sb::count_calls(f.db->handle(), by);
  REQUIRE(kpis);
  CHECK(kpis->calls == 0);
  CHECK_FALSE(kpis->mean_duration_s);
  CHECK_FALSE(kpis->latency_p50_ms);
}

TEST_CASE("a call's detail has its turns, recordings, events in order and "
          "its neighbours",
          "[console_queries]") {
  fixture f;
  write_filter_set(f);
  sb::write_batch b;
  b.turns = {make_turn("CA2", 1, "hello"), make_turn("CA2", 2, "hi", 300)};
  b.recordings.push_back({"RE2", "CA2", "https://api.twilio.com/RE2",
                          "completed", 12, 1, "2026-11-01T10:01:00.000Z"});
  // Arrival order, not received_at order, is the timeline's.
  b.events = {{"CA2", "outbound", "2026-11-01T10:00:05.000Z", "{\"n\":1}"},
              {"CA1", "inbound", "2026-11-01T09:00:00.000Z", "{}"},
              {"CA2", "call-status", "2026-11-01T10:00:01.000Z", "{\"n\":2}"}};
  f.write(b);
  auto got = sb::load_call_detail(f.db->handle(), "CA2");
  REQUIRE(got);
  REQUIRE(*got);
  auto& d = **got;
  CHECK(d.stored.call.direction == "outbound-api");
  REQUIRE(d.stored.turns.size() == 2);
  CHECK(d.stored.turns[1].latency_ms == 300);
  REQUIRE(d.recordings.size() == 1);
  CHECK(d.recordings[0].duration_s == 12);
  REQUIRE(d.events.size() == 2);
  CHECK(d.events[0].kind == "outbound");
  CHECK(d.events[1].kind == "call-status");
  CHECK(d.events[1].payload == "{\"n\":2}");
  REQUIRE(d.event_ids.size() == 2);
  CHECK(d.event_ids[0] < d.event_ids[1]);
  CHECK(d.prev_call_sid == "CA1");
  CHECK(d.next_call_sid == "CA3");
  auto newest = sb::load_call_detail(f.db->handle(), "CA6");
  REQUIRE(newest);
  REQUIRE(*newest);
  CHECK((*newest)->prev_call_sid == "CA5");
  CHECK((*newest)->next_call_sid.empty());
  auto oldest = sb::load_call_detail(f.db->handle(), "CA1");
  REQUIRE(oldest);
  REQUIRE(*oldest);
  CHECK((*oldest)->prev_call_sid.empty());
  auto unknown = sb::load_call_detail(f.db->handle(), "CA404");
  REQUIRE(unknown);
  CHECK_FALSE(*unknown);
}

namespace {

void write_search_set(fixture& f) {
  sb::write_batch b;
  b.calls = {make_call("CA1", "2026-11-01T09:00:00.000Z"),
             make_call("CA2", "2026-11-01T10:00:00.000Z", "inbound",
                       "completed", "media")};
  b.turns = {make_turn("CA1", 1, "please ship it to xylophonequartz street"),
             make_turn("CA1", 2, "Shipping to your street today."),
             make_turn("CA2", 1, "Où est ma commande? Déjà partie?"),
             make_turn("CA2", 2, "Your parcel shipped on Monday.")};
  f.write(b);
}

std::vector<std::pair<std::string, int64_t>>
where(const std::vector<sb::search_hit>& hits) {
  std::vector<std::pair<std::string, int64_t>> result;
  for (auto& h : hits)
    result.emplace_back(h.call.call_sid, h.seq);
  std::sort(result.begin(), result.end());
  return result;
}

} // namespace

TEST_CASE("search finds a unique word and cuts the match out of the text",
          "[console_queries]") {
  fixture f;
  write_search_set(f);
  auto hits = f.search("xylophonequartz");
  REQUIRE(hits.size() == 1);
  CHECK(hits[0].call.call_sid == "CA1");
  CHECK(hits[0].call.transport == "gather");
  CHECK(hits[0].seq == 1);
  CHECK(hits[0].role == "user");
  CHECK(hits[0].snippet
        == std::vector<std::string>{"please ship it to ", "xylophonequartz",
                                    " street"});
  // Words are prefixes, case and accents aside, and all are required.
  CHECK(where(f.search("ship")) == where(f.search("SHIP")));
  CHECK(where(f.search("ship"))
        == decltype(where(hits)){{"CA1", 1}, {"CA1", 2}, {"CA2", 2}});
  CHECK(where(f.search("ship street"))
        == decltype(where(hits)){{"CA1", 1}, {"CA1", 2}});
  CHECK(where(f.search("deja")) == decltype(where(hits)){{"CA2", 1}});
  call_filter media;
  media.transport = "media";
  CHECK(where(f.search("ship", media)) == decltype(where(hits)){{"CA2", 2}});
}

TEST_CASE("FTS5 syntax in the user's text is taken literally",
          "[console_queries]") {
  fixture f;
  write_search_set(f);
  for (auto q :
       {"\"ship", "ship*", "NEAR(ship street)", "-ship", "content:ship",
        "ship OR", "ship AND NOT", "sh\"ip", "(ship", "^ship"}) {
    auto got = sb::search_turns(f.db->handle(), q, {}, 20);
    INFO(q);
    CHECK(got);
  }
  // "NEAR(" is a word here: no turn says "near".
  CHECK(f.search("NEAR( ship").empty());
  CHECK(f.search("ship -").size() == 3);
  CHECK(where(f.search("xylophone*: street"))
        == decltype(where(f.search("x"))){{"CA1", 1}});
  for (auto q : {"", "   ", "\"", "* - :", "()"}) {
    auto got = sb::search_turns(f.db->handle(), q, {}, 20);
    INFO(q);
    REQUIRE_FALSE(got);
    CHECK(sb::has_code(got.error(), sb::errc::bad_request));
  }
}

TEST_CASE("without the full-text index, a plain match finds the text as "
          "typed, wildcards taken literally",
          "[console_queries]") {
  fixture f;
  write_search_set(f);
  sb::write_batch b;
  b.turns = {make_turn("CA1", 3, "that is 100% right, order_id 7")};
  f.write(b);
  auto indexed = sb::has_transcript_index(f.db->handle());
  REQUIRE(indexed);
  CHECK(*indexed);
  for (auto sql :
       {"DROP TRIGGER turns_fts_insert", "DROP TRIGGER turns_fts_delete",
        "DROP TRIGGER turns_fts_update", "DROP TABLE turns_fts"})
    REQUIRE(sqlite3_exec(f.db->handle(), sql, nullptr, nullptr, nullptr)
            == SQLITE_OK);
  indexed = sb::has_transcript_index(f.db->handle());
  REQUIRE(indexed);
  CHECK_FALSE(*indexed);
  auto match = [&f](const std::string& text, const call_filter& by = {}) {
    auto got = sb::match_turns(f.db->handle(), text, by, 20);
    INFO(text << ": " << (got ? std::string{} : sb::what(got.error())));
    REQUIRE(got);
    return std::move(*got);
  };
  auto hits = match("XYLOPHONEquartz street");
  REQUIRE(hits.size() == 1);
  CHECK(hits[0].call.call_sid == "CA1");
  CHECK(hits[0].seq == 1);
  CHECK(hits[0].snippet
        == std::vector<std::string>{"please ship it to ",
                                    "xylophonequartz street", ""});
  // Newest turn first, and a part of a word matches too.
  CHECK(where(match("hip"))
        == decltype(where(hits)){{"CA1", 1}, {"CA1", 2}, {"CA2", 2}});
  CHECK(match("hip")[0].call.call_sid == "CA2");
  call_filter media;
  media.transport = "media";
  CHECK(where(match("hip", media)) == decltype(where(hits)){{"CA2", 2}});
  CHECK(match("100%").size() == 1);
  CHECK(match("1_0").empty());
  CHECK(match("order_id").size() == 1);
  CHECK(match("r%r").empty());
  CHECK(match("\\").empty());
  auto empty = sb::match_turns(f.db->handle(), "", {}, 20);
  REQUIRE_FALSE(empty);
  CHECK(sb::has_code(empty.error(), sb::errc::bad_request));
}

TEST_CASE("a trimmed turn is found by its new words only",
          "[console_queries]") {
  fixture f;
  write_search_set(f);
  REQUIRE(f.search("monday").size() == 1);
  // The relay transport writes the reply again with what the caller heard.
  sb::write_batch b;
  auto trimmed = make_turn("CA2", 2, "Your parcel shipped", 500);
  trimmed.interrupted = true;
  b.turns.push_back(trimmed);
  f.write(b);
  CHECK(f.search("monday").empty());
  CHECK(where(f.search("parcel"))
        == decltype(where(f.search("x"))){{"CA2", 2}});
  // Written again unchanged: still found once.
  f.write(b);
  CHECK(f.search("parcel").size() == 1);
}

TEST_CASE("a version-5 file keeps its rows and its old turns become "
          "searchable",
          "[console_queries]") {
  temp_dir dir;
  auto path = dir.file("switchboard.db");
  {
    auto db = sb::database::open(path);
    REQUIRE(db);
  }
  // Back to what version 5 left, then rows written by a version-5 binary.
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &raw) == SQLITE_OK);
  auto rc = sqlite3_exec(
    raw,
    "DROP TRIGGER turns_tool_calls_delete; DROP TABLE tool_calls;"
    "DROP TRIGGER turns_fts_insert; DROP TRIGGER turns_fts_delete;"
    "DROP TRIGGER turns_fts_update; DROP TABLE turns_fts;"
    "DROP INDEX calls_started_sid; DROP INDEX calls_live;"
    "ALTER TABLE calls DROP COLUMN transport;"
    "CREATE INDEX calls_started_at ON calls (started_at);"
    "INSERT INTO calls (call_sid, status, started_at) VALUES"
    " ('CA1', 'completed', '2026-11-01T09:00:00.000Z');"
    "INSERT INTO turns (call_sid, seq, role, content, created_at) VALUES"
    " ('CA1', 1, 'user', 'where is my marmalade', '2026-11-01T09:00:01Z');"
    "PRAGMA user_version = 5;",
    nullptr, nullptr, nullptr);
  sqlite3_close(raw);
  REQUIRE(rc == SQLITE_OK);
  auto db = sb::database::open(path);
  REQUIRE(db);
  auto stored = (*db)->load_call("CA1");
  REQUIRE(stored);
  REQUIRE(*stored);
  CHECK((*stored)->call.transport.empty());
  REQUIRE((*stored)->turns.size() == 1);
  auto hits = sb::search_turns((*db)->handle(), "marmal", {}, 20);
  REQUIRE(hits);
  REQUIRE(hits->size() == 1);
  CHECK((*hits)[0].seq == 1);
  // And the list still pages it.
  auto page = sb::list_calls((*db)->handle(), {}, {}, 10);
  REQUIRE(page);
  REQUIRE(page->calls.size() == 1);
  CHECK(page->calls[0].turns == 1);
}

TEST_CASE("hourly statistics count calls and latencies per hour and "
          "transport",
          "[console_queries]") {
  fixture f;
  sb::write_batch b;
  b.calls = {make_call("CA1", "2026-11-01T09:05:00.000Z"),
             make_call("CA2", "2026-11-01T09:55:00.000Z"),
             make_call("CA3", "2026-11-01T09:30:00.000Z", "inbound",
                       "completed", "media"),
             make_call("CA4", "2026-11-01T11:00:00.000Z"),
             make_call("CA5", "2026-11-01T12:00:00.000Z")};
  b.turns = {make_turn("CA1", 2, "a", 100), make_turn("CA1", 4, "b", 300),
             make_turn("CA2", 2, "c", 200), make_turn("CA2", 1, "user"),
             make_turn("CA3", 2, "d", 900)};
  f.write(b);
  call_filter range;
  range.since = "2026-11-01T09:00:00Z";
  range.until = "2026-11-01T12:00:00Z";
  auto got = sb::hourly_stats(f.db->handle(), range);
  REQUIRE(got);
  REQUIRE(got->size() == 3);
  auto& gather9 = (*got)[0];
  CHECK(gather9.hour == "2026-11-01T09:00:00Z");
  CHECK(gather9.transport == "gather");
  CHECK(gather9.calls == 2);
  CHECK(gather9.turns == 3);
  CHECK(gather9.latency_p50_ms == 200);
  CHECK(gather9.latency_p95_ms == 300);
  CHECK((*got)[1].transport == "media");
  CHECK((*got)[1].calls == 1);
  CHECK((*got)[1].latency_p50_ms == 900);
  CHECK((*got)[2].hour == "2026-11-01T11:00:00Z");
  CHECK((*got)[2].calls == 1);
  CHECK((*got)[2].turns == 0);
  CHECK_FALSE((*got)[2].latency_p50_ms);
}
