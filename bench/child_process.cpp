// child_process: wait4() reaps the child and hands back its rusage in
// one call, so the CPU is the child's own (not RUSAGE_CHILDREN's sum).
#include "child_process.hpp"

#include <csignal>

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace sb::bench {

namespace {

double seconds(const timeval& tv) {
  return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
}

} // namespace

child_process::~child_process() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

bool child_process::start(const std::vector<std::string>& argv,
                          const std::string& log_path) {
  std::vector<char*> args;
  for (const auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, STDOUT_FILENO, log_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&files, STDOUT_FILENO, STDERR_FILENO);
  int rc = posix_spawn(&pid_, args[0], &files, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&files);
  if (rc != 0) {
    errno = rc;
    pid_ = -1;
    return false;
  }
  return true;
}

bool child_process::running() {
  if (pid_ <= 0)
    return false;
  int status = 0;
  rusage usage{};
  pid_t r = ::wait4(pid_, &status, WNOHANG, &usage);
  if (r == 0)
    return true;
  if (r == pid_) {
    status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    cpu_s_ = seconds(usage.ru_utime) + seconds(usage.ru_stime);
  }
  pid_ = -1;
  return false;
}

} // namespace sb::bench
