// Tests for app/console/console_json: the filters, cursor and page size
// read from a URL query (each bad value named by its parameter), the
// latency parts of a turn (clipped, left out, adding up to the total, the
// tool rounds' own), the JSON answers parsed back with RapidJSON (shapes,
// nulls, and hostile transcript text and tool calls coming back byte for
// byte), the CSV export's quoting and formula guard, and the Server-Sent
// Events framing.
#include "app/console/console_json.hpp"

#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "app/console/utc_time.hpp"
#include "core/error.hpp"
#include "tests/support/json_doc.hpp"
#include "tests/support/tool_call_rows.hpp"

using namespace sb;

namespace {

using sb::test::json_str;
using sb::test::keys_of;
using sb::test::parse_json;

// The error text of a filter that must be refused.
std::string refusal(std::string_view query) {
  auto f = parse_call_filter(query);
  INFO(query);
  REQUIRE_FALSE(f);
  CHECK(has_code(f.error(), errc::bad_request));
  return what(f.error());
}

turn_row assistant_turn() {
  turn_row t;
  t.call_sid = "CA1";
  t.seq = 2;
  t.role = "assistant";
  t.content = "Hello";
  return t;
}

std::vector<std::pair<std::string, int64_t>> parts_of(const turn_row& t) {
  std::vector<std::pair<std::string, int64_t>> out;
  for (const auto& p : latency_parts(t).parts)
    out.emplace_back(p.name, p.ms);
  return out;
}

int64_t sum_of(const turn_latency& l) {
  int64_t sum = 0;
  for (const auto& p : l.parts)
    sum += p.ms;
  return sum;
}

call_summary summary(const std::string& sid) {
  call_summary s;
  s.call.call_sid = sid;
  s.call.started_at = "2026-12-01T10:00:00.000Z";
  s.call.direction = "inbound";
  s.call.from_number = "+4930123";
  s.call.status = "completed";
  s.call.duration_s = 61;
  s.turns = 4;
  s.latency_mean_ms = 700;
  s.interruptions = 1;
  return s;
}

// Everything JSON and HTML care about, in one transcript line.
const std::string hostile =
  "<img src=x onerror=alert(1)> \"quoted\" \\ back\nslash\r\ttab \x01\x1f "
  "</script> \xe0\xa4\xa8\xe0\xa4\xae\xe0\xa4\xb8\xe0\xa5\x8d\xe0\xa4\xa4\xe0"
  "\xa5\x87";

} // namespace

TEST_CASE("filters are read from the query, percent-decoded", "[console]") {
  auto f = parse_call_filter("since=2026-12-01&until=2026-12-02T10%3A30Z"
                             "&direction=inbound&status=no-answer"
                             "&number=%2B4930&transport=media&after=x");
  REQUIRE(f);
  // Rewritten to the stored form, so text comparison with started_at holds.
  CHECK(f->since == "2026-12-01T00:00:00.000Z");
  CHECK(f->until == "2026-12-02T10:30:00.000Z");
  CHECK(f->direction == "inbound");
  CHECK(f->status == "no-answer");
  CHECK(f->number == "+4930");
  CHECK(f->transport == "media");
  // A '+' typed into the URL bar decodes to a space: still a plus here.
  auto typed = parse_call_filter("number=+4930&status=live");
  REQUIRE(typed);
  CHECK(typed->number == "+4930");
  CHECK(typed->status == "live");
  // The filter form sends every field, empty ones meaning "any".
  auto empty = parse_call_filter("since=&until=&direction=&status=&number=");
  REQUIRE(empty);
  CHECK(empty->since.empty());
  CHECK(empty->direction.empty());
  auto fraction = parse_call_filter("since=2026-12-01T10:00:05.5Z");
  REQUIRE(fraction);
  CHECK(fraction->since == "2026-12-01T10:00:05.500Z");
  CHECK(query_param("q=caf%C3%A9+au+lait&limit=5", "q") == "café au lait");
  CHECK(query_param("q=%zz", "q").empty());
  CHECK(query_param("limit=5", "q").empty());
}

