// The last step of starting a program in a forked child: execv with argv
// as std::strings, or exit 127 (the shell's "command not found") when it
// cannot. Header-only, for the suites that run a built binary with its
// standard streams wired their own way.
#pragma once

#include <string>
#include <vector>

#include <unistd.h>

namespace sb::test {

/// REQUIRES: called in the child, after fork(); argv[0] is a path.
[[noreturn]] inline void exec_argv(std::vector<std::string> argv) {
  std::vector<char*> raw;
  for (auto& a : argv)
    raw.push_back(a.data());
  raw.push_back(nullptr);
  execv(raw[0], raw.data());
  _exit(127);
}

} // namespace sb::test
