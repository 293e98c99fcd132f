// turn_audio_file: both folders and the file are resolved with realpath,
// so a link or a ".." in the stored value cannot lead outside them.
#include "app/console/console_audio.hpp"

#include <climits>
#include <cstdlib>

#include <sys/stat.h>

#include "backends/tts/audio_cache.hpp"

namespace sb {

namespace {

std::optional<std::string> real_path(const std::string& path) {
  char buf[PATH_MAX];
  if (path.empty() || ::realpath(path.c_str(), buf) == nullptr)
    return std::nullopt;
  return std::string{buf};
}

bool inside(const std::string& file, const std::string& dir) {
  auto real_dir = real_path(dir);
  return real_dir
         && file.compare(0, real_dir->size() + 1, *real_dir + "/") == 0;
}

} // namespace

std::optional<std::string>
turn_audio_file(const std::string& audio, const std::string& tts_cache_dir,
                const std::string& caller_audio_dir) {
  const auto named = audio_cache::valid_id(audio)
                       ? tts_cache_dir + "/" + audio + ".wav"
                       : audio;
  auto file = real_path(named);
  if (!file)
    return std::nullopt;
  if (!inside(*file, tts_cache_dir) && !inside(*file, caller_audio_dir))
    return std::nullopt;
  struct stat st {};
  if (::stat(file->c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    return std::nullopt;
  return file;
}

} // namespace sb