TEST_CASE("each bad filter value is refused naming its parameter",
          "[console]") {
  CHECK_THAT(refusal("since=yesterday"), Catch::StartsWith("since: "));
  CHECK_THAT(refusal("since=2026-02-30"), Catch::StartsWith("since: "));
  CHECK_THAT(refusal("until=2026-12-01T25:00Z"), Catch::StartsWith("until: "));
  // A local time (no Z) or another zone would be read wrong: refused.
  CHECK_THAT(refusal("until=2026-12-01T10:00"), Catch::StartsWith("until: "));
  CHECK_THAT(refusal("until=2026-12-01T10:00+01:00"),
             Catch::StartsWith("until: "));
  CHECK_THAT(refusal("direction=sideways"), Catch::StartsWith("direction: "));
  CHECK_THAT(refusal("direction=outbound-api"),
             Catch::StartsWith("direction: "));
  CHECK_THAT(refusal("status=dead"), Catch::StartsWith("status: "));
  CHECK_THAT(refusal("number=4930%27%20OR%201"), Catch::StartsWith("number: "));
  CHECK_THAT(refusal("number=" + std::string(33, '1')),
             Catch::StartsWith("number: "));
  CHECK_THAT(refusal("transport=carrier-pigeon"),
             Catch::StartsWith("transport: "));
  CHECK_THAT(refusal("status=%ZZ"), Catch::StartsWith("status: "));
  // Parameters the filter does not read are not its business.
  CHECK(parse_call_filter("q=%ZZ&limit=abc"));
}

TEST_CASE("cursors and page sizes", "[console]") {
  call_cursor c{"2026-12-01T10:00:00.000Z", "CA0123abc"};
  auto text = format_cursor(c);
  CHECK(text == "2026-12-01T10:00:00.000Z|CA0123abc");
  auto back = parse_cursor(text);
  REQUIRE(back);
  CHECK(back->started_at == c.started_at);
  CHECK(back->call_sid == c.call_sid);
  auto none = parse_cursor("");
  REQUIRE(none);
  CHECK(none->empty());
  CHECK(format_cursor(call_cursor{}).empty());
  for (auto bad : {"CA1", "2026-12-01T10:00:00.000Z|", "junk|CA1",
                   "2026-12-01T10:00:00.000Z|CA'1"}) {
    auto refused = parse_cursor(bad);
    INFO(bad);
    REQUIRE_FALSE(refused);
    CHECK_THAT(what(refused.error()), Catch::StartsWith("after: "));
  }
  CHECK(*parse_limit("", 50, 500) == 50);
  CHECK(*parse_limit("500", 50, 500) == 500);
  for (auto bad : {"0", "501", "-1", "ten", "99999999999999"}) {
    auto refused = parse_limit(bad, 50, 500);
    INFO(bad);
    REQUIRE_FALSE(refused);
    CHECK_THAT(what(refused.error()), Catch::StartsWith("limit: "));
  }
}

TEST_CASE("UTC times are read exactly", "[console]") {
  CHECK(parse_utc_ms("1970-01-01") == 0);
  CHECK(parse_utc_ms("2026-11-25T02:30:12.345Z") == 1795573812345LL);
  CHECK(parse_utc_ms("2000-02-29T23:59:59.999Z") == 951868799999LL);
  CHECK(parse_utc_ms("2026-11-25T02:30Z") == 1795573800000LL);
  CHECK_FALSE(parse_utc_ms("2001-02-29"));
  CHECK_FALSE(parse_utc_ms("2026-11-25T02:30:60Z"));
  CHECK_FALSE(parse_utc_ms("2026-11-25 02:30:00Z"));
  CHECK_FALSE(parse_utc_ms("1969-12-31"));
}

TEST_CASE("a gather turn's parts: queue, first token, model, other",
          "[console]") {
  auto t = assistant_turn();
  t.latency_ms = 1000;
  t.queue_ms = 100;
  t.first_token_ms = 300;
  t.llm_ms = 800;
  using parts = std::vector<std::pair<std::string, int64_t>>;
  // model = llm - first token; the unmeasured rest is "other".
  CHECK(
    parts_of(t)
    == parts{
      {"queue", 100}, {"first_token", 300}, {"model", 500}, {"other", 100}});
  CHECK(latency_parts(t).total_ms == 1000);
  // Without a first token the whole model time is "model".
  t.first_token_ms.reset();
  CHECK(parts_of(t) == parts{{"queue", 100}, {"model", 800}, {"other", 100}});
  // Parts over the total are clipped to what is left; no "other".
  t.queue_ms = 400;
  CHECK(parts_of(t) == parts{{"queue", 400}, {"model", 600}});
  // Zero-ms parts are left out; an unmeasured turn is all "other".
  t.queue_ms = 0;
  t.llm_ms.reset();
  CHECK(parts_of(t) == parts{{"other", 1000}});
}

