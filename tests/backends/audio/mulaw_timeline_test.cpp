// Tests for backends/audio/mulaw_timeline: Media Streams payloads placed by
// their timestamps: in-order frames follow on, gaps become silence (up to
// the bound, the rest skipped), duplicates, late and reordered frames lose
// their overlapping part, any frame length works, and the PCM comes out in
// fixed frames at the right stream position.
#include "backends/audio/mulaw_timeline.hpp"

#include <cstdint>
#include <vector>

#include <catch2/catch.hpp>

#include "backends/audio/audio_format.hpp"

namespace {

// `n` μ-law bytes, each coding a distinct, recognisable value: sample k of
// the stream is linear value 8 * (first + k) + 8 (never 0, so silence
// filled in stands out).
std::vector<uint8_t> bytes(int first, size_t n) {
  std::vector<uint8_t> out;
  for (size_t k = 0; k < n; ++k)
    out.push_back(sb::linear_to_mulaw(
      static_cast<int16_t>(8 * ((first + static_cast<int>(k)) % 64) + 8)));
  return out;
}

std::vector<int16_t> decoded(const std::vector<uint8_t>& mulaw) {
  std::vector<int16_t> out;
  for (auto c : mulaw)
    out.push_back(sb::mulaw_to_linear(c));
  return out;
}

// Everything `t` holds, from a copy (t itself is left as it was).
std::vector<int16_t> all_of(const sb::mulaw_timeline& t) {
  auto copy = t;
  return copy.drain();
}

} // namespace

TEST_CASE("frames in order follow on and come out in fixed frames",
          "[timeline]") {
  sb::mulaw_timeline t;
  std::vector<uint8_t> stream;
  for (int i = 0; i < 5; ++i) {
    auto frame = bytes(160 * i, 160);
    auto placed = t.push(20 * i, frame.data(), frame.size());
    CHECK(placed.placed == 160);
    CHECK(placed.dropped == 0);
    CHECK(placed.filled == 0);
    stream.insert(stream.end(), frame.begin(), frame.end());
  }
  CHECK(t.available() == 800);
  CHECK(t.end() == 800);
  std::vector<int16_t> out;
  std::vector<int16_t> got;
  while (t.position() < 800) {
    const int64_t before = t.position();
    REQUIRE(t.pull(160, out));
    CHECK(t.position() == before + 160);
    got.insert(got.end(), out.begin(), out.end());
  }
  CHECK_FALSE(t.pull(160, out));
  CHECK(got == decoded(stream));
}

TEST_CASE("a gap is filled with silence of its exact length", "[timeline]") {
  sb::mulaw_timeline t;
  auto a = bytes(0, 160);
  auto b = bytes(7, 160);
  t.push(0, a.data(), a.size());
  // 20..60 ms lost: 320 samples of silence before b.
  auto placed = t.push(60, b.data(), b.size());
  CHECK(placed.filled == 320);
  CHECK(placed.placed == 160);
  CHECK(placed.skipped == 0);
  auto got = all_of(t);
  REQUIRE(got.size() == 640);
  auto expect = decoded(a);
  expect.insert(expect.end(), 320, int16_t{0});
  auto db = decoded(b);
  expect.insert(expect.end(), db.begin(), db.end());
  CHECK(got == expect);
  SECTION("the stream's start too: a first frame at 40 ms") {
    sb::mulaw_timeline u;
    CHECK(u.push(40, a.data(), a.size()).filled == 320);
    CHECK(u.end() == 480);
  }
}

TEST_CASE("a duplicate, a late and an overlapping frame lose what overlaps",
          "[timeline]") {
  sb::mulaw_timeline t;
  auto a = bytes(0, 160);
  auto b = bytes(160, 160);
  t.push(0, a.data(), a.size());
  t.push(20, b.data(), b.size());
  SECTION("a duplicate is dropped whole") {
    auto placed = t.push(20, b.data(), b.size());
    CHECK(placed.placed == 0);
    CHECK(placed.dropped == 160);
    CHECK(t.end() == 320);
  }
  SECTION("a late frame inside what was placed is dropped whole") {
    auto late = bytes(99, 80);
    CHECK(t.push(5, late.data(), late.size()).dropped == 80);
    CHECK(t.end() == 320);
  }
  SECTION("an overlapping frame keeps only its new tail") {
    // 30 ms .. 50 ms: the first 80 samples (30..40 ms) overlap.
    auto c = bytes(500, 160);
    auto placed = t.push(30, c.data(), c.size());
    CHECK(placed.dropped == 80);
    CHECK(placed.placed == 80);
    CHECK(t.end() == 400);
    auto got = all_of(t);
    auto dc = decoded(c);
    CHECK(std::vector<int16_t>(got.begin() + 320, got.end())
          == std::vector<int16_t>(dc.begin() + 80, dc.end()));
  }
  SECTION("a negative timestamp overlaps the stream's start") {
    sb::mulaw_timeline u;
    auto placed = u.push(-10, a.data(), a.size());
    CHECK(placed.dropped == 80);
    CHECK(placed.placed == 80);
  }
  // Nothing placed is ever rewritten.
  auto got = all_of(t);
  auto expect = decoded(a);
  auto dbv = decoded(b);
  expect.insert(expect.end(), dbv.begin(), dbv.end());
  CHECK(std::vector<int16_t>(got.begin(), got.begin() + 320) == expect);
}

