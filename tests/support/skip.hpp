// Skipping a test that cannot run here (a tool, a privilege or a kernel
// feature missing), so that it is reported as skipped and never counted
// as a pass. SB_SKIP prints the reason, marks the run and returns from the
// test case; the test binary then exits with SB_SKIP_CODE (set by
// tests/CMakeLists.txt), which ctest reports as "Skipped" and lists at the
// end of the run. Assertions made before the skip still count.
#pragma once

#include <sstream>
#include <string>

namespace sb::test {

/// Records that the running test case could not test what it is for.
/// Thread-safe; defined in tests/catch_main.cpp.
void mark_skipped(const std::string& why);

/// True once any test case of this run called mark_skipped().
bool any_skipped();

} // namespace sb::test

/// Skips the rest of the current TEST_CASE; `why` may be a stream
/// expression, like Catch's INFO.
#define SB_SKIP(why)                                                           \
  do {                                                                         \
    std::ostringstream sb_skip_text;                                           \
    sb_skip_text << why;                                                       \
    ::sb::test::mark_skipped(sb_skip_text.str());                              \
    return;                                                                    \
  } while (false)
