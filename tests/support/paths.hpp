// Where the tests find the source tree, the build tree and their data.
// The paths are compiled into one translation unit (tests/support/
// paths.cpp) rather than into every test, so that a clone in another
// folder recompiles that one file and reuses the cached rest.
#pragma once

#include <string>

namespace sb::test {

/// The repository's root (config.toml, systemd/, backends/ ...).
std::string source_dir();

/// The CMake build tree (app/switchboardd, cli/switchboard-sim ...).
std::string binary_dir();

/// tests/data: the test data kept in the repository (tests/data/README.md).
std::string data_dir();

} // namespace sb::test
