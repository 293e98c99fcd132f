// The console's files behind app/console/console_assets.hpp. The folder is
// resolved once (realpath) and each file again at each request, so a link
// inside it that points out, or a name that climbs out, is refused rather
// than served.
#include "app/console/console_assets.hpp"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

#include <sys/stat.h>

#include "core/error.hpp"

namespace sb {

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size()
         && s.substr(s.size() - suffix.size()) == suffix;
}

// Relative, '/'-separated, every part a plain name: no "", "." or "..",
// no backslash or NUL (which no console file has, and which could mean
// something else to the filesystem).
bool safe_name(std::string_view name) {
  if (name.empty() || name.front() == '/')
    return false;
  if (name.find('\\') != std::string_view::npos
      || name.find('\0') != std::string_view::npos)
    return false;
  size_t start = 0;
  for (;;) {
    auto end = name.find('/', start);
    auto part = name.substr(start, end - start);
    if (part.empty() || part == "." || part == "..")
      return false;
    if (end == std::string_view::npos)
      return true;
    start = end + 1;
  }
}

std::optional<std::string> real_path(const std::string& path) {
  char buf[PATH_MAX];
  if (::realpath(path.c_str(), buf) == nullptr)
    return std::nullopt;
  return std::string{buf};
}

} // namespace

std::string console_content_type(std::string_view name) {
  struct type {
    std::string_view suffix, content_type;
  };
  static constexpr type types[] = {
    {".html", "text/html; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".json", "application/json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".txt", "text/plain; charset=utf-8"},
  };
  for (const auto& t : types)
    if (ends_with(name, t.suffix))
      return std::string{t.content_type};
  return "application/octet-stream";
}

std::shared_ptr<const console_assets> console_assets::embedded() {
  return std::shared_ptr<const console_assets>(new console_assets(""));
}

caf::expected<std::shared_ptr<const console_assets>>
console_assets::from_directory(const std::string& dir) {
  auto real = real_path(dir);
  struct stat st {};
  if (!real || ::stat(real->c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return make_error(
      errc::bad_config,
      "--console-dir " + dir + ": not a readable folder"
        + (real ? "" : std::string{" ("} + std::strerror(errno) + ")"));
  return std::shared_ptr<const console_assets>(new console_assets(*real));
}

std::optional<console_asset> console_assets::find(std::string_view name) const {
  if (!safe_name(name))
    return std::nullopt;
  return dir_.empty() ? find_embedded(name) : find_on_disk(name);
}

std::string console_assets::origin() const {
  return dir_.empty() ? "embedded" : dir_;
}

std::optional<console_asset>
console_assets::find_embedded(std::string_view name) const {
  for (size_t i = 0; i < console_embedded::file_count; ++i) {
    const auto& f = console_embedded::files[i];
    if (name == f.path)
      return console_asset{console_content_type(name),
                           std::string(reinterpret_cast<const char*>(f.data),
                                       f.size)};
  }
  return std::nullopt;
}

std::optional<console_asset>
console_assets::find_on_disk(std::string_view name) const {
  auto real = real_path(dir_ + "/" + std::string{name});
  if (!real || real->compare(0, dir_.size() + 1, dir_ + "/") != 0)
    return std::nullopt;
  struct stat st {};
  if (::stat(real->c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    return std::nullopt;
  std::ifstream in{*real, std::ios::binary};
  if (!in)
    return std::nullopt;
  std::string bytes{std::istreambuf_iterator<char>(in),
                    std::istreambuf_iterator<char>()};
  return console_asset{console_content_type(name), std::move(bytes)};
}

} // namespace sb
