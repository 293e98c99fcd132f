// A fresh private directory for one test (a database, a socket, a config
// file), removed with everything in it when the object goes. Header-only
// and free of Catch2, so any suite and the test support library can use it.
#pragma once

#include <cerrno>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

#include <stdlib.h>

namespace sb::test {

class temp_dir {
public:
  /// Creates <temp>/sb-<tag>-XXXXXX, where <temp> is $TMPDIR or /tmp and
  /// mkdtemp makes the name unique and the mode 0700. Throws
  /// std::system_error when it cannot, which fails the running test case.
  explicit temp_dir(std::string_view tag = "test") {
    std::string name = (std::filesystem::temp_directory_path()
                        / ("sb-" + std::string(tag) + "-XXXXXX"))
                         .string();
    if (::mkdtemp(name.data()) == nullptr)
      throw std::system_error(errno, std::generic_category(),
                              "mkdtemp " + name);
    path_ = std::move(name);
  }

  /// Removes the tree; a failure to is ignored (a test may have made part
  /// of it unreadable, and a destructor must not throw).
  ~temp_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }

  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  /// The directory, absolute.
  const std::string& path() const {
    return path_;
  }

  /// path() + "/" + name; nothing is created.
  std::string file(std::string_view name) const {
    return path_ + "/" + std::string(name);
  }

private:
  std::string path_;
};

} // namespace sb::test
