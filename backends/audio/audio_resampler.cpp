// resample() over soxr_oneshot. soxr works out the filter from the two
// rates; the one-shot call flushes its delay line, so the whole tail of the
// input comes out.
#include "backends/audio/audio_resampler.hpp"

#include <string>

#include <soxr.h>

#include "core/error.hpp"

namespace sb {

namespace {

bool usable_rate(int rate) {
  return rate > 0 && rate <= max_sample_rate;
}

} // namespace

caf::expected<pcm_audio> resample(const pcm_audio& in, int out_rate) {
  if (!usable_rate(in.sample_rate) || !usable_rate(out_rate))
    return make_error(errc::bad_request, "resample: unusable sample rate "
                                           + std::to_string(in.sample_rate)
                                           + " -> " + std::to_string(out_rate));
  if (in.sample_rate == out_rate || in.samples.empty())
    return pcm_audio{out_rate, in.samples};
  // Room for the exact ratio plus the rounding soxr may add at the end.
  const auto expected_len = static_cast<size_t>(
    static_cast<double>(in.samples.size()) * out_rate / in.sample_rate);
  pcm_audio out{out_rate, std::vector<int16_t>(expected_len + 16)};
  auto io = soxr_io_spec(SOXR_INT16_I, SOXR_INT16_I);
  // Dither would make two runs over the same text differ; the μ-law step
  // that follows quantises far more coarsely than dither could help with.
  io.flags |= SOXR_NO_DITHER;
  const auto quality = soxr_quality_spec(SOXR_HQ, 0);
  size_t done = 0;
  const soxr_error_t err = soxr_oneshot(
    in.sample_rate, out_rate, 1, in.samples.data(), in.samples.size(), nullptr,
    out.samples.data(), out.samples.size(), &done, &io, &quality, nullptr);
  if (err)
    return make_error(errc::backend_failed,
                      std::string("resample: soxr: ") + err);
  out.samples.resize(done);
  return out;
}

} // namespace sb
