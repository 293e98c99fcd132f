// The on-disk cache of produced phone audio: one file <dir>/<id>.wav per
// utterance, where id is the SHA-256 of (engine, voice, text), bounded in
// total size by evicting the least recently used files. The TTS worker
// stores, the HTTP side (/audio/<id>.wav) looks up and reads; ids are
// checked to be exactly 64 lowercase hex digits before they go near the
// file system, so nothing from a request path ever becomes a file name.
#pragma once

#include <cstdint>
#include <ctime>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <caf/expected.hpp>

namespace sb {

// Every member function is thread-safe.
class audio_cache {
public:
  /// Opens (creating with mode 0750, parents included) the cache directory
  /// `dir` and indexes the <id>.wav files already in it, least recently
  /// used first by modification time; other files are ignored, except
  /// temporary files a crashed store() left behind, which are removed.
  /// `max_bytes` bounds the sum of the files' sizes.
  /// Errors: errc::storage_failed naming the directory and the OS reason.
  static caf::expected<std::unique_ptr<audio_cache>> open(std::string dir,
                                                          uint64_t max_bytes);

  /// Lowercase hex SHA-256 of engine + '\0' + voice + '\0' + text: the id
  /// of one utterance. Thread-safe.
  static std::string key(std::string_view engine, std::string_view voice,
                         std::string_view text);

  /// True when `id` is exactly 64 characters of [0-9a-f].
  static bool valid_id(std::string_view id);

  /// The path of the cached file for `id` and marks it most recently used
  /// (in memory and in its modification time, so the order survives a
  /// restart); nullopt when `id` is invalid or not cached.
  std::optional<std::string> lookup(const std::string& id);

  /// Writes `wav` as the file for `id` (replacing any earlier one): to a
  /// temporary file in the directory, flushed, then renamed, so readers
  /// see the old file or the whole new one. Then evicts least recently used
  /// files until total_bytes() <= max_bytes, never the one just stored (so
  /// a single file larger than max_bytes stays). Returns its path.
  /// Errors: errc::bad_request for an invalid id; errc::storage_failed
  /// naming the file and the OS reason (nothing is left behind).
  caf::expected<std::string> store(const std::string& id,
                                   const std::vector<uint8_t>& wav);

  /// The bytes of the file for `id`, marking it most recently used as
  /// lookup() does; nullopt when invalid, not cached or unreadable.
  std::optional<std::vector<uint8_t>> read(const std::string& id);

  /// Sum of the sizes of the indexed files.
  uint64_t total_bytes() const;

  /// Number of indexed files.
  size_t size() const;

  const std::string& dir() const {
    return dir_;
  }

private:
  struct entry {
    std::string id;
    uint64_t bytes = 0;
  };
  using lru_list = std::list<entry>; // front = least recently used

  audio_cache(std::string dir, uint64_t max_bytes);
  std::string path_of(const std::string& id) const;
  void index(const std::string& id, uint64_t bytes); // REQUIRES: mutex_
  void evict_except(const std::string& keep);        // REQUIRES: mutex_
  bool touch(const std::string& id);                 // REQUIRES: mutex_
  timespec next_stamp();                             // REQUIRES: mutex_

  const std::string dir_;
  const uint64_t max_bytes_;
  mutable std::mutex mutex_;
  lru_list lru_;
  std::unordered_map<std::string, lru_list::iterator> by_id_;
  uint64_t total_bytes_ = 0;
  int64_t last_stamp_ns_ = 0; // strictly increasing modification times
};

} // namespace sb
