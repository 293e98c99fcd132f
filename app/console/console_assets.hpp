// The console's files (the repository's console/ folder: HTML pages, CSS,
// ES modules): the copy embedded in the binary at build time
// (cmake/EmbedFiles.cmake), or, for development, the files of a folder
// read at each request (switchboardd --console-dir), so an edited page
// shows on reload. A name reaches the filesystem only when it stays a
// regular file inside that folder.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <caf/expected.hpp>

namespace sb {

namespace console_embedded {

// One embedded file; the generated table ends with a null path.
struct embedded_file {
  const char* path; // relative to console/, '/'-separated
  const unsigned char* data;
  size_t size;
};

extern const embedded_file files[];
extern const size_t file_count;

} // namespace console_embedded

struct console_asset {
  std::string content_type;
  std::string bytes;
};

/// The Content-Type served for a file name, by its extension (text types
/// say UTF-8; unknown ones are application/octet-stream).
std::string console_content_type(std::string_view name);

class console_assets {
public:
  /// The embedded copy.
  static std::shared_ptr<const console_assets> embedded();

  /// The files under `dir`, read at each find(). Errors: errc::bad_config
  /// naming `dir` when it is not a readable folder.
  static caf::expected<std::shared_ptr<const console_assets>>
  from_directory(const std::string& dir);

  /// Any thread. The file `name` ("login.html", "console.css", a path
  /// relative to console/); nullopt when there is none, or when the name
  /// is absolute, has an empty, "." or ".." part, or (from a folder) is
  /// not a regular file inside it after links are resolved.
  std::optional<console_asset> find(std::string_view name) const;

  /// Where the files come from: "embedded" or the folder.
  std::string origin() const;

private:
  explicit console_assets(std::string dir) : dir_(std::move(dir)) {
  }
  std::optional<console_asset> find_embedded(std::string_view name) const;
  std::optional<console_asset> find_on_disk(std::string_view name) const;

  std::string dir_; // canonical; empty = embedded
};

} // namespace sb
