// Runs the real switchboardd binary for end-to-end tests: writes a config
// into a fresh temp directory, starts the daemon on a free loopback port,
// waits for its "listening on" line, and stops it with SIGTERM (or SIGKILL
// to simulate a crash). Its stderr is collected for assertions.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <sys/types.h>

#include "support/temp_dir.hpp"

namespace sb::test {

struct daemon_options {
  std::string db_path;     // required
  std::string admin_token; // empty = operator endpoints off
  int max_calls = 10000;
  int webhook_deadline_ms = 8000;
  int call_idle_timeout_s = 3600;
  int max_await_redirects = 3;
  bool validate_signatures = false;
  std::string auth_token;
  std::string api_base = "https://api.twilio.com";
  std::string account_sid;
  std::string phone_number;
  bool async_amd = false;
  std::string machine_action = "message";
  // Twilio's own voices unless a test is about our audio; cache_dir is
  // placed beside the database.
  std::string tts_engine = "say";
  std::string tts_extra;     // more [tts] keys
  std::string extra_toml;    // appended: tables not written above
                             // ([llm], [[llm.endpoints]])
  std::string storage_extra; // more [storage] keys
  std::string server_extra;  // more [server] keys
  std::string voice_extra;   // more [voice] keys (transport = ...)
  // The console (on with admin_token): its own listener, on a free port
  // unless a test says otherwise (console_port() reads which from the
  // log), and more [console] keys.
  std::string console_listen = "127.0.0.1:0";
  std::string console_extra;
  // Storage faults. Non-empty tmpfs_dir (an existing, empty directory):
  // the daemon starts in a private mount namespace with a tmpfs of
  // tmpfs_bytes mounted there, so a test can fill it; only the daemon sees
  // it, the test reaches its files through /proc/<pid>/root (proc_path()).
  // Needs CAP_SYS_ADMIN: without it the daemon does not start, running()
  // is false and log() starts "tmpfs: ".
  std::string tmpfs_dir;
  size_t tmpfs_bytes = 0;
  // The daemon starts with SIGXFSZ ignored, so a file size limit set on it
  // with prlimit() fails its writes with EFBIG instead of killing it.
  bool ignore_sigxfsz = false;
};

/// A free TCP port on 127.0.0.1 (bound then released).
int free_port();

/// The config file text for `opts` listening on `port`.
std::string daemon_config(const daemon_options& opts, int port);

class daemon_process {
public:
  /// Starts the daemon and waits (up to 20 s) until it listens. On failure
  /// running() is false and log() says why.
  daemon_process(const daemon_options& opts, const std::string& dir);
  ~daemon_process(); // SIGKILL if still running

  bool running() const {
    return pid_ > 0;
  }
  pid_t pid() const {
    return pid_;
  }

  /// `path` as the daemon sees it, from this process: through its
  /// /proc/<pid>/root, which enters its mount namespace (tmpfs_dir). Fine
  /// for plain file calls; SQLite resolves the link back to our own
  /// namespace, so read the database with query() below.
  std::string proc_path(const std::string& path) const;

  /// Rows of a read-only query on the daemon's database file as the
  /// daemon sees it: with tmpfs_dir, from a child process that joins the
  /// daemon's mount namespace; else as the free query() does.
  std::vector<std::map<std::string, std::string>>
  query(const std::string& sql) const;
  long long query_int(const std::string& sql) const;
  std::string base_url() const;
  int port() const {
    return port_;
  }
  /// The console listener's port, from its start-up log line; 0 when the
  /// console is off.
  int console_port() const;

  /// SIGTERM and wait (up to 20 s); returns the exit status, -1 on timeout.
  int stop();
  /// SIGKILL and reap: a crash.
  void kill_hard();

  /// Everything the daemon wrote to stderr so far.
  std::string log() const;

  /// Waits (up to `timeout_ms`) until the log contains `text`.
  bool wait_for_log(const std::string& text, int timeout_ms = 10000) const;

  /// The config file it runs with (tests may rewrite it, then SIGHUP).
  const std::string& config_path() const {
    return config_path_;
  }

  /// Sends `sig` (e.g. SIGHUP) to the daemon.
  void signal(int sig);

private:
  int wait_exit(int timeout_ms);
  pid_t pid_ = -1;
  int port_ = 0;
  std::string db_path_;
  bool own_namespace_ = false;
  std::string config_path_;
  struct output;
  std::shared_ptr<output> out_;
};

/// Runs build/cli/switchboardctl with `args` to completion; returns the
/// exit code and fills `output` with stdout+stderr.
int run_ctl_command(const std::vector<std::string>& args, std::string& output);

/// Runs build/cli/switchboard-sim with `args` to completion; returns the
/// exit code and fills `output` with stdout+stderr.
int run_sim_command(const std::vector<std::string>& args, std::string& output);

/// Runs the daemon binary with `args` to completion; returns the exit code
/// and fills `output` with stdout+stderr.
int run_daemon_command(const std::vector<std::string>& args,
                       std::string& output);

/// Sends one line to the Unix socket at `path` and returns the reply line
/// (without its newline); empty if the socket cannot be reached.
std::string admin_request(const std::string& path, const std::string& line);

/// Rows of a read-only query on the SQLite file, each column as text
/// ("NULL" for NULL).
std::vector<std::map<std::string, std::string>>
query(const std::string& db_path, const std::string& sql);

/// One integer from a query, e.g. "SELECT count(*) FROM turns".
long long query_int(const std::string& db_path, const std::string& sql);

} // namespace sb::test