TEST_CASE("a media turn's parts add up to the silence the caller heard",
          "[console]") {
  auto t = assistant_turn();
  t.latency_ms = 400;
  t.turn_gap_ms = 900;
  t.eot_wait_ms = 600;
  t.stt_tail_ms = 140;
  t.first_token_ms = 120;
  t.llm_ms = 300;
  t.tts_first_audio_ms = 200;
  using parts = std::vector<std::pair<std::string, int64_t>>;
  auto l = latency_parts(t);
  CHECK(l.total_ms == 900);
  CHECK(sum_of(l) == 900);
  // 600 + 140 + 120 = 860: the model gets the 40 left, tts nothing.
  CHECK(
    parts_of(t)
    == parts{
      {"eot_wait", 600}, {"stt", 140}, {"first_token", 120}, {"model", 40}});
  // A total of nothing measured: no parts at all.
  t.turn_gap_ms.reset();
  t.latency_ms.reset();
  CHECK(latency_parts(t).total_ms == -1);
  CHECK(latency_parts(t).parts.empty());
  // A user turn has no waterfall.
  auto user = assistant_turn();
  user.role = "user";
  user.latency_ms = 500;
  CHECK(latency_parts(user).parts.empty());
  // A nonsense measurement (llm shorter than its first token) is no part.
  auto odd = assistant_turn();
  odd.latency_ms = 100;
  odd.first_token_ms = 50;
  odd.llm_ms = 20;
  CHECK(parts_of(odd) == parts{{"first_token", 50}, {"other", 50}});
}

namespace {

// A call that answered, or failed with `error`.
tool_call_row tool_call(int64_t idx, int64_t round, int64_t ms,
                        std::string error = {}) {
  const std::string arguments = R"({"order_id":"A123"})";
  if (!error.empty())
    return test::failed_call(idx, round, "lookup_order", arguments,
                             std::move(error), ms);
  return test::answered_call(idx, round, "lookup_order", arguments,
                             "Order A123 shipped", ms);
}

} // namespace

TEST_CASE("tool rounds are a part of their own, beside the model's time, "
          "and the parts still add up",
          "[console]") {
  using parts = std::vector<std::pair<std::string, int64_t>>;
  // <Gather>: no first token. llm_ms is the model's own time over the
  // rounds; the calls ran one after another, so their times add up.
  auto t = assistant_turn();
  t.latency_ms = 2100;
  t.queue_ms = 100;
  t.llm_ms = 1200;
  t.tool_calls = {tool_call(1, 1, 300), tool_call(2, 1, 250, "timed out"),
                  tool_call(3, 2, 100)};
  CHECK(
    parts_of(t)
    == parts{{"queue", 100}, {"tools", 650}, {"model", 1200}, {"other", 150}});
  CHECK(sum_of(latency_parts(t)) == 2100);
  // Streamed: the answer's first token came after the last round, so the
  // rounds are taken out of the wait for it; the model's part is the rest
  // of its own time.
  t.first_token_ms = 950;
  CHECK(parts_of(t)
        == parts{{"queue", 100},
                 {"tools", 650},
                 {"first_token", 300},
                 {"model", 900},
                 {"other", 150}});
  CHECK(sum_of(latency_parts(t)) == 2100);
  // Tools that took longer than everything measured: clipped, never past
  // the total.
  t.tool_calls = {tool_call(1, 1, 5000)};
  auto l = latency_parts(t);
  CHECK(sum_of(l) == 2100);
  CHECK(parts_of(t) == parts{{"queue", 100}, {"tools", 2000}});
  // No tool calls, no tools part.
  t.tool_calls.clear();
  for (const auto& p : latency_parts(t).parts)
    CHECK(p.name != "tools");
}

