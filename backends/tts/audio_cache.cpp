// audio_cache: an LRU list in memory mirrored by file modification times
// on disk. The mutex covers the index and every rename/unlink/utimensat;
// writing a new file's bytes and reading a file's bytes happen outside it,
// so HTTP threads are not held up by a large store. Files only ever appear
// by rename, so a reader that opened a file keeps a consistent copy even if
// the file is replaced or evicted meanwhile.
#include "backends/tts/audio_cache.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "core/error.hpp"

namespace sb {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view wav_suffix = ".wav";
constexpr std::string_view temp_prefix = ".tmp-";
constexpr std::string_view temp_pattern = "-XXXXXX";

caf::error os_error(const std::string& what_failed, int err) {
  return make_error(errc::storage_failed,
                    "audio cache: " + what_failed + ": " + std::strerror(err));
}

// mkdir -p with mode 0750 for every directory it creates.
caf::error make_dirs(const std::string& dir) {
  std::string partial;
  for (const auto& part : fs::path(dir)) {
    partial = (fs::path(partial) / part).string();
    if (part == "/" || ::mkdir(partial.c_str(), 0750) == 0 || errno == EEXIST)
      continue;
    return os_error("mkdir " + partial, errno);
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0)
    return os_error("stat " + dir, errno);
  if (!S_ISDIR(st.st_mode))
    return os_error(dir, ENOTDIR);
  return {};
}

// "<id>.wav" → id; empty for any other name.
std::string id_of_file(const std::string& name) {
  if (name.size() != 64 + wav_suffix.size()
      || name.compare(64, wav_suffix.size(), wav_suffix) != 0)
    return {};
  auto id = name.substr(0, 64);
  return audio_cache::valid_id(id) ? id : std::string();
}

// ".tmp-<id>-XXXXXX", as store() names its temporary files.
bool is_temp_file(const std::string& name) {
  return name.size() == temp_prefix.size() + 64 + temp_pattern.size()
         && name.compare(0, temp_prefix.size(), temp_prefix) == 0
         && audio_cache::valid_id(name.substr(temp_prefix.size(), 64));
}

struct found_file {
  std::string id;
  uint64_t bytes = 0;
  int64_t mtime_ns = 0;
};

caf::expected<std::vector<found_file>> scan(const std::string& dir) {
  std::error_code ec;
  std::vector<found_file> found;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    const auto name = it->path().filename().string();
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode))
      continue;
    if (is_temp_file(name)) {
      ::unlink(it->path().c_str());
      continue;
    }
    auto id = id_of_file(name);
    if (!id.empty())
      found.push_back({std::move(id), static_cast<uint64_t>(st.st_size),
                       st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec});
  }
  if (ec)
    return os_error("scan " + dir, ec.value());
  std::sort(found.begin(), found.end(),
            [](const found_file& a, const found_file& b) {
              return a.mtime_ns < b.mtime_ns;
            });
  return found;
}

bool write_all(int fd, const std::vector<uint8_t>& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// Writes `bytes` to a new temporary file in `dir`, flushed to disk; returns
// its path. On failure nothing is left behind.
caf::expected<std::string> write_temp(const std::string& dir,
                                      const std::string& id,
                                      const std::vector<uint8_t>& bytes) {
  std::string path = dir + "/" + std::string(temp_prefix) + id
                     + std::string(temp_pattern);
  const int fd = ::mkstemp(path.data());
  if (fd < 0)
    return os_error("create " + path, errno);
  const bool ok = write_all(fd, bytes) && ::fchmod(fd, 0640) == 0
                  && ::fsync(fd) == 0;
  const int err = errno;
  if (::close(fd) != 0 || !ok) {
    ::unlink(path.c_str());
    return os_error("write " + path, ok ? errno : err);
  }
  return path;
}

} // namespace

audio_cache::audio_cache(std::string dir, uint64_t max_bytes)
  : dir_(std::move(dir)), max_bytes_(max_bytes) {
}

