// switchboardctl run in-process (cli/ctl/ctl_run, all its main() does)
// with its exit status and both output streams captured, for the ctl
// suites. Header-only.
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "cli/ctl/ctl_run.hpp"

namespace sb::test {

/// What one run printed and returned.
struct ctl_run {
  int rc = -1;     // run_ctl's exit status
  std::string out; // stdout
  std::string err; // stderr
};

/// Runs switchboardctl with `args` (argv without the program name).
inline ctl_run ctl_in_process(const std::vector<std::string>& args) {
  std::ostringstream out;
  std::ostringstream err;
  ctl_run r;
  r.rc = run_ctl(args, out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

} // namespace sb::test
