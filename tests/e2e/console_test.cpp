// End-to-end: the operator console of the real daemon, over real HTTP on
// its own loopback listener. Sessions (401 on the API, a redirect to
// /login for pages, the cookie's flags, logout), the login limit, the
// cross-site checks on POSTs, the security headers on every kind of
// answer, the call list on a seeded database, the live event stream and
// an operator's hang-up reaching Twilio (the fake REST fixture).
#include <algorithm>
#include <memory>
#include <string>

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include "fixtures/fake_twilio.hpp"
#include "net/client/http_client.hpp"
#include "net/text/form.hpp"
#include "storage/database.hpp"
#include "support/daemon_http.hpp"
#include "support/daemon_process.hpp"
#include "support/json_doc.hpp"
#include "support/poll_until.hpp"
#include "support/raw_http.hpp"

using namespace sb;
using namespace sb::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* admin_token = "console-secret";
constexpr const char* twilio_token = "tok";
constexpr const char* account = "AC0123456789abcdef0123456789abcdef";

daemon_options console_options(const temp_dir& dir) {
  daemon_options o;
  o.db_path = dir.file("console.db");
  o.admin_token = admin_token;
  o.console_extra = "login_failures_per_minute = 5\n";
  return o;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The console's origin as a browser on its page sends it.
std::string origin(int port) {
  return "http://127.0.0.1:" + std::to_string(port);
}

raw_headers page_headers(int port, const std::string& cookie = {}) {
  raw_headers h{{"X-Requested-By", "switchboard-console"},
                {"Origin", origin(port)},
                {"Content-Type", "application/json"}};
  if (!cookie.empty())
    h.emplace_back("Cookie", cookie);
  return h;
}

raw_response login(int port, const std::string& token) {
  return raw_request(port, "POST", "/api/login", page_headers(port),
                     "{\"token\":\"" + token + "\"}");
}

// Logs in and returns the Cookie header value to send ("sb_session=...").
std::string session_cookie_of(int port) {
  auto r = login(port, admin_token);
  REQUIRE(r.status == 200);
  auto set = r.header("set-cookie");
  return set.substr(0, set.find(';'));
}

raw_response get(int port, const std::string& target,
                 const std::string& cookie = {}) {
  raw_headers h;
  if (!cookie.empty())
    h.emplace_back("Cookie", cookie);
  return raw_request(port, "GET", target, h);
}

void check_security_headers(const raw_response& r) {
  INFO("status " << r.status);
  CHECK(contains(r.header("content-security-policy"), "default-src 'none'"));
  CHECK(
    contains(r.header("content-security-policy"), "frame-ancestors 'none'"));
  CHECK(r.header("x-content-type-options") == "nosniff");
  CHECK(r.header("referrer-policy") == "no-referrer");
}

rapidjson::Document json_of(const raw_response& r) {
  return parse_json(r.body);
}

// Writes calls (and one turn) into the database file before the daemon
// opens it: the newest call holds a turn of hostile markup.
void seed_calls(const std::string& path) {
  auto db = database::open(path);
  REQUIRE(db);
  write_batch b;
  auto call = [](const char* sid, const char* direction, const char* day) {
    call_row c;
    c.call_sid = sid;
    c.direction = direction;
    c.from_number = "+15550001";
    c.to_number = "+15550002";
    c.status = "completed";
    c.started_at = std::string{"2026-12-0"} + day + "T10:00:00.000Z";
    c.ended_at = std::string{"2026-12-0"} + day + "T10:01:00.000Z";
    c.duration_s = 60;
    return c;
  };
  b.calls = {call("CA1", "inbound", "1"), call("CA2", "outbound-api", "2"),
             call("CA3", "inbound", "3")};
  turn_row t;
  t.call_sid = "CA3";
  t.seq = 1;
  t.role = "user";
  t.content = "<script>alert(\"x\")</script> & <img src=x onerror=y>";
  t.created_at = "2026-12-03T10:00:05.000Z";
  b.turns = {t};
  REQUIRE_FALSE((*db)->write(b));
}

form_params inbound_params(const std::string& sid) {
  return {{"CallSid", sid},          {"AccountSid", account},
          {"From", "+15550001"},     {"To", "+15550002"},
          {"CallStatus", "ringing"}, {"Direction", "inbound"}};
}

// "id: N" of the first event of `type` in an event stream's text; 0 when
// there is none.
long event_id_of(const std::string& stream, const std::string& type) {
  auto at = stream.find("event: " + type + "\n");
  if (at == std::string::npos)
    return 0;
  auto id = stream.rfind("id: ", at);
  return id == std::string::npos ? 0 : std::stol(stream.substr(id + 4));
}

} // namespace

