// Tests for backends/audio/stream_resampler: a signal streamed through in
// odd-sized chunks gives what the one-shot resample() gives over the
// whole of it (no clicks at chunk boundaries), with the right length once
// flushed; equal rates pass through; bad rates are refused; a flushed
// resampler starts a new stream cleanly.
#include "backends/audio/stream_resampler.hpp"

#include <cmath>
#include <cstdlib>
#include <random>

#include <catch2/catch.hpp>

#include "backends/audio/audio_resampler.hpp"
#include "core/error.hpp"

namespace {

constexpr double pi = 3.14159265358979323846;

// Two tones and a little noise: content across the band, seeded.
sb::pcm_audio signal(int rate, double seconds) {
  sb::pcm_audio out{rate, {}};
  std::mt19937 gen(3);
  std::normal_distribution<double> noise(0, 300);
  const auto n = static_cast<size_t>(rate * seconds);
  for (size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / rate;
    out.samples.push_back(
      static_cast<int16_t>(8000 * std::sin(2 * pi * 440 * t)
                           + 4000 * std::sin(2 * pi * 1900 * t) + noise(gen)));
  }
  return out;
}

// Streams `in` in chunks of the sizes in `chunks`, cycled, then flushes.
std::vector<int16_t> streamed(sb::stream_resampler& r,
                              const std::vector<int16_t>& in,
                              const std::vector<size_t>& chunks) {
  std::vector<int16_t> out;
  size_t at = 0;
  for (size_t i = 0; at < in.size(); ++i) {
    const size_t n = std::min(chunks[i % chunks.size()], in.size() - at);
    REQUIRE_FALSE(r.process(in.data() + at, n, out));
    at += n;
  }
  REQUIRE_FALSE(r.flush(out));
  return out;
}

int max_difference(const std::vector<int16_t>& a,
                   const std::vector<int16_t>& b) {
  int most = 0;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i)
    most = std::max(most, std::abs(a[i] - b[i]));
  return most;
}

} // namespace

TEST_CASE("8 -> 16 kHz streamed in odd chunks equals the one-shot result",
          "[stream_resampler]") {
  const auto in = signal(8000, 1.5);
  auto whole = sb::resample(in, 16000);
  REQUIRE(whole);
  auto r = sb::stream_resampler::create(8000, 16000);
  REQUIRE(r);
  CHECK(r->in_rate() == 8000);
  CHECK(r->out_rate() == 16000);
  const auto out = streamed(*r, in.samples, {1, 7, 160, 333, 13, 4096, 80});
  // The length is right once flushed: twice the input, as resample() gives.
  CHECK(out.size() == whole->samples.size());
  CHECK(out.size() == 2 * in.samples.size());
  // Same filter, same state carried over: equal to within rounding.
  CHECK(max_difference(out, whole->samples) <= 2);
}

TEST_CASE("other rates stream as well", "[stream_resampler]") {
  for (auto [from, to] : {std::pair{16000, 8000}, std::pair{22050, 8000},
                          std::pair{8000, 44100}}) {
    INFO(from << " -> " << to);
    const auto in = signal(from, 0.7);
    auto whole = sb::resample(in, to);
    REQUIRE(whole);
    auto r = sb::stream_resampler::create(from, to);
    REQUIRE(r);
    const auto out = streamed(*r, in.samples, {479, 1, 50});
    CHECK(out.size() == whole->samples.size());
    CHECK(max_difference(out, whole->samples) <= 2);
  }
}

TEST_CASE("output comes while streaming, not only at the flush",
          "[stream_resampler]") {
  auto r = sb::stream_resampler::create(8000, 16000);
  REQUIRE(r);
  const auto in = signal(8000, 2.0);
  std::vector<int16_t> out;
  // Fed 20 ms at a time, as the call path does: soxr hands its output on
  // in blocks (1660 samples at 16 kHz here), so the stream lags the input
  // by about 100 ms at most, never by the whole utterance.
  size_t most_behind = 0;
  for (size_t at = 0; at < in.samples.size(); at += 160) {
    REQUIRE_FALSE(r->process(in.samples.data() + at, 160, out));
    const size_t due = 2 * (at + 160);
    most_behind = std::max(most_behind, due - std::min(due, out.size()));
  }
  CHECK(most_behind <= 2000); // 125 ms at 16 kHz
  CHECK(out.size() <= 2 * in.samples.size());
}

TEST_CASE("a flushed resampler starts the next stream afresh",
          "[stream_resampler]") {
  auto r = sb::stream_resampler::create(8000, 16000);
  REQUIRE(r);
  const auto in = signal(8000, 0.5);
  const auto first = streamed(*r, in.samples, {160});
  const auto second = streamed(*r, in.samples, {160});
  CHECK(first == second);
}

TEST_CASE("equal rates pass the samples through", "[stream_resampler]") {
  auto r = sb::stream_resampler::create(8000, 8000);
  REQUIRE(r);
  const auto in = signal(8000, 0.1);
  CHECK(streamed(*r, in.samples, {33}) == in.samples);
}

TEST_CASE("an empty stream flushes to nothing", "[stream_resampler]") {
  auto r = sb::stream_resampler::create(8000, 16000);
  REQUIRE(r);
  std::vector<int16_t> out;
  REQUIRE_FALSE(r->flush(out));
  CHECK(out.empty());
}

TEST_CASE("unusable rates are refused", "[stream_resampler]") {
  for (auto [from, to] : {std::pair{0, 16000}, std::pair{8000, -1},
                          std::pair{8000, sb::max_sample_rate + 1}}) {
    auto r = sb::stream_resampler::create(from, to);
    REQUIRE_FALSE(r);
    CHECK(sb::has_code(r.error(), sb::errc::bad_request));
  }
}

TEST_CASE("a resampler moves with its stream", "[stream_resampler]") {
  auto r = sb::stream_resampler::create(8000, 16000);
  REQUIRE(r);
  const auto in = signal(8000, 0.3);
  std::vector<int16_t> out;
  REQUIRE_FALSE(r->process(in.samples.data(), 1000, out));
  sb::stream_resampler moved = std::move(*r);
  REQUIRE_FALSE(
    moved.process(in.samples.data() + 1000, in.samples.size() - 1000, out));
  REQUIRE_FALSE(moved.flush(out));
  auto whole = sb::resample(in, 16000);
  REQUIRE(whole);
  CHECK(out.size() == whole->samples.size());
  CHECK(max_difference(out, whole->samples) <= 2);
}
