// switchboardctl: the admin client of switchboardd (live calls, dial,
// hang up, say, stats, reload, drain over the admin socket) and a
// read-only viewer of its database (history, transcript). Everything but
// main() is in sb_ctl (cli/ctl/ctl_*), where the tests reach it.
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "cli/ctl/ctl_args.hpp"
#include "cli/ctl/ctl_run.hpp"

int main(int argc, char** argv) {
  try {
    const std::vector<std::string> args(argv + 1, argv + argc);
    return sb::run_ctl(args, std::cout, std::cerr);
  } catch (const std::exception& e) {
    std::cerr << "switchboardctl: " << e.what() << "\n";
    return sb::ctl_exit_failed;
  }
}