TEST_CASE("a call's detail carries each reply's tool calls, arguments as "
          "the object, hostile text as it was",
          "[console]") {
  call_detail d;
  d.stored.call.call_sid = "CA1";
  d.stored.call.started_at = "2026-12-01T10:00:00.000Z";
  auto user = assistant_turn();
  user.seq = 1;
  user.role = "user";
  d.stored.turns.push_back(user);
  auto t = assistant_turn();
  t.latency_ms = 900;
  t.llm_ms = 800;
  auto broken = tool_call(2, 1, 3001, hostile);
  broken.arguments = hostile; // not JSON: shown as the text
  t.tool_calls = {tool_call(1, 1, 42), broken};
  t.tool_calls[0].result = hostile;
  d.stored.turns.push_back(t);
  auto doc = parse_json(render_call_detail(d));
  REQUIRE(doc["turns"][0]["tool_calls"].IsArray());
  CHECK(doc["turns"][0]["tool_calls"].Empty());
  const auto& calls = doc["turns"][1]["tool_calls"];
  REQUIRE(calls.Size() == 2);
  CHECK(keys_of(calls[0])
        == std::set<std::string>{"idx", "round", "server", "name", "arguments",
                                 "result", "error", "ms"});
  REQUIRE(calls[0]["arguments"].IsObject());
  CHECK(json_str(calls[0]["arguments"]["order_id"]) == "A123");
  CHECK(json_str(calls[0]["result"]) == hostile);
  CHECK(calls[0]["error"].IsNull());
  CHECK(calls[0]["ms"].GetInt64() == 42);
  CHECK(json_str(calls[1]["arguments"]) == hostile);
  CHECK(calls[1]["result"].IsNull());
  CHECK(json_str(calls[1]["error"]) == hostile);
  CHECK(calls[1]["idx"].GetInt64() == 2);
  // The waterfall has the tools' part, clipped to the reply's total.
  CHECK(json_str(doc["turns"][1]["parts"][0]["name"]) == "tools");
  CHECK(doc["turns"][1]["parts"][0]["ms"].GetInt64() == 900);

  // The live snapshot names them as the live feed's events do.
  auto live = parse_json(render_live({d.stored}, 1));
  const auto& summary_calls = live["calls"][0]["turns"][1]["tool_calls"];
  REQUIRE(summary_calls.Size() == 2);
  CHECK(json_str(summary_calls[1]["error"]) == hostile);
  CHECK_FALSE(summary_calls[1].HasMember("arguments"));
  CHECK(live["calls"][0]["turns"][0]["tool_calls"].Empty());
}

TEST_CASE("the call list has the summary's keys, unknowns as null",
          "[console]") {
  call_page page;
  page.calls.push_back(summary("CA1"));
  page.next = {"2026-12-01T10:00:00.000Z", "CA1"};
  auto doc = parse_json(render_call_page(page));
  REQUIRE(doc["calls"].Size() == 1);
  const auto& row = doc["calls"][0];
  CHECK(keys_of(row)
        == std::set<std::string>{"call_sid", "started_at", "ended_at",
                                 "direction", "from_number", "to_number",
                                 "duration_s", "turns", "latency_mean_ms",
                                 "latency_max_ms", "interruptions", "status",
                                 "end_reason", "transport"});
  CHECK(json_str(row["call_sid"]) == "CA1");
  CHECK(row["ended_at"].IsNull());
  CHECK(row["latency_max_ms"].IsNull());
  CHECK(row["latency_mean_ms"].GetInt64() == 700);
  CHECK(row["turns"].GetInt64() == 4);
  CHECK(json_str(doc["next"]) == "2026-12-01T10:00:00.000Z|CA1");
  CHECK(parse_json(render_call_page(call_page{}))["next"].IsNull());
}

TEST_CASE("the KPI strip: an empty list shares nothing", "[console]") {
  call_kpis k;
  k.calls = 4;
  k.answered = 3;
  k.mean_duration_s = 42.5;
  k.latency_p50_ms = 600;
  k.live_now = 1;
  auto doc = parse_json(render_kpis(k));
  CHECK(doc["answered_share"].GetDouble() == Approx(0.75));
  CHECK(doc["mean_duration_s"].GetDouble() == Approx(42.5));
  CHECK(doc["latency_p95_ms"].IsNull());
  CHECK(doc["live_now"].GetInt64() == 1);
  auto none = parse_json(render_kpis(call_kpis{}));
  CHECK(none["answered_share"].IsNull());
  CHECK(none["mean_duration_s"].IsNull());
}

