// The console's logins: the operator's token exchanged for a session id
// (the sb_session cookie), kept in memory with an idle timeout and a cap
// (the session unused longest goes first), ended by logout; and the limit
// on failed logins per client address over a sliding minute, so the token
// cannot be guessed at speed. No I/O and no clock of its own: the clock is
// injected, so tests drive time. Thread-safe: the console's handlers call
// it from every I/O thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace sb {

struct console_session_options {
  std::chrono::minutes idle{30};        // console.session_idle_minutes
  size_t max_sessions = 64;             // console.max_sessions
  size_t login_failures = 5;            // console.login_failures_per_minute
  size_t max_tracked_addresses = 10000; // failure records kept at most
};

enum class login_status {
  ok,          // session_id is the new session
  wrong_token, // recorded as a failure of that address
  limited,     // too many failures in the last minute; not even checked
  unavailable, // the random generator failed: no session could be made
};

struct login_outcome {
  login_status status = login_status::wrong_token;
  std::string session_id; // ok: 64 hex digits
  long retry_after_s = 0; // limited: seconds until a try is counted again
};

class console_sessions {
public:
  using clock = std::chrono::steady_clock;
  using now_function = std::function<clock::time_point()>;

  /// `token` is admin.token. REQUIRES: !token.empty() (the console is off
  /// without one).
  console_sessions(std::string token, console_session_options opts,
                   now_function now = clock::now);

  /// Checks `token` (in constant time) for a client at `address` (an IP,
  /// no port). Past opts.login_failures failures from `address` in the
  /// last 60 s the answer is `limited` whatever the token. A new session
  /// past opts.max_sessions ends the one unused longest.
  login_outcome login(std::string_view token, const std::string& address);

  /// Checks a bearer `token` (MCP over HTTP, which keeps no session) as
  /// login() does, under the same per-address limit: ok, wrong_token
  /// (recorded as a failure) or limited (with retry_after_s). Makes no
  /// session.
  login_outcome check_token(std::string_view token, const std::string& address);

  /// True if `id` is a live session; marks it used now. An idle one is
  /// ended here.
  bool touch(const std::string& id);

  /// Ends `id`; unknown ids are ignored.
  void logout(const std::string& id);

  /// Sessions alive now (idle ones not yet noticed included).
  size_t count() const;

  /// What logs name a session by: its first 8 hex digits, enough to tell
  /// operators apart and useless for taking the session over.
  static std::string short_id(const std::string& id);

  /// The sb_session value in a Cookie header ("a=1; sb_session=..."); empty
  /// if absent.
  static std::string id_from_cookie(std::string_view cookie_header);

private:
  struct session {
    clock::time_point last_used;
  };

  // login() and check_token() up to the session: limited, wrong_token or
  // ok (the token matched). Called with the mutex held.
  login_outcome judge(std::string_view token, const std::string& address,
                      clock::time_point now);
  void forget_idle(clock::time_point now);
  void evict_unused_longest();
  // The failures of `address` still inside the minute (older ones
  // dropped); null when there are none.
  const std::deque<clock::time_point>*
  recent_failures(const std::string& address, clock::time_point now);
  void record_failure(const std::string& address, clock::time_point now);

  const std::string token_;
  const console_session_options opts_;
  const now_function now_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, session> sessions_;
  std::unordered_map<std::string, std::deque<clock::time_point>> failures_;
};

/// The client's address without its port: "127.0.0.1:5000" -> "127.0.0.1",
/// "[::1]:5000" -> "::1". Text without a port comes back unchanged.
std::string address_without_port(const std::string& remote);

} // namespace sb