TEST_CASE("without a session the API answers 401 and pages lead to login") {
  temp_dir dir;
  daemon_process d{console_options(dir), dir.path()};
  REQUIRE(d.running());
  const int port = d.console_port();
  REQUIRE(port > 0);
  CHECK(port != d.port());

  for (const char* target :
       {"/api/calls", "/api/me", "/api/calls/CA1", "/api/events"}) {
    auto r = get(port, target);
    INFO(target);
    CHECK(r.status == 401);
    CHECK(contains(r.body, "\"error\""));
    CHECK(r.header("cache-control") == "no-store");
    check_security_headers(r);
  }
  auto page = get(port, "/calls?direction=inbound&number=%2B1");
  CHECK(page.status == 302);
  CHECK(page.header("location")
        == "/login?next=%2Fcalls%3Fdirection%3Dinbound%26number%3D%252B1");
  check_security_headers(page);
  CHECK(get(port, "/live").header("location") == "/login?next=%2Flive");
  CHECK(get(port, "/").header("location") == "/calls");

  auto login_page = get(port, "/login");
  CHECK(login_page.status == 200);
  CHECK(contains(login_page.header("content-type"), "text/html"));
  CHECK(contains(login_page.body, "data-page=\"login\""));
  check_security_headers(login_page);

  auto css = get(port, "/assets/console.css");
  CHECK(css.status == 200);
  CHECK(contains(css.header("content-type"), "text/css"));
  CHECK(css.header("cache-control") == "no-cache");
  check_security_headers(css);

  auto missing = get(port, "/nowhere");
  CHECK(missing.status == 404);
  check_security_headers(missing);
  CHECK(get(port, "/assets/../config.toml").status == 404);
  REQUIRE(d.stop() == 0);
}

TEST_CASE(
  "a login gives an HttpOnly SameSite=Strict cookie, and logout ends it") {
  temp_dir dir;
  daemon_process d{console_options(dir), dir.path()};
  REQUIRE(d.running());
  const int port = d.console_port();

  auto wrong = login(port, "not-the-token");
  CHECK(wrong.status == 401);
  CHECK(wrong.header("set-cookie").empty());
  check_security_headers(wrong);
  CHECK(d.wait_for_log("console: failed login from 127.0.0.1"));

  auto ok = login(port, admin_token);
  REQUIRE(ok.status == 200);
  CHECK(ok.body == "{\"ok\":true}");
  auto set = ok.header("set-cookie");
  CHECK(set.rfind("sb_session=", 0) == 0);
  CHECK(set.find(';') == 11 + 64);
  CHECK(contains(set, "; Path=/"));
  CHECK(contains(set, "; HttpOnly"));
  CHECK(contains(set, "; SameSite=Strict"));
  const auto cookie = set.substr(0, set.find(';'));

  CHECK(get(port, "/api/me", cookie).status == 200);
  auto calls_page = get(port, "/calls", cookie);
  CHECK(calls_page.status == 200);
  CHECK(contains(calls_page.body, "data-page=\"calls\""));

  // The cross-site checks of a state-changing route.
  auto headers = page_headers(port, cookie);
  auto without = [&](const std::string& name) {
    raw_headers h;
    std::copy_if(headers.begin(), headers.end(), std::back_inserter(h),
                 [&](const auto& kv) { return kv.first != name; });
    return h;
  };
  auto no_marker = raw_request(port, "POST", "/api/drain",
                               without("X-Requested-By"));
  CHECK(no_marker.status == 403);
  CHECK(contains(no_marker.body, "X-Requested-By"));
  check_security_headers(no_marker);
  auto foreign = without("Origin");
  foreign.emplace_back("Origin", "http://evil.example");
  CHECK(raw_request(port, "POST", "/api/drain", foreign).status == 403);
  CHECK(raw_request(port, "POST", "/api/drain", without("Cookie")).status
        == 401);
  auto get_on_post = get(port, "/api/logout", cookie);
  CHECK(get_on_post.status == 405);
  CHECK(get_on_post.header("allow") == "POST");
  check_security_headers(get_on_post);
  CHECK(raw_request(port, "POST", "/api/me", headers).status == 405);

  auto out = raw_request(port, "POST", "/api/logout", headers);
  CHECK(out.status == 200);
  CHECK(contains(out.header("set-cookie"), "Max-Age=0"));
  CHECK(get(port, "/api/me", cookie).status == 401);
  CHECK(get(port, "/calls", cookie).status == 302);
  REQUIRE(d.stop() == 0);
}

