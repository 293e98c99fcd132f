// The console's sessions and login limit (app/console/console_sessions) on
// a made-up clock: what a login gives, the idle timeout, the cap on
// sessions, logout, the sliding minute of failed logins per address, and
// reading the cookie and the client address.
#include "app/console/console_sessions.hpp"

#include <set>
#include <string>

#include <catch2/catch.hpp>

namespace {

using namespace std::chrono_literals;
using sb::console_sessions;
using sb::login_status;

const std::string token = "operator-token";

// A clock the test moves by hand.
struct manual_clock {
  console_sessions::clock::time_point now{};
  console_sessions::now_function function() {
    return [this] { return now; };
  }
};

sb::console_session_options options(size_t max_sessions = 64,
                                    size_t failures = 5) {
  sb::console_session_options o;
  o.idle = 30min;
  o.max_sessions = max_sessions;
  o.login_failures = failures;
  return o;
}

bool all_hex(const std::string& s) {
  return s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

} // namespace

TEST_CASE("the right token opens a session with a fresh random id",
          "[console_sessions]") {
  manual_clock t;
  console_sessions sessions{token, options(), t.function()};
  auto a = sessions.login(token, "10.0.0.1");
  auto b = sessions.login(token, "10.0.0.1");
  REQUIRE(a.status == login_status::ok);
  REQUIRE(b.status == login_status::ok);
  CHECK(a.session_id.size() == 64);
  CHECK(all_hex(a.session_id));
  CHECK(a.session_id != b.session_id);
  CHECK(sessions.touch(a.session_id));
  CHECK(sessions.touch(b.session_id));
  CHECK(sessions.count() == 2);
  CHECK(console_sessions::short_id(a.session_id) == a.session_id.substr(0, 8));
}

TEST_CASE("a wrong token, a prefix of it or a longer one opens nothing",
          "[console_sessions]") {
  manual_clock t;
  console_sessions sessions{token, options(64, 100), t.function()};
  for (const char* wrong : {"", "operator-toke", "operator-tokenX",
                            "OPERATOR-TOKEN", "operator-tokeN"}) {
    auto out = sessions.login(wrong, "10.0.0.1");
    CHECK(out.status == login_status::wrong_token);
    CHECK(out.session_id.empty());
  }
  CHECK(sessions.count() == 0);
  CHECK_FALSE(sessions.touch(""));
  CHECK_FALSE(sessions.touch(std::string(64, 'a')));
}

TEST_CASE("a session unused for the idle time ends, and use keeps it alive",
          "[console_sessions]") {
  manual_clock t;
  console_sessions sessions{token, options(), t.function()};
  auto busy = sessions.login(token, "10.0.0.1").session_id;
  auto idle = sessions.login(token, "10.0.0.1").session_id;
  for (int i = 0; i < 4; ++i) {
    t.now += 20min;
    CHECK(sessions.touch(busy));
  }
  CHECK_FALSE(sessions.touch(idle));
  // Once ended, it stays ended.
  CHECK_FALSE(sessions.touch(idle));
  CHECK(sessions.count() == 1);
  t.now += 29min + 59s;
  CHECK(sessions.touch(busy));
  t.now += 30min;
  CHECK_FALSE(sessions.touch(busy));
}

TEST_CASE("past max_sessions the session unused longest is ended",
          "[console_sessions]") {
  manual_clock t;
  console_sessions sessions{token, options(2), t.function()};
  auto first = sessions.login(token, "10.0.0.1").session_id;
  t.now += 1s;
  auto second = sessions.login(token, "10.0.0.1").session_id;
  t.now += 1s;
  // The first is used again, so the second is now the one unused longest.
  CHECK(sessions.touch(first));
  t.now += 1s;
  auto third = sessions.login(token, "10.0.0.2").session_id;
  CHECK(sessions.count() == 2);
  CHECK(sessions.touch(first));
  CHECK(sessions.touch(third));
  CHECK_FALSE(sessions.touch(second));
}

TEST_CASE("logout ends only that session", "[console_sessions]") {
  manual_clock t;
  console_sessions sessions{token, options(), t.function()};
  auto a = sessions.login(token, "10.0.0.1").session_id;
  auto b = sessions.login(token, "10.0.0.1").session_id;
  sessions.logout(a);
  sessions.logout("not-a-session");
  CHECK_FALSE(sessions.touch(a));
  CHECK(sessions.touch(b));
}

TEST_CASE("the failure past the limit in a minute is refused, even with "
          "the right token",
          "[console_sessions]") {
  manual_clock t;
  console_sessions sessions{token, options(64, 5), t.function()};
  for (int i = 0; i < 5; ++i) {
    CHECK(sessions.login("guess", "10.0.0.1").status
          == login_status::wrong_token);
    t.now += 10s;
  }
  // 50 s after the first failure: five in the last minute.
  auto refused = sessions.login(token, "10.0.0.1");
  CHECK(refused.status == login_status::limited);
  CHECK(refused.session_id.empty());
  CHECK(refused.retry_after_s == 10);
  // Another address is not held back by this one's failures.
  CHECK(sessions.login(token, "10.0.0.2").status == login_status::ok);
  // Refused tries are not failures: once the first failure is a minute
  // old, one more try is checked.
  t.now += 10s;
  CHECK(sessions.login(token, "10.0.0.1").status == login_status::ok);
}

TEST_CASE("a bearer token is checked under the same limit and makes no "
          "session",
          "[console_sessions]") {
  manual_clock t;
  console_sessions sessions{token, options(64, 3), t.function()};
  CHECK(sessions.check_token(token, "10.0.0.1").status == login_status::ok);
  CHECK(sessions.count() == 0);
  // Wrong bearer tokens and wrong logins fill one count per address.
  CHECK(sessions.check_token("guess", "10.0.0.1").status
        == login_status::wrong_token);
  CHECK(sessions.login("guess", "10.0.0.1").status
        == login_status::wrong_token);
  CHECK(sessions.check_token(token + "x", "10.0.0.1").status
        == login_status::wrong_token);
  t.now += 1s;
  auto limited = sessions.check_token(token, "10.0.0.1");
  CHECK(limited.status == login_status::limited);
  CHECK(limited.retry_after_s == 59);
  CHECK(sessions.login(token, "10.0.0.1").status == login_status::limited);
  CHECK(sessions.check_token(token, "10.0.0.2").status == login_status::ok);
  t.now += 59s;
  CHECK(sessions.check_token(token, "10.0.0.1").status == login_status::ok);
  CHECK(sessions.count() == 0);
}

TEST_CASE("the window slides: old failures stop counting one by one",
          "[console_sessions]") {
  manual_clock t;
  console_sessions sessions{token, options(64, 2), t.function()};
  CHECK(sessions.login("x", "a").status == login_status::wrong_token);
  t.now += 30s;
  CHECK(sessions.login("x", "a").status == login_status::wrong_token);
  CHECK(sessions.login("x", "a").status == login_status::limited);
  t.now += 30s; // the first failure leaves the window
  CHECK(sessions.login("x", "a").status == login_status::wrong_token);
  auto limited = sessions.login("x", "a");
  CHECK(limited.status == login_status::limited);
  // The second failure (at 30 s) leaves at 90 s; we are at 60 s.
  CHECK(limited.retry_after_s == 30);
  t.now += 500ms;
  CHECK(sessions.login("x", "a").retry_after_s == 30); // rounded up
}

TEST_CASE("the session id is read from a Cookie header", "[console_sessions]") {
  CHECK(console_sessions::id_from_cookie("sb_session=abc") == "abc");
  CHECK(console_sessions::id_from_cookie("a=1; sb_session=abc; b=2") == "abc");
  CHECK(console_sessions::id_from_cookie("a=1;sb_session=abc") == "abc");
  CHECK(console_sessions::id_from_cookie("xsb_session=abc").empty());
  CHECK(console_sessions::id_from_cookie("").empty());
  CHECK(console_sessions::id_from_cookie("a=1; b=2").empty());
}

TEST_CASE("the client's address loses its port", "[console_sessions]") {
  CHECK(sb::address_without_port("127.0.0.1:5000") == "127.0.0.1");
  CHECK(sb::address_without_port("[::1]:5000") == "::1");
  CHECK(sb::address_without_port("unknown") == "unknown");
}
