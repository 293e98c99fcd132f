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
  set(sb_sanitizer_flags -fsanitize=address,undefined
      -fno-sanitize-recover=undefined)
elseif(SWITCHBOARD_SANITIZER STREQUAL "thread")
  set(sb_sanitizer_flags -fsanitize=thread)
else()
  message(FATAL_ERROR "SWITCHBOARD_SANITIZER: '${SWITCHBOARD_SANITIZER}' is "
                      "not a sanitizer this build knows; use address, thread "
                      "or leave it empty")
endif()

# Frame pointers give the sanitizers' fast unwinder whole stacks.
add_compile_options(${sb_sanitizer_flags} -fno-omit-frame-pointer)
add_link_options(${sb_sanitizer_flags})
message(STATUS "Sanitizer: ${SWITCHBOARD_SANITIZER}")