TEST_CASE("reordered frames: the early arrival fills, the late one drops",
          "[timeline]") {
  sb::mulaw_timeline t;
  auto a = bytes(0, 160);
  auto b = bytes(160, 160);
  auto c = bytes(320, 160);
  t.push(0, a.data(), a.size());
  t.push(40, c.data(), c.size()); // c overtook b
  auto placed = t.push(20, b.data(), b.size());
  CHECK(placed.dropped == 160);
  auto got = all_of(t);
  REQUIRE(got.size() == 480);
  // b's slot is silence, c is where its timestamp says.
  CHECK(std::vector<int16_t>(got.begin() + 160, got.begin() + 320)
        == std::vector<int16_t>(160, 0));
  CHECK(std::vector<int16_t>(got.begin() + 320, got.end()) == decoded(c));
}

TEST_CASE("frames of any length, pulled in frames of another", "[timeline]") {
  sb::mulaw_timeline t;
  std::vector<uint8_t> stream;
  // Lengths that are not whole milliseconds: each frame's timestamp is
  // rounded down to the millisecond Twilio would stamp, so its first
  // samples overlap the previous one's last and are dropped.
  int64_t at = 0;
  for (size_t len : {1u, 7u, 160u, 333u, 80u, 13u, 400u}) {
    auto frame = bytes(static_cast<int>(at), len);
    const int64_t ms = at / 8;
    auto placed = t.push(ms, frame.data(), frame.size());
    const auto overlap = static_cast<size_t>(at - ms * 8);
    CHECK(placed.dropped == std::min(overlap, len));
    stream.insert(stream.end(),
                  frame.begin()
                    + static_cast<std::ptrdiff_t>(std::min(overlap, len)),
                  frame.end());
    at = t.end();
  }
  std::vector<int16_t> got;
  std::vector<int16_t> out;
  while (t.pull(80, out))
    got.insert(got.end(), out.begin(), out.end());
  CHECK(t.available() < 80);
  auto rest = t.drain();
  got.insert(got.end(), rest.begin(), rest.end());
  CHECK(got == decoded(stream));
  CHECK(t.position() == t.end());
}

TEST_CASE("a gap beyond the bound is filled up to it, the rest skipped",
          "[timeline]") {
  sb::mulaw_timeline t(100); // fill at most 100 ms
  auto a = bytes(0, 160);
  t.push(0, a.data(), a.size());
  // 20 ms .. 1020 ms lost: 1000 ms, of which 100 are filled.
  auto placed = t.push(1020, a.data(), a.size());
  CHECK(placed.filled == 800);
  CHECK(placed.skipped == 7200);
  CHECK(t.skipped_samples() == 7200);
  CHECK(t.end() == 160 + 800 + 160);
  // Later frames keep following on: Twilio's 1040 ms is timeline 140 ms.
  placed = t.push(1040, a.data(), a.size());
  CHECK(placed.placed == 160);
  CHECK(placed.filled == 0);
  CHECK(t.end() == 1280);
  SECTION("a bogus timestamp costs no more than the bound") {
    placed = t.push(int64_t{1} << 45, a.data(), a.size());
    CHECK(placed.filled == 800);
    CHECK(t.available() == 1280 + 800 + 160);
  }
  SECTION("the default bound is 10 s") {
    sb::mulaw_timeline u;
    u.push(0, a.data(), a.size());
    CHECK(u.push(60000, a.data(), a.size()).filled == 80000);
  }
}

TEST_CASE("an empty frame changes nothing", "[timeline]") {
  sb::mulaw_timeline t;
  auto placed = t.push(500, nullptr, 0);
  CHECK(placed.placed == 0);
  CHECK(placed.filled == 0);
  CHECK(t.end() == 0);
  CHECK(t.push(0, std::string_view{}).placed == 0);
}

TEST_CASE("a long stream pulled as it comes keeps its buffer small",
          "[timeline]") {
  sb::mulaw_timeline t;
  auto frame = bytes(0, 160);
  std::vector<int16_t> out;
  size_t most = 0;
  for (int i = 0; i < 10000; ++i) { // 200 s
    t.push(20 * i, frame.data(), frame.size());
    REQUIRE(t.pull(160, out));
    most = std::max(most, t.available());
  }
  CHECK(most == 0);
  CHECK(t.position() == 1600000);
}