TEST_CASE("hostile transcript text comes back from every answer as it was",
          "[console]") {
  call_detail d;
  d.stored.call.call_sid = "CA1";
  d.stored.call.started_at = "2026-12-01T10:00:00.000Z";
  d.stored.call.from_number = hostile;
  auto t = assistant_turn();
  t.content = hostile;
  t.created_at = "2026-12-01T10:00:02.250Z";
  t.latency_ms = 900;
  t.audio = "/var/cache/switchboard/tts/abc.wav";
  d.stored.turns.push_back(t);
  event_row ev{"CA1", "inbound", "2026-12-01T10:00:00.100Z",
               "{\"Body\":\"" + std::string("x\\\"y") + "\"}"};
  d.events.push_back(ev);
  d.event_ids.push_back(7);
  d.next_call_sid = "CA2";
  auto doc = parse_json(render_call_detail(d));
  CHECK(json_str(doc["call"]["from_number"]) == hostile);
  CHECK(doc["call"]["ended_at"].IsNull());
  const auto& turn = doc["turns"][0];
  CHECK(json_str(turn["content"]) == hostile);
  CHECK(turn["offset_ms"].GetInt64() == 2250);
  CHECK(turn["total_ms"].GetInt64() == 900);
  CHECK(json_str(turn["parts"][0]["name"]) == "other");
  CHECK(json_str(turn["audio_url"]) == "/api/calls/CA1/turns/2/audio");
  CHECK(turn["confidence"].IsNull());
  CHECK(doc["events"][0]["id"].GetInt64() == 7);
  CHECK(json_str(doc["events"][0]["payload"]) == ev.payload);
  CHECK(doc["prev"].IsNull());
  CHECK(json_str(doc["next"]) == "CA2");

  search_hit hit;
  hit.call = d.stored.call;
  hit.seq = 2;
  hit.role = "assistant";
  hit.snippet = {"before ", hostile, " after"};
  auto found = parse_json(render_search({hit}));
  CHECK(json_str(found["hits"][0]["snippet"][1]) == hostile);
  CHECK(found["hits"][0]["seq"].GetInt64() == 2);

  auto live = parse_json(render_live({d.stored}, 42));
  CHECK(live["last_event_id"].GetUint64() == 42);
  CHECK(json_str(live["calls"][0]["turns"][0]["content"]) == hostile);
  CHECK(json_str(parse_json(render_error(hostile))["error"]) == hostile);
  auto exported = parse_json(render_export_json({summary("CA1")}));
  CHECK(json_str(exported["calls"][0]["from_number"]) == "+4930123");
}

TEST_CASE("the statistics name each hour and transport", "[console]") {
  hourly_stat h;
  h.hour = "2026-12-01T10:00:00Z";
  h.transport = "media";
  h.calls = 3;
  h.turns = 9;
  h.latency_p50_ms = 700;
  auto doc = parse_json(
    render_stats("2026-12-01T00:00:00.000Z", "2026-12-02T00:00:00.000Z", {h}));
  CHECK(json_str(doc["since"]) == "2026-12-01T00:00:00.000Z");
  const auto& cell = doc["hours"][0];
  CHECK(json_str(cell["hour"]) == "2026-12-01T10:00:00Z");
  CHECK(json_str(cell["transport"]) == "media");
  CHECK(cell["calls"].GetInt64() == 3);
  CHECK(cell["latency_p95_ms"].IsNull());
}

TEST_CASE("the CSV export quotes by RFC 4180 and disarms formulas",
          "[console]") {
  auto plain = summary("CA1");
  auto nasty = summary("CA2");
  nasty.call.from_number = "=HYPERLINK(\"http://x\",\"y\")";
  nasty.call.to_number = "@SUM(A1)";
  nasty.call.end_reason = "said \"bye\", then\r\nhung up";
  nasty.call.status = "-1";
  auto csv = render_export_csv({plain, nasty});
  auto first_line = csv.substr(0, csv.find("\r\n"));
  CHECK(first_line
        == "call_sid,started_at,ended_at,direction,from_number,to_number,"
           "duration_s,turns,latency_mean_ms,latency_max_ms,interruptions,"
           "status,end_reason,transport");
  // Numbers start with '+' too: every such cell is guarded, nulls empty.
  CHECK_THAT(csv, Catch::Contains("\r\nCA1,2026-12-01T10:00:00.000Z,,inbound,"
                                  "'+4930123,,61,4,700,,1,completed,,\r\n"));
  CHECK_THAT(csv, Catch::Contains(
                    ",\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",'@SUM(A1),"));
  CHECK_THAT(csv, Catch::Contains(",'-1,\"said \"\"bye\"\", then\r\nhung "
                                  "up\",\r\n"));
  CHECK(render_export_csv({}) == first_line + "\r\n");
}

TEST_CASE("server-sent events are framed one field a line", "[console]") {
  CHECK(format_sse_event({7, "turn", "{\"seq\":1}"})
        == "id: 7\nevent: turn\ndata: {\"seq\":1}\n\n");
  // A line break would end the field: each line is a data: line of its own.
  CHECK(format_sse_event({8, "call", "a\nb\r\nc\rd"})
        == "id: 8\nevent: call\ndata: a\ndata: b\ndata: c\ndata: d\n\n");
  CHECK(format_sse_event({9, "reset", "{}"})
        == "id: 9\nevent: reset\ndata: {}\n\n");
}
