// The switchboardd a benchmark measures: a config written into a fresh
// temp directory (loopback listener on a free port, signatures off,
// tts.engine "say", SQLite database, admin socket and audio cache in the
// directory, an Ollama-compatible model endpoint, log level warning), the
// binary forked and exec'd with its stderr in daemon.log there, readiness
// by GET /healthz, and SIGTERM at the end with its exit status. Only the
// process it started is ever signalled, by PID. Blocking; one thread.
#pragma once

#include <functional>
#include <string>

#include <sys/types.h>

#include <caf/expected.hpp>

namespace sb::bench {

struct bench_daemon_options {
  std::string binary = "build/app/switchboardd";
  std::string transport = "relay"; // voice.transport: relay | gather
  std::string model_url;           // [[llm.endpoints]] url (ollama)
  int model_slots = 256;           // its slots (1..1024)
  /// When set, the whole config text instead of bench_daemon_config()'s
  /// (the fields above are then unused but `binary`): given the port to
  /// listen on and the directory for the daemon's files.
  std::function<std::string(int port, const std::string& dir)> config;
};

class bench_daemon {
public:
  /// Makes the temp directory (under $TMPDIR or /tmp), named
  /// `prefix`-XXXXXX; nothing runs yet.
  explicit bench_daemon(const std::string& prefix = "sb-relay-latency");
  /// SIGKILLs the daemon if still running; removes the directory unless
  /// keep_dir() was called.
  ~bench_daemon();
  bench_daemon(const bench_daemon&) = delete;
  bench_daemon& operator=(const bench_daemon&) = delete;

  /// Writes the config, starts the daemon and waits (up to 20 s) until
  /// GET /healthz answers 200. Errors (errc::backend_failed): the temp
  /// directory or config could not be made, the binary did not start or
  /// exited, or it was not healthy in time (it is then killed); the
  /// message ends with the tail of its log.
  /// REQUIRES: not started before.
  caf::expected<void> start(const bench_daemon_options& opts);

  /// SIGTERM and wait (up to 30 s): the exit status, 128 + signal if a
  /// signal ended it, or -1 if it had to be killed.
  int stop();

  /// "http://127.0.0.1:<port>"
  std::string base_url() const;
  int port() const {
    return port_;
  }
  pid_t pid() const {
    return pid_;
  }
  const std::string& dir() const {
    return dir_;
  }

  /// The last `bytes` of the daemon's log (stderr and stdout).
  std::string log_tail(size_t bytes = 2000) const;

  /// Leave the directory (log, config, database) in place.
  void keep_dir() {
    keep_ = true;
  }

private:
  // The exit status once the child is gone, or -1 after `ms`.
  int wait_exit(int ms);
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
  bool keep_ = false;
};

/// A program of the build: `given` if not empty, else build/`in_build`
/// (run from the repository root), else `in_build` in the build tree
/// this program is in (bench/ beside app/ and cli/).
std::string find_program(const std::string& given, const std::string& in_build);

/// The config text for `opts` listening on 127.0.0.1:`port`, with its
/// files in `dir`.
std::string bench_daemon_config(const bench_daemon_options& opts, int port,
                                const std::string& dir);

} // namespace sb::bench
