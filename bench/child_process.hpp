// A program a benchmark runs beside the daemon (switchboard-sim): started
// with posix_spawn, its stdout and stderr into a file, watched without
// blocking, and reaped with the CPU time it used. Only the process it
// started is ever waited for or signalled, by PID. One thread.
#pragma once

#include <string>
#include <vector>

#include <sys/types.h>

namespace sb::bench {

class child_process {
public:
  child_process() = default;
  /// SIGKILLs and reaps the child if it is still running.
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  /// Starts `argv` (argv[0] a path) with its output in `log_path`.
  /// Returns false (errno set) if it could not be started.
  bool start(const std::vector<std::string>& argv, const std::string& log_path);

  /// True while it runs; reaps it (exit status, CPU) once it has ended.
  bool running();

  /// Its exit status once ended: the code, 128 + signal, or -1.
  int exit_status() const {
    return status_;
  }

  /// Its user + system CPU seconds, once ended.
  double cpu_s() const {
    return cpu_s_;
  }

  pid_t pid() const {
    return pid_;
  }

private:
  pid_t pid_ = -1;
  int status_ = -1;
  double cpu_s_ = 0;
};

} // namespace sb::bench
