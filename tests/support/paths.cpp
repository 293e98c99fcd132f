#include "tests/support/paths.hpp"

namespace sb::test {

std::string source_dir() {
  return SB_SOURCE_DIR;
}
std::string binary_dir() {
  return SB_BINARY_DIR;
}
std::string data_dir() {
  return SB_TEST_DATA_DIR;
}

} // namespace sb::test
