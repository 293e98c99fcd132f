# SWITCHBOARD_SANITIZER builds every target of the tree (libraries, the
# daemon, the command-line tools, the test suites) with one sanitizer, so a
# test run exercises instrumented code end to end, including the daemon the
# e2e suite starts. "address" is AddressSanitizer with UndefinedBehavior-
# Sanitizer (they combine, and undefined behaviour aborts the test instead
# of printing and going on); "thread" is ThreadSanitizer, which cannot be
# combined with either. scripts/run-tests runs the suite under "address".
set(SWITCHBOARD_SANITIZER "" CACHE STRING
    "Build everything with a sanitizer: empty (none), address (ASan+UBSan) or thread (TSan)")
set_property(CACHE SWITCHBOARD_SANITIZER PROPERTY STRINGS "" address thread)

if(SWITCHBOARD_SANITIZER STREQUAL "")
  return()
elseif(SWITCHBOARD_SANITIZER STREQUAL "address")
  # "null" alone stays recoverable so that a suppression can reach it (a
  # non-recoverable check aborts even when suppressed): CAF 0.17 binds a
  # null pointer to a reference when it spawns an actor with no arguments
  # (tests/sanitizers/ubsan.supp). UBSAN_OPTIONS=halt_on_error=1, which
  # scripts/run-tests sets, still stops on every other null report.
  set(sb_sanitizer_flags -fsanitize=address,undefined
      -fno-sanitize-recover=undefined -fsanitize-recover=null)
elseif(SWITCHBOARD_SANITIZER STREQUAL "thread")
  set(sb_sanitizer_flags -fsanitize=thread)
else()
  message(FATAL_ERROR "SWITCHBOARD_SANITIZER: '${SWITCHBOARD_SANITIZER}' is "
                      "not a sanitizer this build knows; use address, thread "
                      "or leave it empty")
endif()

# Frame pointers give the sanitizers' fast unwinder whole stacks. -Og -g1
# (after the build type's -O2 -g, so they win): instrumented code at -O2
# takes about five times as long to compile as at -Og, which keeps a test
# run's speed and every file:line in reports.
add_compile_options(${sb_sanitizer_flags} -fno-omit-frame-pointer -Og -g1)
add_link_options(${sb_sanitizer_flags})
message(STATUS "Sanitizer: ${SWITCHBOARD_SANITIZER}")
