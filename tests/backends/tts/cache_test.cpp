// Tests for backends/tts/audio_cache on a fresh temporary directory each: ids,
// store/lookup/read, least-recently-used eviction, rebuilding the index from
// disk, refusing ids that are not 64 lowercase hex digits, and leaving no
// temporary files behind.
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "backends/tts/audio_cache.hpp"
#include "core/error.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
using sb::audio_cache;

struct cache_fixture {
  sb::test::temp_dir tmp{"cache"};
  std::string dir = tmp.file("cache");

  std::unique_ptr<audio_cache> open(uint64_t max_bytes) {
    auto cache = audio_cache::open(dir, max_bytes);
    if (!cache)
      FAIL(sb::what(cache.error()));
    return std::move(*cache);
  }

  std::set<std::string> files() const {
    std::set<std::string> out;
    for (const auto& e : fs::directory_iterator(dir))
      out.insert(e.path().filename().string());
    return out;
  }
};

std::vector<uint8_t> bytes(size_t n, uint8_t fill) {
  return std::vector<uint8_t>(n, fill);
}

std::string id_of(const std::string& text) {
  return audio_cache::key("espeak", "en", text);
}

} // namespace

TEST_CASE("cache keys are stable and distinct", "[cache]") {
  CHECK(audio_cache::key("espeak", "hi", "hello")
        == "26f8d3c66967b549d31def1e781ae988765777c700f991dbbd911aaa55aeaa8c");
  const auto base = audio_cache::key("espeak", "hi", "hello");
  CHECK(audio_cache::key("espeak", "hi", "hello") == base);
  CHECK(audio_cache::key("http", "hi", "hello") != base);
  CHECK(audio_cache::key("espeak", "en", "hello") != base);
  CHECK(audio_cache::key("espeak", "hi", "hello!") != base);
  // The separators keep field boundaries apart.
  CHECK(audio_cache::key("ab", "c", "") != audio_cache::key("a", "bc", ""));
  CHECK(audio_cache::key("a", "", "b") != audio_cache::key("a", "b", ""));
  CHECK(audio_cache::valid_id(base));
}

TEST_CASE("cache ids must be 64 lowercase hex digits", "[cache]") {
  const std::string good(64, 'a');
  CHECK(audio_cache::valid_id(good));
  CHECK(audio_cache::valid_id(std::string(64, '0')));
  for (const std::string& bad :
       {std::string("../x"), std::string(64, 'A'), std::string(63, 'a'),
        std::string(65, 'a'), std::string(64, 'g'), std::string(),
        "../" + std::string(61, 'a'), std::string(63, 'a') + "/",
        std::string(63, 'a') + '\0', good.substr(0, 60) + ".wav"})
    CHECK_FALSE(audio_cache::valid_id(bad));
}

TEST_CASE_METHOD(cache_fixture, "store, lookup and read", "[cache]") {
  auto cache = open(1 << 20);
  const auto id = id_of("hello");
  CHECK_FALSE(cache->lookup(id));
  CHECK_FALSE(cache->read(id));
  auto path = cache->store(id, bytes(100, 1));
  REQUIRE(path);
  CHECK(*path == dir + "/" + id + ".wav");
  CHECK(fs::file_size(*path) == 100);
  CHECK(cache->lookup(id) == *path);
  CHECK(cache->read(id) == bytes(100, 1));
  CHECK(cache->total_bytes() == 100);
  // Storing again replaces the file and its size.
  REQUIRE(cache->store(id, bytes(40, 2)));
  CHECK(cache->read(id) == bytes(40, 2));
  CHECK(cache->total_bytes() == 40);
  CHECK(cache->size() == 1);
  CHECK(
    (fs::status(dir).permissions() & fs::perms::all)
    == (fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec));
}

TEST_CASE_METHOD(cache_fixture, "invalid ids never reach the file system",
                 "[cache]") {
  auto cache = open(1 << 20);
  for (const std::string& bad :
       {std::string("../x"), std::string(64, 'A'), std::string(63, 'a'),
        "../" + std::string(61, 'a')}) {
    auto r = cache->store(bad, bytes(10, 0));
    REQUIRE_FALSE(r);
    CHECK(sb::has_code(r.error(), sb::errc::bad_request));
    CHECK_FALSE(cache->lookup(bad));
    CHECK_FALSE(cache->read(bad));
  }
  CHECK(files().empty());
  CHECK_FALSE(fs::exists(tmp.file("x")));
}