caf::expected<std::unique_ptr<audio_cache>>
audio_cache::open(std::string dir, uint64_t max_bytes) {
  while (dir.size() > 1 && dir.back() == '/')
    dir.pop_back();
  if (dir.empty())
    return make_error(errc::storage_failed, "audio cache: empty directory");
  if (auto err = make_dirs(dir))
    return err;
  auto found = scan(dir);
  if (!found)
    return found.error();
  std::unique_ptr<audio_cache> cache(
    new audio_cache(std::move(dir), max_bytes));
  std::lock_guard<std::mutex> lock(cache->mutex_);
  for (auto& f : *found) {
    cache->index(f.id, f.bytes);
    cache->last_stamp_ns_ = std::max(cache->last_stamp_ns_, f.mtime_ns);
  }
  return cache;
}

std::string audio_cache::key(std::string_view engine, std::string_view voice,
                             std::string_view text) {
  std::string input;
  input.reserve(engine.size() + voice.size() + text.size() + 2);
  input.append(engine).append(1, '\0').append(voice).append(1, '\0').append(
    text);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(input.data(), input.size(), digest, &len, EVP_sha256(), nullptr);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 0x0F];
  }
  return out;
}

bool audio_cache::valid_id(std::string_view id) {
  return id.size() == 64 && std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::optional<std::string> audio_cache::lookup(const std::string& id) {
  if (!valid_id(id))
    return std::nullopt;
  std::lock_guard<std::mutex> lock(mutex_);
  if (!touch(id))
    return std::nullopt;
  return path_of(id);
}

caf::expected<std::string> audio_cache::store(const std::string& id,
                                              const std::vector<uint8_t>& wav) {
  if (!valid_id(id))
    return make_error(errc::bad_request, "audio cache: invalid id");
  auto temp = write_temp(dir_, id, wav);
  if (!temp)
    return temp.error();
  const auto path = path_of(id);
  std::lock_guard<std::mutex> lock(mutex_);
  // The stamp is taken under the lock so disk order matches index order.
  const timespec stamp = next_stamp();
  const timespec times[2] = {stamp, stamp};
  ::utimensat(AT_FDCWD, temp->c_str(), times, 0);
  if (::rename(temp->c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp->c_str());
    return os_error("rename to " + path, err);
  }
  index(id, wav.size());
  evict_except(id);
  return path;
}

std::optional<std::vector<uint8_t>> audio_cache::read(const std::string& id) {
  const auto path = lookup(id);
  if (!path)
    return std::nullopt;
  std::ifstream in(*path, std::ios::binary);
  if (!in)
    return std::nullopt;
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  if (in.bad())
    return std::nullopt;
  return bytes;
}

uint64_t audio_cache::total_bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return total_bytes_;
}

size_t audio_cache::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return lru_.size();
}

std::string audio_cache::path_of(const std::string& id) const {
  return dir_ + "/" + id + std::string(wav_suffix);
}

void audio_cache::index(const std::string& id, uint64_t bytes) {
  if (auto it = by_id_.find(id); it != by_id_.end()) {
    total_bytes_ -= it->second->bytes;
    lru_.erase(it->second);
  }
  lru_.push_back({id, bytes});
  by_id_[id] = std::prev(lru_.end());
  total_bytes_ += bytes;
}

void audio_cache::evict_except(const std::string& keep) {
  while (total_bytes_ > max_bytes_ && !lru_.empty()
         && lru_.front().id != keep) {
    const auto victim = lru_.front();
    ::unlink(path_of(victim.id).c_str());
    total_bytes_ -= victim.bytes;
    by_id_.erase(victim.id);
    lru_.pop_front();
  }
}

bool audio_cache::touch(const std::string& id) {
  const auto it = by_id_.find(id);
  if (it == by_id_.end())
    return false;
  const timespec stamp = next_stamp();
  const timespec times[2] = {stamp, stamp};
  if (::utimensat(AT_FDCWD, path_of(id).c_str(), times, 0) != 0
      && errno == ENOENT) {
    // Removed behind our back: forget it.
    total_bytes_ -= it->second->bytes;
    lru_.erase(it->second);
    by_id_.erase(it);
    return false;
  }
  lru_.splice(lru_.end(), lru_, it->second);
  return true;
}

timespec audio_cache::next_stamp() {
  const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
  last_stamp_ns_ = std::max(now, last_stamp_ns_ + 1);
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(last_stamp_ns_ / 1000000000);
  ts.tv_nsec = static_cast<long>(last_stamp_ns_ % 1000000000);
  return ts;
}

} // namespace sb