TEST_CASE("the failed login past the limit in a minute is answered 429") {
  temp_dir dir;
  daemon_process d{console_options(dir), dir.path()};
  REQUIRE(d.running());
  const int port = d.console_port();
  for (int i = 0; i < 5; ++i)
    CHECK(login(port, "guess-" + std::to_string(i)).status == 401);
  // The sixth try is not even checked: the right token is refused too.
  auto limited = login(port, admin_token);
  CHECK(limited.status == 429);
  CHECK(limited.header("set-cookie").empty());
  auto retry = limited.header("retry-after");
  REQUIRE_FALSE(retry.empty());
  CHECK(std::stol(retry) >= 1);
  CHECK(std::stol(retry) <= 60);
  check_security_headers(limited);
  CHECK(d.wait_for_log("too many failed logins"));
  REQUIRE(d.stop() == 0);
}

TEST_CASE("the call list reads the database, filters it and keeps caller text "
          "as text") {
  temp_dir dir;
  auto opts = console_options(dir);
  seed_calls(opts.db_path);
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  const int port = d.console_port();
  const auto cookie = session_cookie_of(port);

  auto all = get(port, "/api/calls", cookie);
  REQUIRE(all.status == 200);
  CHECK(all.header("cache-control") == "no-store");
  check_security_headers(all);
  auto doc = json_of(all);
  REQUIRE(doc["calls"].Size() == 3);
  CHECK(std::string{doc["calls"][0]["call_sid"].GetString()} == "CA3");
  CHECK(std::string{doc["calls"][2]["call_sid"].GetString()} == "CA1");

  auto inbound = json_of(get(port, "/api/calls?direction=inbound", cookie));
  CHECK(inbound["calls"].Size() == 2);
  auto bad = get(port, "/api/calls?direction=sideways", cookie);
  CHECK(bad.status == 400);
  CHECK(contains(bad.body, "direction"));

  // Keyset pages: one row, then the next after its cursor.
  auto first = json_of(get(port, "/api/calls?limit=1", cookie));
  REQUIRE(first["calls"].Size() == 1);
  REQUIRE(first["next"].IsString());
  auto second = json_of(get(
    port, "/api/calls?limit=1&after=" + form_encode(first["next"].GetString()),
    cookie));
  REQUIRE(second["calls"].Size() == 1);
  CHECK(std::string{second["calls"][0]["call_sid"].GetString()} == "CA2");

  auto detail = get(port, "/api/calls/CA3", cookie);
  REQUIRE(detail.status == 200);
  auto call = json_of(detail);
  REQUIRE(call["turns"].Size() == 1);
  CHECK(std::string{call["turns"][0]["content"].GetString()}
        == "<script>alert(\"x\")</script> & <img src=x onerror=y>");
  auto unknown = get(port, "/api/calls/CA404", cookie);
  CHECK(unknown.status == 404);
  CHECK(contains(unknown.body, "no call CA404"));
  CHECK(get(port, "/api/calls/CA3/turns/1/audio", cookie).status == 404);

  auto csv = get(port, "/api/export?format=csv&direction=inbound", cookie);
  CHECK(csv.status == 200);
  CHECK(csv.header("content-disposition")
        == "attachment; filename=\"calls.csv\"");
  CHECK(csv.header("cache-control") == "no-store");
  CHECK(contains(csv.body, "CA1"));
  CHECK_FALSE(contains(csv.body, "CA2"));
  CHECK(get(port, "/api/export?format=xls", cookie).status == 400);
  REQUIRE(d.stop() == 0);
}

