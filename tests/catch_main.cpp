// The one main() of every test binary: Catch2's session, plus the skip
// rule of tests/support/skip.hpp. A run in which every test that ran
// passed but one of them could not test what it is for exits with
// SB_SKIP_CODE, which ctest (one test case per process) reports as
// skipped, never as passed.
#define CATCH_CONFIG_RUNNER
#include <iostream>
#include <mutex>
#include <string>

#include <catch2/catch.hpp>

#include "tests/support/skip.hpp"

namespace sb::test {

namespace {

std::mutex skip_mutex;
bool skip_seen = false;

} // namespace

void mark_skipped(const std::string& why) {
  std::lock_guard<std::mutex> guard{skip_mutex};
  skip_seen = true;
  std::cout << "SKIPPED: " << why << std::endl;
}

bool any_skipped() {
  std::lock_guard<std::mutex> guard{skip_mutex};
  return skip_seen;
}

} // namespace sb::test

int main(int argc, char* argv[]) {
  int failed = Catch::Session().run(argc, argv);
  if (failed == 0 && sb::test::any_skipped())
    return SB_SKIP_CODE;
  return failed;
}