TEST_CASE_METHOD(cache_fixture, "least recently used files are evicted",
                 "[cache]") {
  auto cache = open(250);
  const auto a = id_of("a"), b = id_of("b"), c = id_of("c"), d = id_of("d");
  REQUIRE(cache->store(a, bytes(100, 'a')));
  REQUIRE(cache->store(b, bytes(100, 'b')));
  REQUIRE(cache->lookup(a)); // a is now more recent than b
  REQUIRE(cache->store(c, bytes(100, 'c')));
  CHECK_FALSE(cache->lookup(b));
  CHECK_FALSE(fs::exists(dir + "/" + b + ".wav"));
  CHECK(cache->lookup(a));
  CHECK(cache->lookup(c));
  CHECK(cache->total_bytes() == 200);
  // read() refreshes too: a, then c, is the order of use; c is evicted.
  REQUIRE(cache->read(a));
  REQUIRE(cache->store(b, bytes(100, 'b')));
  CHECK_FALSE(cache->lookup(c));
  CHECK(cache->total_bytes() == 200);
  // A file larger than the whole budget evicts the rest but stays itself.
  REQUIRE(cache->store(d, bytes(300, 'd')));
  CHECK(cache->lookup(d));
  CHECK(cache->size() == 1);
  CHECK(cache->total_bytes() == 300);
  CHECK(files() == std::set<std::string>{d + ".wav"});
}

TEST_CASE_METHOD(cache_fixture, "reopening rebuilds the index from disk",
                 "[cache]") {
  const auto a = id_of("a"), b = id_of("b"), c = id_of("c"), d = id_of("d");
  {
    auto cache = open(1000);
    REQUIRE(cache->store(a, bytes(100, 'a')));
    REQUIRE(cache->store(b, bytes(100, 'b')));
    REQUIRE(cache->store(c, bytes(100, 'c')));
    REQUIRE(cache->lookup(a)); // order of use: b, c, a
  }
  // Foreign files are left alone; a crashed store's temp file is removed.
  std::ofstream(dir + "/notes.txt") << "keep me";
  std::ofstream(dir + "/" + std::string(64, 'A') + ".wav") << "not ours";
  std::ofstream(dir + "/.tmp-" + d + "-Ab12Cd") << "half written";
  auto cache = open(300);
  CHECK(cache->size() == 3);
  CHECK(cache->total_bytes() == 300);
  CHECK(cache->read(b) == bytes(100, 'b')); // order of use: c, a, b
  REQUIRE(cache->store(d, bytes(100, 'd')));
  CHECK_FALSE(cache->lookup(c));
  CHECK(cache->lookup(a));
  CHECK(cache->lookup(b));
  CHECK(files()
        == std::set<std::string>{a + ".wav", b + ".wav", d + ".wav",
                                 "notes.txt", std::string(64, 'A') + ".wav"});
}

TEST_CASE_METHOD(cache_fixture, "stores leave no temporary files", "[cache]") {
  auto cache = open(1 << 20);
  std::set<std::string> expected;
  for (int i = 0; i < 20; ++i) {
    const auto id = id_of("text " + std::to_string(i));
    REQUIRE(cache->store(id, bytes(static_cast<size_t>(i) * 7 + 1, 9)));
    expected.insert(id + ".wav");
  }
  CHECK(files() == expected);
  struct stat st {};
  REQUIRE(::stat((dir + "/" + *expected.begin()).c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0640);
}

TEST_CASE_METHOD(cache_fixture, "a file removed behind the cache is forgotten",
                 "[cache]") {
  auto cache = open(1 << 20);
  const auto id = id_of("gone");
  REQUIRE(cache->store(id, bytes(50, 1)));
  fs::remove(dir + "/" + id + ".wav");
  CHECK_FALSE(cache->lookup(id));
  CHECK(cache->total_bytes() == 0);
}

TEST_CASE_METHOD(cache_fixture, "open fails when the path is not a directory",
                 "[cache]") {
  std::ofstream(tmp.file("file")) << "x";
  auto r = audio_cache::open(tmp.file("file"), 100);
  REQUIRE_FALSE(r);
  CHECK(sb::has_code(r.error(), sb::errc::storage_failed));
  auto nested = audio_cache::open(tmp.file("file/sub"), 100);
  REQUIRE_FALSE(nested);
  CHECK(sb::has_code(nested.error(), sb::errc::storage_failed));
}

TEST_CASE_METHOD(cache_fixture, "readers and a writer share the cache",
                 "[cache]") {
  auto cache = open(2000);
  std::vector<std::string> ids;
  for (int i = 0; i < 100; ++i)
    ids.push_back(id_of(std::to_string(i)));
  std::atomic<bool> done{false};
  std::atomic<int> bad_reads{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t)
    readers.emplace_back([&] {
      while (!done)
        for (const auto& id : ids)
          if (auto data = cache->read(id); data && data->size() != 100)
            ++bad_reads; // a torn or foreign file
    });
  for (const auto& id : ids)
    REQUIRE(cache->store(id, bytes(100, 7)));
  done = true;
  for (auto& t : readers)
    t.join();
  CHECK(bad_reads == 0);
  CHECK(cache->total_bytes() == 2000);
  CHECK(cache->size() == 20);
  CHECK(files().size() == 20);
}