TEST_CASE("the event stream starts with retry:, pushes a new call and "
          "resumes from Last-Event-ID") {
  temp_dir dir;
  auto opts = console_options(dir);
  opts.validate_signatures = true;
  opts.auth_token = twilio_token;
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  const int port = d.console_port();
  const auto cookie = session_cookie_of(port);

  raw_connection stream{port};
  REQUIRE(
    stream.send_request("GET", "/api/events", port,
                        {{"Cookie", cookie}, {"Accept", "text/event-stream"}}));
  REQUIRE(stream.read_until("retry: 2000\n\n", 5s));
  auto head = stream.parse();
  CHECK(head.status == 200);
  CHECK(contains(head.header("content-type"), "text/event-stream"));
  CHECK(head.header("cache-control") == "no-store");
  check_security_headers(head);
  CHECK(head.body.rfind("retry: 2000\n\n", 0) == 0);

  http_client cl;
  auto answered = post_signed(cl, d, "/voice/inbound", inbound_params("CA500"),
                              twilio_token);
  REQUIRE(answered);
  REQUIRE(answered->status == 200);
  REQUIRE(stream.read_until("\"call_sid\":\"CA500\"", 10s));
  REQUIRE(stream.read_until("\n\n", 1s));
  const long id = event_id_of(stream.parse().body, "call");
  REQUIRE(id > 0);

  // A browser that lost the stream reconnects with the last id it saw:
  // what came after it is sent again, in order.
  raw_connection resumed{port};
  REQUIRE(resumed.send_request("GET", "/api/events", port,
                               {{"Cookie", cookie},
                                {"Last-Event-ID", std::to_string(id - 1)}}));
  REQUIRE(resumed.read_until("\"call_sid\":\"CA500\"", 5s));
  auto replay = resumed.parse().body;
  CHECK(replay.rfind("retry: 2000\n\n", 0) == 0);
  CHECK(contains(replay, "id: " + std::to_string(id) + "\nevent: call\n"));
  REQUIRE(d.stop() == 0);
}

TEST_CASE("past console.max_streams a new event stream is refused with 503 "
          "until one closes") {
  temp_dir dir;
  auto opts = console_options(dir);
  opts.console_extra += "max_streams = 1\n";
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  const int port = d.console_port();
  const auto cookie = session_cookie_of(port);
  auto open_stream = [&](raw_connection& c) {
    return c.send_request("GET", "/api/events", port, {{"Cookie", cookie}});
  };
  auto first = std::make_unique<raw_connection>(port);
  REQUIRE(open_stream(*first));
  REQUIRE(first->read_until("retry: 2000\n\n", 5s));

  raw_connection second{port};
  REQUIRE(open_stream(second));
  REQUIRE(second.read_to_close(5s));
  auto refused = second.parse();
  CHECK(refused.status == 503);
  CHECK(contains(refused.body, "max_streams"));
  check_security_headers(refused);

  // The first tab goes away: its place is free again.
  first.reset();
  REQUIRE(testing::poll_until(
    [&] {
      raw_connection again{port};
      return open_stream(again) && again.read_until("retry: 2000\n\n", 2s);
    },
    5s));
  REQUIRE(d.stop() == 0);
}

