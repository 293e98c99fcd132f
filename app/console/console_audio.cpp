// turn_audio_file: both folders and the file are resolved with realpath,
// so a link or a ".." in the stored value cannot lead outside them.
#include "app/console/console_audio.hpp"

#include <climits>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <vector>

#include <sys/stat.h>

#include "backends/audio/audio_format.hpp"
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

std::optional<std::string> read_whole(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return std::nullopt;
  return std::string{std::istreambuf_iterator<char>(in),
                     std::istreambuf_iterator<char>()};
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

std::optional<std::string> turn_audio_wav(const std::string& audio,
                                          const std::string& tts_cache_dir,
                                          const std::string& caller_audio_dir) {
  if (audio.find(' ') == std::string::npos) {
    auto file = turn_audio_file(audio, tts_cache_dir, caller_audio_dir);
    return file ? read_whole(*file) : std::nullopt;
  }
  // A media reply: every clause an id of the TTS cache, nothing else.
  std::istringstream ids{audio};
  pcm_audio joined;
  joined.sample_rate = phone_sample_rate;
  for (std::string id; ids >> id;) {
    if (!audio_cache::valid_id(id))
      return std::nullopt;
    auto file = turn_audio_file(id, tts_cache_dir, {});
    auto bytes = file ? read_whole(*file) : std::nullopt;
    if (!bytes)
      return std::nullopt;
    auto pcm = read_wav(*bytes);
    if (!pcm || pcm->sample_rate != phone_sample_rate)
      return std::nullopt;
    joined.samples.insert(joined.samples.end(), pcm->samples.begin(),
                          pcm->samples.end());
  }
  auto wav = to_phone_wav(joined);
  if (wav.empty())
    return std::nullopt;
  return std::string{wav.begin(), wav.end()};
}

} // namespace sb
