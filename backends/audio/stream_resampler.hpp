// Sample-rate conversion of a stream that arrives in pieces (the caller's
// 8 kHz audio on its way to a 16 kHz recogniser), through libsoxr's
// streaming API: one resampler per stream keeps the filter's state from
// one chunk to the next, so chunk boundaries never click and the result
// matches resample() (audio_resampler.hpp) over the whole signal. Not
// thread-safe; movable, not copyable.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

struct soxr;

namespace sb {

class stream_resampler {
public:
  /// A resampler from `in_rate` to `out_rate` Hz with the same recipe as
  /// resample() (SOXR_HQ, no dither), so the two agree.
  /// Errors: errc::bad_request when a rate is <= 0 or above
  /// max_sample_rate; errc::backend_failed with soxr's message.
  static caf::expected<stream_resampler> create(int in_rate, int out_rate);

  stream_resampler(stream_resampler&&) noexcept;
  stream_resampler& operator=(stream_resampler&&) noexcept;
  ~stream_resampler();

  /// Feeds `size` samples and appends what soxr can already output to
  /// `out`. soxr hands its output on in blocks, so the output lags the
  /// input by up to about 100 ms (8 -> 16 kHz) until flush().
  /// Errors: errc::backend_failed with soxr's message.
  caf::error process(const int16_t* in, size_t size, std::vector<int16_t>& out);
  caf::error process(const std::vector<int16_t>& in,
                     std::vector<int16_t>& out) {
    return process(in.data(), in.size(), out);
  }

  /// Ends the stream: appends the held-back tail to `out`, then resets the
  /// resampler for a new stream (same rates). After flush() the samples
  /// appended since the start total about in_samples * out_rate / in_rate,
  /// as resample() would give.
  caf::error flush(std::vector<int16_t>& out);

  int in_rate() const {
    return in_rate_;
  }
  int out_rate() const {
    return out_rate_;
  }

private:
  struct soxr_deleter {
    void operator()(soxr* s) const;
  };

  stream_resampler(int in_rate, int out_rate, soxr* s);

  int in_rate_;
  int out_rate_;
  std::unique_ptr<soxr, soxr_deleter> soxr_; // null: equal rates, copied
};

} // namespace sb