TEST_CASE("an operator hangs up and speaks into a live call from the console") {
  temp_dir dir;
  fake_twilio api;
  REQUIRE(api.ok());
  auto opts = console_options(dir);
  opts.account_sid = account;
  opts.auth_token = twilio_token;
  opts.phone_number = "+15550000000";
  opts.api_base = api.base_url();
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  const int port = d.console_port();
  const auto cookie = session_cookie_of(port);
  http_client cl;
  REQUIRE(post_form(cl, d, "/voice/inbound", inbound_params("CA600")));

  auto live = json_of(get(port, "/api/live", cookie));
  REQUIRE(live["calls"].Size() == 1);
  CHECK(std::string{live["calls"][0]["call_sid"].GetString()} == "CA600");

  auto headers = page_headers(port, cookie);
  auto said = raw_request(port, "POST", "/api/calls/CA600/say", headers,
                          "{\"text\":\"Your order shipped.\"}");
  CHECK(said.status == 200);
  REQUIRE(api.wait_for_requests(1, 5s));
  CHECK(contains(param_or(api.requests().back().params, "Twiml"),
                 "Your order shipped."));

  auto hung = raw_request(port, "POST", "/api/calls/CA600/hangup", headers);
  CHECK(hung.status == 200);
  CHECK(hung.body == "{\"ok\":true}");
  CHECK(hung.header("cache-control") == "no-store");
  REQUIRE(api.wait_for_requests(2, 5s));
  auto update = api.requests().back();
  CHECK(contains(update.path, "/Calls/CA600.json"));
  CHECK(param_or(update.params, "Status") == "completed");
  CHECK(d.wait_for_log("console: hangup CA600 by session "
                       + cookie.substr(11, 8) + " from 127.0.0.1:"));

  auto gone = raw_request(port, "POST", "/api/calls/CA999/hangup", headers);
  CHECK(gone.status == 409);
  CHECK(contains(gone.body, "no live call CA999"));
  REQUIRE(d.stop() == 0);
}

TEST_CASE("the console plays each reply as the caller heard it, with its "
          "speech time in the waterfall") {
  temp_dir dir;
  auto opts = console_options(dir);
  opts.tts_engine = "espeak";
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  const int port = d.console_port();
  const auto cookie = session_cookie_of(port);
  http_client cl;
  REQUIRE(post_form(cl, d, "/voice/inbound", inbound_params("CA700")));
  auto answer = post_form(cl, d, "/voice/process-speech",
                          {{"CallSid", "CA700"}, {"SpeechResult", "hello"}});
  REQUIRE(answer);
  auto at = answer->body.find("/audio/");
  REQUIRE(at != std::string::npos);
  auto played = answer->body.substr(at, answer->body.find(".wav", at) + 4 - at);
  auto twilio_heard = cl.get(d.base_url() + played);
  REQUIRE(twilio_heard);
  REQUIRE(twilio_heard->status == 200);

  // The turn is written again once its audio is made: wait for that.
  std::string audio_url;
  rapidjson::Document call;
  REQUIRE(testing::poll_until(
    [&] {
      call = json_of(get(port, "/api/calls/CA700", cookie));
      if (!call.IsObject() || !call.HasMember("turns"))
        return false;
      for (const auto& t : call["turns"].GetArray())
        if (t["seq"].GetInt() == 2 && t["audio_url"].IsString())
          audio_url = t["audio_url"].GetString();
      return !audio_url.empty();
    },
    5s));
  CHECK(audio_url == "/api/calls/CA700/turns/2/audio");
  const auto& reply = call["turns"][1];
  CHECK(std::string{reply["role"].GetString()} == "assistant");
  REQUIRE(reply["tts_first_audio_ms"].IsInt64());
  REQUIRE(reply["total_ms"].IsInt64());
  CHECK(reply["total_ms"].GetInt64() >= reply["tts_first_audio_ms"].GetInt64());
  int64_t parts = 0;
  for (const auto& p : reply["parts"].GetArray())
    parts += p["ms"].GetInt64();
  CHECK(parts == reply["total_ms"].GetInt64());

  // The same bytes Twilio played, only with a session, never cached.
  auto heard = get(port, audio_url, cookie);
  CHECK(heard.status == 200);
  CHECK(heard.header("content-type") == "audio/wav");
  CHECK(heard.header("cache-control") == "no-store");
  CHECK(heard.body == twilio_heard->body);
  CHECK(get(port, audio_url).status == 401);
  CHECK(get(port, "/api/calls/CA700/turns/1/audio", cookie).status == 404);
  REQUIRE(d.stop() == 0);
}

TEST_CASE("without admin.token the console stays off and says why") {
  temp_dir dir;
  auto opts = console_options(dir);
  opts.admin_token.clear();
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  CHECK(d.console_port() == 0);
  CHECK(contains(d.log(), "console: off: admin.token is not set"));
  REQUIRE(d.stop() == 0);
}
